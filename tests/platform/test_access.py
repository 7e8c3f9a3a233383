"""Registration with an SMS code, sign-in, recovery, password changes, application passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from corriere.platform.accounts.profile import account_password_change, account_set_status
from corriere.platform.accounts.queries import account_get, ledger_list
from corriere.platform.accounts.services import operator_ensure
from corriere.platform.audit.services import audit_list
from corriere.platform.auth.app_passwords import (
    app_password_authenticate,
    app_password_create,
    app_password_revoke,
    app_passwords_list,
)
from corriere.platform.auth.login import login_attempt, session_account
from corriere.platform.auth.recovery import (
    password_reset_complete,
    password_reset_request,
    password_reset_username,
)
from corriere.platform.auth.registration import (
    registration_activate,
    registration_resend,
    registration_start,
)
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.errors import (
    AccountInactiveError,
    AccountNotActivatedError,
    ConflictError,
    FieldErrors,
    LoginFailedError,
    NotFoundError,
    TooManyAttemptsError,
    ValidationError,
)
from corriere.platform.mail.services import mail_outbox_list
from corriere.platform.money import to_units

GOOD = "Sole-Mare-2026"
_n = iter(range(10_000, 99_999))


def _person(**overrides):
    n = next(_n)
    values = {
        "username": f"anna{n}",
        "password": GOOD,
        "email": f"anna{n}@example.com",
        "mobile": f"+39347{n:07d}",
        "first_name": "Anna",
        "last_name": "Bianchi",
        "accept_terms": True,
        "accept_privacy": True,
    }
    values.update(overrides)
    return values


async def _sent_code(campaign_id: int) -> str:
    text = await database().fetchval("SELECT text FROM campaign WHERE id = $1", campaign_id)
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


async def _register(settings, **overrides):
    started = await registration_start(settings=settings, **_person(**overrides))
    return started, await _sent_code(started.campaign_id)


async def _accounts() -> int:
    return int(await database().fetchval("SELECT count(*) FROM account"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "anna@"}, "email", "e-mail non valido"),
        ({"mobile": "0612345678"}, "mobile", "non è un numero di cellulare"),
        ({"mobile": "33x12"}, "mobile", "non numerici"),
        ({"password": "Corto1!"}, "password", "almeno 10 caratteri"),
        ({"password": "tuttominuscolo"}, "password", "tre tipi di caratteri"),
        ({"password": "Annaxyz-2026-pw", "username": "annaxyz"}, "password", "username"),
        ({"username": "a b"}, "username", "Username non valido"),
        ({"accept_terms": False}, "accept_terms", "condizioni"),
        ({"accept_privacy": False}, "accept_privacy", "privacy"),
        ({"first_name": " "}, "first_name", "nome"),
    ],
)
async def test_registration_refusals_write_nothing(db, settings, overrides, field, message):
    before = await _accounts()
    with pytest.raises(FieldErrors) as excinfo:
        await registration_start(settings=settings, **_person(**overrides))
    assert message in excinfo.value.errors[field]
    assert await _accounts() == before


async def test_duplicate_username_and_email(db, settings):
    first, _ = await _register(settings)
    row = await account_get(first.account_id)
    assert row is not None
    before = await _accounts()
    with pytest.raises(FieldErrors) as excinfo:
        await registration_start(
            settings=settings, **_person(username=first.username.upper(), email=row.email.upper())
        )
    assert "già in uso" in excinfo.value.errors["username"]
    assert "Esiste già" in excinfo.value.errors["email"]
    assert await _accounts() == before


async def test_registration_sends_code_by_sms_and_activates(db, settings):
    started, code = await _register(settings)
    row = await account_get(started.account_id)
    assert row is not None and row.status == "pending" and row.balance_units == 0
    campaign = await database().fetchrow(
        "SELECT c.sender, a.username, m.recipient FROM campaign c JOIN account a ON a.id = c.account"
        " JOIN message m ON m.campaign = c.id WHERE c.id = $1",
        started.campaign_id,
    )
    assert campaign == {
        "sender": "Corriere",
        "username": "corriere-system",
        "recipient": started.mobile,
    }
    with pytest.raises(AccountNotActivatedError):
        await login_attempt(username=started.username, password=GOOD, ip="10.0.0.1")
    activated = await registration_activate(
        settings=settings, account_id=started.account_id, code=code
    )
    assert activated.trial_units == to_units(settings.trial_credits)
    row = await account_get(started.account_id)
    assert row is not None and row.status == "active"
    assert [e.kind for e in await ledger_list(started.account_id)] == ["trial"]
    (mail,) = await mail_outbox_list(account_id=started.account_id)
    assert mail.kind == "welcome" and mail.recipient == row.email
    assert started.username in mail.text_body and "/accesso" in mail.html_body
    with pytest.raises(ConflictError):
        await registration_activate(settings=settings, account_id=started.account_id, code=code)


async def test_wrong_codes_are_counted_and_limited(db, settings):
    started, code = await _register(settings)
    wrong = "000000" if code != "000000" else "111111"
    for text in (
        "restano 4 tentativi",
        "restano 3 tentativi",
        "restano 2 tentativi",
        "resta 1 tentativo",
    ):
        with pytest.raises(ValidationError, match=f"{text}$"):
            await registration_activate(
                settings=settings, account_id=started.account_id, code=wrong
            )
    with pytest.raises(TooManyAttemptsError, match="esaurito i tentativi"):
        await registration_activate(settings=settings, account_id=started.account_id, code=wrong)
    with pytest.raises(TooManyAttemptsError):
        await registration_activate(settings=settings, account_id=started.account_id, code=code)
    row = await account_get(started.account_id)
    assert row is not None and row.status == "pending"


async def test_expired_code_and_rate_limited_resend(db, settings):
    started, code = await _register(settings)
    with pytest.raises(TooManyAttemptsError, match="Attendi"):
        await registration_resend(settings=settings, account_id=started.account_id)
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE activation_code SET expires_at = $1, last_sent_at = $1 WHERE account = $2",
            utcnow() - timedelta(minutes=1),
            started.account_id,
        )
    with pytest.raises(ValidationError, match="scaduto"):
        await registration_activate(settings=settings, account_id=started.account_id, code=code)
    campaign_id = await registration_resend(settings=settings, account_id=started.account_id)
    new_code = await _sent_code(campaign_id)
    if new_code != code:
        with pytest.raises(ValidationError):
            await registration_activate(settings=settings, account_id=started.account_id, code=code)
    await registration_activate(settings=settings, account_id=started.account_id, code=new_code)


async def test_support_resends_code_past_the_limit_with_audit(db, settings):
    started, _ = await _register(settings)
    operator = await operator_ensure(username="mario")
    await registration_resend(
        settings=settings,
        account_id=started.account_id,
        operator_id=operator,
        reason="cliente al telefono",
    )
    (entry,) = await audit_list(account_id=started.account_id)
    assert (entry.operator, entry.action, entry.reason) == (
        "mario",
        "activation_code_resent",
        "cliente al telefono",
    )


async def _active(settings, **overrides):
    started, code = await _register(settings, **overrides)
    await registration_activate(settings=settings, account_id=started.account_id, code=code)
    return started


async def test_login_messages_do_not_reveal_usernames(db, settings):
    started = await _active(settings)
    with pytest.raises(LoginFailedError) as wrong_password:
        await login_attempt(username=started.username, password="Sbagliata-123", ip="10.1.0.1")
    with pytest.raises(LoginFailedError) as unknown_user:
        await login_attempt(username="nessuno-qui", password="Sbagliata-123", ip="10.1.0.1")
    assert wrong_password.value.message == unknown_user.value.message
    signed = await login_attempt(
        username=f"  {started.username.upper()} ", password=f" {GOOD}\t", ip="10.1.0.1"
    )
    assert signed.account_id == started.account_id
    assert await session_account(signed.account_id, signed.session_epoch) is not None


async def test_login_throttled_per_username_and_per_ip(db, settings):
    started = await _active(settings)
    for _ in range(5):
        with pytest.raises(LoginFailedError):
            await login_attempt(username=started.username, password="Sbagliata-1", ip="10.2.0.1")
    with pytest.raises(TooManyAttemptsError):
        await login_attempt(username=started.username, password=GOOD, ip="10.2.0.1")
    # Someone else's wrong passwords do not lock the owner out (tests/platform/test_login_throttling.py).
    assert (
        await login_attempt(username=started.username, password=GOOD, ip="10.2.0.99")
    ).account_id
    for i in range(20):
        with pytest.raises(LoginFailedError):
            await login_attempt(username=f"ghost{i}", password="x", ip="10.3.0.1")
    other = await _active(settings)
    with pytest.raises(TooManyAttemptsError):
        await login_attempt(username=other.username, password=GOOD, ip="10.3.0.1")
    assert (await login_attempt(username=other.username, password=GOOD, ip="10.3.0.2")).account_id


async def test_blocked_account_cannot_sign_in_and_loses_sessions(db, settings):
    started = await _active(settings)
    signed = await login_attempt(username=started.username, password=GOOD, ip="10.4.0.1")
    operator = await operator_ensure(username="giulia")
    await account_set_status(
        account_id=started.account_id, status="blocked", operator_id=operator, reason="frode"
    )
    assert await session_account(signed.account_id, signed.session_epoch) is None
    with pytest.raises(AccountInactiveError):
        await login_attempt(username=started.username, password=GOOD, ip="10.4.0.1")
    await account_set_status(
        account_id=started.account_id, status="active", operator_id=operator, reason="chiarito"
    )
    assert [a.action for a in await audit_list(account_id=started.account_id)] == [
        "account_unblocked",
        "account_blocked",
    ]


async def _reset_token(account_id: int) -> str:
    (mail, *_) = await mail_outbox_list(account_id=account_id)
    assert mail.kind == "password_reset"
    match = re.search(r"/recupera/([\w-]+)", mail.text_body)
    assert match
    return match.group(1)


async def test_password_recovery_by_username_or_email(db, settings):
    started = await _active(settings)
    row = await account_get(started.account_id)
    assert row is not None
    signed = await login_attempt(username=started.username, password=GOOD, ip="10.5.0.1")
    await password_reset_request(settings=settings, identifier=row.email.upper())
    token = await _reset_token(started.account_id)
    assert await password_reset_username(token) == started.username
    with pytest.raises(ValidationError, match="almeno 10"):
        await password_reset_complete(token=token, new_password="corta")
    await password_reset_complete(token=token, new_password="Nuova-Password-77")
    assert await session_account(signed.account_id, signed.session_epoch) is None
    with pytest.raises(ValidationError, match="non è valido o è scaduto"):
        await password_reset_complete(token=token, new_password="Altra-Password-88")
    await login_attempt(username=started.username, password="Nuova-Password-77", ip="10.5.0.1")
    await password_reset_request(settings=settings, identifier=f" {started.username} ")
    token = await _reset_token(started.account_id)
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE password_reset SET expires_at = $1", utcnow() - timedelta(seconds=1)
        )
    with pytest.raises(ValidationError, match="scaduto"):
        await password_reset_username(token)


async def test_recovery_answers_the_same_for_unknown_accounts(db, settings):
    before = len(await mail_outbox_list(limit=10_000))
    assert await password_reset_request(settings=settings, identifier="nobody@example.com") is None
    assert len(await mail_outbox_list(limit=10_000)) == before


async def test_password_change_asks_the_old_one_and_ends_other_sessions(db, settings):
    started = await _active(settings)
    signed = await login_attempt(username=started.username, password=GOOD, ip="10.6.0.1")
    with pytest.raises(ValidationError, match="attuale non è corretta"):
        await account_password_change(
            account_id=started.account_id, old_password="x", new_password="Nuova-Password-77"
        )
    epoch = await account_password_change(
        account_id=started.account_id, old_password=GOOD, new_password="Nuova-Password-77"
    )
    assert await session_account(signed.account_id, signed.session_epoch) is None
    assert await session_account(signed.account_id, epoch) is not None


async def test_application_passwords(db, settings, make_account):
    account = await make_account()
    other = await make_account()
    created = await app_password_create(account_id=account.id, label="Gestionale")
    assert created.secret.startswith("cor_") and len(created.secret) > 30
    (listed,) = await app_passwords_list(account.id)
    assert listed.label == "Gestionale" and listed.last_used_at is None
    assert created.secret not in repr(listed)
    caller = await app_password_authenticate(
        username=account.username, secret=created.secret, ip="192.0.2.7"
    )
    assert caller.account_id == account.id
    assert (await app_passwords_list(account.id))[0].last_used_at is not None
    with pytest.raises(NotFoundError):
        await app_password_revoke(account_id=other.id, app_password_id=created.id)
    await app_password_revoke(account_id=account.id, app_password_id=created.id)
    with pytest.raises(LoginFailedError):
        await app_password_authenticate(
            username=account.username, secret=created.secret, ip="192.0.2.7"
        )
    assert await app_passwords_list(account.id) == []
    with pytest.raises(ValidationError):
        await app_password_create(account_id=account.id, label="  ")


async def test_unblocking_a_never_activated_account_leaves_it_pending(db, settings):
    started, code = await _register(settings)
    operator = await operator_ensure(username="giulia")
    await account_set_status(
        account_id=started.account_id, status="blocked", operator_id=operator, reason="verifica"
    )
    with pytest.raises(ConflictError, match="bloccato"):
        await registration_resend(
            settings=settings, account_id=started.account_id, operator_id=operator
        )
    await account_set_status(
        account_id=started.account_id, status="active", operator_id=operator, reason="verificato"
    )
    row = await account_get(started.account_id)
    assert row is not None and row.status == "pending" and row.balance_units == 0
    await registration_activate(settings=settings, account_id=started.account_id, code=code)
