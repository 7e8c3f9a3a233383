"""GET /api/v1/account: HTTP Basic with an application password (never the panel password),
structured JSON errors, throttled per client address, no session, and the key's last use on
the Account page."""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, signin_for_tests
from web_helpers import MakeApp

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.auth.app_passwords import (
    app_password_create,
    app_password_revoke,
    app_passwords_list,
)
from corriere.platform.auth.login import MAX_FAILURES_PER_IP
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.web import formatting

PASSWORD = "Sole-Mare-2026"
MakeAccount = Callable[..., Awaitable[AccountCreated]]
_ips = itertools.count(1)


def new_ip() -> str:
    """A client address of its own: the throttle counts failures per address."""
    n = next(_ips)
    return f"198.51.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


async def call(
    app: Litestar,
    auth: tuple[str, str] | None,
    *,
    ip: str | None = None,
    lang: str = "it",
    path: str = "/api/v1/account",
    **kwargs: Any,
) -> httpx.Response:
    async with browser(app, lang=lang, ip=ip or new_ip()) as client:
        return await client.get(path, auth=auth, **kwargs)


def assert_refused(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"code": code, "message": message}
    assert "set-cookie" not in response.headers
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="Corriere API", charset="UTF-8"'


async def test_account_and_its_last_use_on_the_account_page(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account(credits="1234.5", password=PASSWORD)
    key = await app_password_create(account_id=account.id, label="Gestionale")
    async with browser(app, account.id) as panel:
        assert re.search(
            r"Gestionale</th>.*?<td>mai</td>", (await panel.get("/account")).text, re.S
        )
        response = await call(app, (account.username, key.secret))
        assert response.status_code == 200
        assert response.json() == {
            "username": account.username,
            "api_id": account.api_id,
            "balance": "1234.5000",
            "currency": "credits",
        }
        assert "set-cookie" not in response.headers  # no session, no CSRF cookie
        (row,) = await app_passwords_list(account.id)
        assert row.last_used_at is not None
        shown = formatting.format_datetime(row.last_used_at, "it", ZoneInfo("Europe/Rome"), "short")
        html = (await panel.get("/account")).text
    assert re.search(rf"Gestionale</th>.*?<td>{re.escape(shown)}</td>\s*<td>", html, re.S)


async def test_username_is_matched_without_case_and_spaces(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Sito")
    response = await call(app, (f" {account.username.upper()} ", key.secret))
    assert response.status_code == 200 and response.json()["username"] == account.username


async def test_last_use_is_written_again_after_a_minute(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Cron")
    assert (await call(app, (account.username, key.secret))).status_code == 200
    long_ago = utcnow() - timedelta(hours=3)
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE app_password SET last_used_at = $1 WHERE id = $2", long_ago, key.id
        )
    assert (await call(app, (account.username, key.secret))).status_code == 200
    (row,) = await app_passwords_list(account.id)
    assert row.last_used_at is not None and row.last_used_at > long_ago + timedelta(hours=2)


WRONG = "Username o password applicativa non corretti"


async def test_panel_password_is_no_api_key(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account(password=PASSWORD)
    assert_refused(await call(app, (account.username, PASSWORD)), 401, "login_failed", WRONG)


async def test_revoked_key_is_refused(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Vecchio")
    await app_password_revoke(account_id=account.id, app_password_id=key.id)
    assert_refused(await call(app, (account.username, key.secret)), 401, "login_failed", WRONG)


async def test_another_accounts_key_is_refused(app: Litestar, make_account: MakeAccount) -> None:
    account, other = await make_account(), await make_account()
    key = await app_password_create(account_id=other.id, label="Altrui")
    assert_refused(await call(app, (account.username, key.secret)), 401, "login_failed", WRONG)
    (row,) = await app_passwords_list(other.id)
    assert row.last_used_at is None


async def test_unknown_user_is_refused(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Sito")
    assert_refused(await call(app, ("nessuno", key.secret)), 401, "login_failed", WRONG)


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        ("blocked", "account_inactive", "L'account è bloccato: contatta l'assistenza"),
        (
            "pending",
            "account_not_activated",
            "L'account non è ancora attivo: inserisci il codice che ti abbiamo inviato via SMS",
        ),
    ],
)
async def test_inactive_accounts_are_refused(
    app: Litestar, make_account: MakeAccount, status: str, code: str, message: str
) -> None:
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Sito")
    async with database().transaction() as tx:
        await tx.execute("UPDATE account SET status = $1 WHERE id = $2", status, account.id)
    assert_refused(await call(app, (account.username, key.secret)), 403, code, message)
    (row,) = await app_passwords_list(account.id)
    assert row.last_used_at is None


async def test_blocked_account_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Sito")
    async with database().transaction() as tx:
        await tx.execute("UPDATE account SET status = 'blocked' WHERE id = $1", account.id)
    response = await call(app, (account.username, key.secret), lang="en")
    assert_refused(response, 403, "account_inactive", "The account is blocked: contact support")


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Credenziali mancanti: usa HTTP Basic con username e password applicativa"),
        ("Bearer abc", "Credenziali mancanti: usa HTTP Basic con username e password applicativa"),
        ("Basic", "Credenziali mancanti: usa HTTP Basic con username e password applicativa"),
        (
            "Basic !!!",
            "Intestazione Authorization non valida: attesi username:password in Base64",
        ),
        (
            "Basic " + base64.b64encode(b"senza-due-punti").decode(),
            "Intestazione Authorization non valida: attesi username:password in Base64",
        ),
        (
            "Basic " + base64.b64encode(b"anna:").decode(),
            "Intestazione Authorization non valida: attesi username:password in Base64",
        ),
        (
            "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
            "Intestazione Authorization non valida: attesi username:password in Base64",
        ),
    ],
)
async def test_malformed_credentials(
    app: Litestar, authorization: str | None, message: str
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    response = await call(app, None, headers=headers)
    assert_refused(response, 401, "login_failed", message)


async def test_failures_are_throttled_per_client_address(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Sito")
    guesser = new_ip()
    for _ in range(MAX_FAILURES_PER_IP):
        response = await call(app, (account.username, "cor_tentativo"), ip=guesser)
        assert response.status_code == 401
    # Now even the right key waits, from that address; elsewhere the owner is not locked out.
    response = await call(app, (account.username, key.secret), ip=guesser)
    assert_refused(
        response,
        429,
        "too_many_attempts",
        "Troppi tentativi di accesso non riusciti: riprova tra 15 minuti",
    )
    assert response.headers["retry-after"] == "900"
    # X-Forwarded-For from a client that is no trusted proxy changes nothing.
    spoofed = await call(
        app,
        (account.username, key.secret),
        ip=guesser,
        headers={"x-forwarded-for": new_ip()},
    )
    assert spoofed.status_code == 429
    assert (await call(app, (account.username, key.secret))).status_code == 200


async def test_throttle_sees_clients_behind_a_trusted_proxy(
    make_app: MakeApp, settings: Any, db: Any, make_account: MakeAccount
) -> None:
    proxy = new_ip()
    app = make_app(settings.model_copy(update={"trusted_proxies": proxy}))
    account = await make_account()
    key = await app_password_create(account_id=account.id, label="Sito")
    guesser, owner = new_ip(), new_ip()
    for _ in range(MAX_FAILURES_PER_IP):
        await call(app, (account.username, "cor_x"), ip=proxy, headers={"x-forwarded-for": guesser})
    refused = await call(
        app, (account.username, key.secret), ip=proxy, headers={"x-forwarded-for": guesser}
    )
    assert refused.status_code == 429
    allowed = await call(
        app, (account.username, key.secret), ip=proxy, headers={"x-forwarded-for": owner}
    )
    assert allowed.status_code == 200


async def test_api_failures_do_not_lock_the_panel_login(
    app: Litestar, make_account: MakeAccount
) -> None:
    from corriere.platform.auth.login import MAX_FAILURES_PER_USERNAME, login_attempt

    account = await make_account(password=PASSWORD)
    for _ in range(MAX_FAILURES_PER_USERNAME + 1):
        await call(app, (account.username, "cor_vecchia"))
    signed = await login_attempt(username=account.username, password=PASSWORD, ip=new_ip())
    assert signed.account_id == account.id


async def test_unknown_api_path_and_method(app: Litestar) -> None:
    response = await call(app, None, path="/api/v1/nulla")
    assert_refused(response, 404, "not_found", "Risorsa API inesistente: /api/v1/nulla")
    async with browser(app, ip=new_ip()) as client:
        # No CSRF token needed (the API is exempt): the answer is about the method.
        response = await client.post("/api/v1/account", json={})
    assert_refused(
        response,
        405,
        "method_not_allowed",
        "Metodo POST non consentito su /api/v1/account: usa GET",
    )
