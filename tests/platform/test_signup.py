"""ISCRIZIONE VIA WEB: the page's settings, subscribing and unsubscribing through it, the spam
checks (honeypot, signed fill time) and the rate limits, all on the real database."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.clock import utcnow
from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.services import contact_create
from corriere.platform.contacts.signup import (
    CONSENT_REQUIRED,
    GROUP_REQUIRED,
    GROUP_UNKNOWN,
    MOBILE_REQUIRED,
    NOT_ACCEPTED,
    SUBSCRIBE_PER_ACCOUNT,
    SUBSCRIBE_PER_IP,
    TOO_MANY_FOR_ACCOUNT,
    TOO_MANY_FROM_IP,
    UNSUBSCRIBE_PER_IP,
    signup_submit,
    signup_unsubscribe,
)
from corriere.platform.contacts.signup_form import (
    CONSENT_TEXT_REQUIRED,
    CONSENT_TEXT_TOO_LONG,
    TITLE_TOO_LONG,
    SignupPage,
    signup_form_get,
    signup_form_update,
    signup_page_get,
    signup_time_token,
)
from corriere.platform.db import database
from corriere.platform.errors import (
    FieldErrors,
    NotFoundError,
    TooManyAttemptsError,
    ValidationError,
)

MakeAccount = Callable[..., Awaitable[AccountCreated]]


def new_ip() -> str:
    """A documentation address of its own: the per-IP limit counts across the whole database."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def new_mobile() -> str:
    return f"33{secrets.randbelow(10**8):08d}"


async def open_page(
    make_account: MakeAccount,
    groups: Sequence[str] = ("Newsletter",),
    *,
    fields: Sequence[str] = ("first_name", "last_name"),
    unflagged: Sequence[str] = (),
) -> tuple[AccountCreated, SignupPage, dict[str, int]]:
    """An account with its sign-up page: `groups` flagged for web sign-up, `unflagged` not."""
    account = await make_account()
    ids = {}
    for name in groups:
        ids[name] = await group_create(account_id=account.id, name=name, web_signup=True)
    for name in unflagged:
        ids[name] = await group_create(account_id=account.id, name=name)
    saved = await signup_form_get(account.id)
    await signup_form_update(
        account_id=account.id,
        fields=list(fields),
        title="Novità dal Circolo",
        consent_text=saved.consent_text,
        enabled=True,
    )
    page = await signup_page_get(saved.token)
    assert page is not None
    return account, page, ids


def fake_page() -> SignupPage:
    return SignupPage(0, "sconosciuta", "", (), "", ())


def filled(page: SignupPage, *, seconds_ago: float = 10) -> str:
    """The page's time token as if it had been rendered `seconds_ago`."""
    return signup_time_token(page, now=utcnow() - timedelta(seconds=seconds_ago))


async def submit(
    page: SignupPage,
    form: dict[str, str],
    group_ids: Sequence[int] = (),
    *,
    consent: bool = True,
    ip: str | None = None,
    honeypot: str = "",
    started: str | None = None,
    **kwargs: Any,
) -> Any:
    return await signup_submit(
        token=page.token,
        form=form,
        group_ids=list(group_ids),
        consent=consent,
        ip=ip or new_ip(),
        source=kwargs.pop("source", "iframe"),
        user_agent=kwargs.pop("user_agent", "Mozilla/5.0 (test)"),
        started_at_token=filled(page) if started is None else started,
        honeypot=honeypot,
        **kwargs,
    )


async def unsubscribe(page: SignupPage, mobile: str, ip: str, **kwargs: Any) -> None:
    """The unsubscribe form, sent as a person does (its page rendered 10 seconds earlier)."""
    started = signup_time_token(page, now=utcnow() - timedelta(seconds=10), purpose="unsubscribe")
    kwargs.setdefault("started_at_token", started)
    kwargs.setdefault("honeypot", "")
    await signup_unsubscribe(token=page.token, mobile=mobile, ip=ip, **kwargs)


async def contact_row(account_id: int, mobile: str) -> dict[str, Any] | None:
    return await database().fetchrow(
        "SELECT * FROM contact WHERE account = $1 AND mobile = $2", account_id, mobile
    )


async def groups_of(contact_id: int) -> list[int]:
    rows = await database().fetch(
        "SELECT contact_group FROM group_member WHERE contact = $1 ORDER BY contact_group",
        contact_id,
    )
    return [int(r["contact_group"]) for r in rows]


async def signups_of(account_id: int) -> list[dict[str, Any]]:
    return await database().fetch("SELECT * FROM signup WHERE account = $1 ORDER BY id", account_id)


# ---------------------------------------------------------------------------- settings


async def test_the_page_is_created_on_first_use_with_defaults(make_account: MakeAccount) -> None:
    account = await make_account(first_name="Lucia", last_name="Verdi")
    first = await signup_form_get(account.id)
    assert len(first.token) == 24
    assert first.token.replace("-", "").replace("_", "").isalnum()
    assert first.fields == ("first_name", "last_name")
    assert first.enabled is True
    assert first.title == ""
    assert "da Lucia Verdi" in first.consent_text
    assert "cancellarmi" in first.consent_text
    assert first.groups == ()
    again = await signup_form_get(account.id)
    assert again.token == first.token
    other = await signup_form_get((await make_account()).id)
    assert other.token != first.token


async def test_settings_are_validated(make_account: MakeAccount) -> None:
    account = await make_account()
    before = await signup_form_get(account.id)
    with pytest.raises(FieldErrors) as excinfo:
        await signup_form_update(
            account_id=account.id,
            fields=["first_name", "password"],
            title="x" * 121,
            consent_text="   ",
            enabled=True,
        )
    errors = excinfo.value.errors
    assert errors["fields"] == "Campo non disponibile: password"
    assert errors["title"] == TITLE_TOO_LONG
    assert errors["consent_text"] == CONSENT_TEXT_REQUIRED
    with pytest.raises(FieldErrors) as excinfo:
        await signup_form_update(
            account_id=account.id, fields=[], title="", consent_text="x" * 2001, enabled=True
        )
    assert excinfo.value.errors == {"consent_text": CONSENT_TEXT_TOO_LONG}
    assert await signup_form_get(account.id) == before  # nothing half-written

    saved = await signup_form_update(
        account_id=account.id,
        fields=["notes", "city", "first_name", "city"],
        title="  Le nostre   serate ",
        consent_text=" Acconsento. ",
        enabled=False,
    )
    assert saved.fields == ("first_name", "city", "notes")  # the manual's order
    assert saved.title == "Le nostre serate"
    assert saved.consent_text == "Acconsento."
    assert saved.enabled is False
    assert saved.token == before.token


async def test_the_public_view_shows_only_the_accounts_flagged_groups(
    make_account: MakeAccount,
) -> None:
    account, page, ids = await open_page(
        make_account, ("Serate", "Aperitivi"), unflagged=("Fornitori",)
    )
    await open_page(make_account, ("Gruppo di un altro",))
    assert page.account_id == account.id
    assert page.title == "Novità dal Circolo"
    assert [(g.id, g.name) for g in page.groups] == [
        (ids["Aperitivi"], "Aperitivi"),
        (ids["Serate"], "Serate"),
    ]
    assert await signup_page_get("nessuna-pagina-qui") is None
    assert await signup_page_get("") is None
    await signup_form_update(
        account_id=account.id, fields=[], title="", consent_text="Ok", enabled=False
    )
    assert await signup_page_get(page.token) is None


# ---------------------------------------------------------------------------- subscribing


async def test_a_new_number_becomes_a_contact_in_the_group(make_account: MakeAccount) -> None:
    account, page, ids = await open_page(make_account, fields=("first_name", "last_name", "email"))
    mobile = new_mobile()
    ip = new_ip()
    done = await submit(
        page,
        {
            "mobile": mobile,
            "prefix": "39",
            "first_name": " Giulia ",
            "last_name": "Neri",
            "email": "giulia@example.com",
            "notes": "not asked: ignored",
        },
        ip=ip,
    )
    assert done.created is True
    assert done.groups == ("Newsletter",)  # the only list: implied
    row = await contact_row(account.id, f"+39{mobile}")
    assert row is not None
    assert row["id"] == done.contact_id
    assert (row["first_name"], row["last_name"], row["email"]) == (
        "Giulia",
        "Neri",
        "giulia@example.com",
    )
    assert row["notes"] == ""
    assert row["source"] == "signup"
    assert await groups_of(done.contact_id) == [ids["Newsletter"]]
    [record] = await signups_of(account.id)
    assert record["action"] == "subscribe"
    assert record["contact"] == done.contact_id
    assert record["mobile"] == f"+39{mobile}"
    assert record["groups"] == "Newsletter"
    assert record["ip"] == ip
    assert record["source"] == "iframe"
    assert record["user_agent"] == "Mozilla/5.0 (test)"
    assert record["consent_text"] == page.consent_text


@pytest.mark.parametrize("source", ["", "https://spam.example/<script>", "IFRAME ", "diretto"])
async def test_an_unknown_source_is_recorded_as_the_page(
    make_account: MakeAccount, source: str
) -> None:
    account, page, _ = await open_page(make_account)
    await submit(page, {"mobile": new_mobile()}, source=source, user_agent="")
    [record] = await signups_of(account.id)
    assert record["source"] == ("iframe" if source == "IFRAME " else "page")


async def test_an_existing_number_is_updated_with_the_fields_filled_in(
    make_account: MakeAccount,
) -> None:
    account, page, ids = await open_page(
        make_account, ("Serate", "Aperitivi"), fields=("first_name", "last_name", "city")
    )
    other = await group_create(account_id=account.id, name="Clienti")
    mobile = new_mobile()
    existing = await contact_create(
        account_id=account.id,
        values=ContactValues(
            mobile=f"+39{mobile}", first_name="Anna", last_name="Bianchi", city="Bologna"
        ),
        group_ids=[other],
    )
    done = await submit(
        page,
        {"mobile": f"+39 {mobile}", "first_name": "Annalisa", "last_name": "", "city": ""},
        [ids["Serate"], ids["Aperitivi"], ids["Serate"]],
    )
    assert done.created is False
    assert done.contact_id == existing
    row = await contact_row(account.id, f"+39{mobile}")
    assert row is not None
    assert (row["first_name"], row["first_key"]) == ("Annalisa", "annalisa")
    assert (row["last_name"], row["city"]) == ("Bianchi", "Bologna")  # empty: kept
    assert row["source"] == "panel"  # where it came from first
    assert await groups_of(existing) == sorted([other, ids["Serate"], ids["Aperitivi"]])
    # Subscribing again changes nothing but the record.
    again = await submit(page, {"mobile": mobile}, [ids["Serate"]])
    assert again.contact_id == existing
    assert await groups_of(existing) == sorted([other, ids["Serate"], ids["Aperitivi"]])
    assert [r["groups"] for r in await signups_of(account.id)] == ["Serate, Aperitivi", "Serate"]


async def test_bad_input_is_refused_next_to_each_field(make_account: MakeAccount) -> None:
    account, page, _ = await open_page(
        make_account, ("Serate", "Aperitivi"), fields=("first_name", "email", "birth_date")
    )
    with pytest.raises(FieldErrors) as excinfo:
        await submit(
            page,
            {"mobile": "", "email": "nope", "birth_date": "31/02/1990"},
            consent=False,
        )
    errors = excinfo.value.errors
    assert errors["mobile"] == MOBILE_REQUIRED
    assert errors["email"] == "Valore non valido: indirizzo e-mail non valido"
    assert errors["birth_date"].startswith("Valore non valido: data non valida")
    assert errors["groups"] == GROUP_REQUIRED  # two lists: one must be chosen
    assert errors["consent"] == CONSENT_REQUIRED
    with pytest.raises(FieldErrors) as excinfo:
        await submit(page, {"mobile": "33x5"}, [page.groups[0].id])
    assert excinfo.value.errors == {
        "mobile": "Numero di cellulare non valido: contiene caratteri non numerici"
    }
    assert excinfo.value.templates["mobile"] == "Numero di cellulare non valido: %(reason)s"
    with pytest.raises(FieldErrors) as excinfo:  # a landline is not a mobile
        await submit(page, {"mobile": "051 6480111"}, [page.groups[0].id])
    assert excinfo.value.errors == {
        "mobile": "Numero di cellulare non valido: non è un numero di cellulare"
    }
    with pytest.raises(FieldErrors) as excinfo:
        await submit(page, {"mobile": new_mobile(), "prefix": "abc"}, [page.groups[0].id])
    assert excinfo.value.errors == {"prefix": "Prefisso internazionale non valido (es. 39)"}
    assert await signups_of(account.id) == []
    assert (
        await database().fetchval("SELECT count(*) FROM contact WHERE account = $1", account.id)
        == 0
    )


async def test_a_foreign_prefix_is_used_for_the_number(make_account: MakeAccount) -> None:
    account, page, _ = await open_page(make_account)
    done = await submit(page, {"mobile": "07400 123456", "prefix": "44"})
    row = await contact_row(account.id, "+447400123456")
    assert row is not None and row["id"] == done.contact_id


async def test_only_the_pages_own_flagged_groups_can_be_chosen(make_account: MakeAccount) -> None:
    account, page, ids = await open_page(make_account, ("Serate",), unflagged=("Fornitori",))
    _, _, foreign = await open_page(make_account, ("Altrui",))
    mobile = new_mobile()
    for group_id in (foreign["Altrui"], ids["Fornitori"], -1):
        with pytest.raises(FieldErrors) as excinfo:
            await submit(page, {"mobile": mobile}, [ids["Serate"], group_id])
        assert excinfo.value.errors == {"groups": GROUP_UNKNOWN}
    assert await contact_row(account.id, f"+39{mobile}") is None
    assert (
        await database().fetchval(
            "SELECT count(*) FROM group_member WHERE contact_group = $1", foreign["Altrui"]
        )
        == 0
    )


async def test_no_flagged_group_means_no_sign_ups(make_account: MakeAccount) -> None:
    _, page, _ = await open_page(make_account, ())
    assert page.groups == ()
    with pytest.raises(ValidationError) as excinfo:
        await submit(page, {"mobile": new_mobile()})
    assert excinfo.value.message == "Le iscrizioni non sono aperte in questo momento"


async def test_bots_are_refused_with_a_generic_message(make_account: MakeAccount) -> None:
    account, page, _ = await open_page(make_account)
    _, other_page, _ = await open_page(make_account)
    mobile = new_mobile()
    issued = filled(page)
    at, signature = issued.split(".")
    attempts: list[dict[str, Any]] = [
        {"honeypot": "http://spam.example"},
        {"started": filled(page, seconds_ago=1)},  # too fast for a person
        {"started": filled(page, seconds_ago=25 * 3600)},  # left open for more than a day
        {"started": f"{int(at) - 60}.{signature}"},  # time moved back, signature kept
        {"started": "1700000000.forged"},
        {"started": ""},
        {"started": filled(other_page)},  # another page's token
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            await submit(page, {"mobile": mobile}, **attempt)
        assert not isinstance(excinfo.value, FieldErrors)
        assert excinfo.value.message == NOT_ACCEPTED
    assert await signups_of(account.id) == []
    assert await contact_row(account.id, f"+39{mobile}") is None
    # The page a minute later: a person's pace.
    await submit(page, {"mobile": mobile}, started=filled(page, seconds_ago=60))
    assert len(await signups_of(account.id)) == 1


async def test_a_form_filled_before_the_consent_text_changed_is_refused(
    make_account: MakeAccount,
) -> None:
    account, page, _ = await open_page(make_account)
    started = filled(page)
    await signup_form_update(
        account_id=account.id,
        fields=list(page.fields),
        title=page.title,
        consent_text="Un altro testo del consenso.",
        enabled=True,
    )
    with pytest.raises(ValidationError) as excinfo:
        await submit(page, {"mobile": new_mobile()}, started=started)
    assert excinfo.value.message == NOT_ACCEPTED
    fresh = await signup_page_get(page.token)
    assert fresh is not None
    await submit(fresh, {"mobile": new_mobile()})
    [record] = await signups_of(account.id)
    assert record["consent_text"] == "Un altro testo del consenso."


async def test_sign_ups_are_limited_per_ip(make_account: MakeAccount) -> None:
    account, page, _ = await open_page(make_account)
    ip = new_ip()
    for _ in range(SUBSCRIBE_PER_IP):
        await submit(page, {"mobile": new_mobile()}, ip=ip)
    with pytest.raises(TooManyAttemptsError) as excinfo:
        await submit(page, {"mobile": new_mobile()}, ip=ip)
    assert excinfo.value.message == TOO_MANY_FROM_IP
    assert excinfo.value.status == 429
    _, elsewhere, _ = await open_page(make_account)
    with pytest.raises(TooManyAttemptsError):  # the limit is the IP's, whatever the page
        await submit(elsewhere, {"mobile": new_mobile()}, ip=ip)
    await submit(page, {"mobile": new_mobile()})  # another IP
    later = utcnow() + timedelta(minutes=61)
    await submit(
        page,
        {"mobile": new_mobile()},
        ip=ip,
        now=later,
        started=signup_time_token(page, now=later - timedelta(seconds=30)),
    )
    assert len(await signups_of(account.id)) == SUBSCRIBE_PER_IP + 2


async def test_sign_ups_are_limited_per_account(make_account: MakeAccount) -> None:
    account, page, _ = await open_page(make_account)
    now = utcnow()
    async with database().transaction() as tx:
        await tx.insert_many(
            "signup",
            ("account", "action", "mobile", "ip", "created_at"),
            [
                (account.id, "subscribe", f"+39333{i:07d}", new_ip(), now)
                for i in range(SUBSCRIBE_PER_ACCOUNT)
            ],
        )
    with pytest.raises(TooManyAttemptsError) as excinfo:
        await submit(page, {"mobile": new_mobile()})
    assert excinfo.value.message == TOO_MANY_FOR_ACCOUNT


# ---------------------------------------------------------------------------- unsubscribing


async def test_unsubscribing_leaves_the_web_groups_and_keeps_the_contact(
    make_account: MakeAccount,
) -> None:
    account, page, ids = await open_page(make_account, ("Serate", "Aperitivi"))
    other = await group_create(account_id=account.id, name="Clienti")
    mobile = new_mobile()
    done = await submit(page, {"mobile": mobile}, [ids["Serate"], ids["Aperitivi"]])
    async with database().transaction() as tx:
        await tx.execute(
            "INSERT INTO group_member (contact_group, contact, created_at) VALUES ($1, $2, $3)",
            other,
            done.contact_id,
            utcnow(),
        )
    ip = new_ip()
    await unsubscribe(page, f"0039{mobile}", ip)
    assert await groups_of(done.contact_id) == [other]  # not a web sign-up group: kept
    assert await contact_row(account.id, f"+39{mobile}") is not None
    record = (await signups_of(account.id))[-1]
    assert record["action"] == "unsubscribe"
    assert record["contact"] == done.contact_id
    assert record["mobile"] == f"+39{mobile}"
    assert record["groups"] == "Aperitivi, Serate"
    assert record["ip"] == ip
    assert record["source"] == "page"


async def test_unsubscribing_an_unknown_number_answers_the_same(make_account: MakeAccount) -> None:
    account, page, _ = await open_page(make_account)
    mobile = new_mobile()
    await unsubscribe(page, mobile, new_ip())
    [record] = await signups_of(account.id)
    assert (record["action"], record["contact"], record["groups"]) == ("unsubscribe", None, "")
    assert await contact_row(account.id, f"+39{mobile}") is None
    with pytest.raises(FieldErrors) as excinfo:
        await unsubscribe(page, "", new_ip())
    assert excinfo.value.errors == {"mobile": MOBILE_REQUIRED}
    with pytest.raises(FieldErrors) as excinfo:
        await unsubscribe(page, "051 6480111", new_ip())
    assert excinfo.value.errors["mobile"].endswith("non è un numero di cellulare")


async def test_unsubscribing_is_limited_per_ip(make_account: MakeAccount) -> None:
    _, page, _ = await open_page(make_account)
    ip = new_ip()
    for _ in range(UNSUBSCRIBE_PER_IP):
        await unsubscribe(page, new_mobile(), ip)
    with pytest.raises(TooManyAttemptsError):
        await unsubscribe(page, new_mobile(), ip)


async def test_an_unknown_or_disabled_page_is_not_found(make_account: MakeAccount) -> None:
    account, page, _ = await open_page(make_account)
    with pytest.raises(NotFoundError):
        await unsubscribe(fake_page(), new_mobile(), new_ip())
    fake = SignupPage(0, "sconosciuta", "", (), "", ())
    with pytest.raises(NotFoundError):
        await submit(fake, {"mobile": new_mobile()})
    started = filled(page)
    await signup_form_update(
        account_id=account.id, fields=[], title="", consent_text=page.consent_text, enabled=False
    )
    with pytest.raises(NotFoundError):
        await submit(page, {"mobile": new_mobile()}, started=started)
    with pytest.raises(NotFoundError):
        await unsubscribe(page, new_mobile(), new_ip())
