"""ACCOUNT: personal data, preferences, password change, application passwords.

Signing in: the sign-in pages are built separately, so these tests sign in through a test-only
route, `/test/signin/{account_id}`, that does what the login page does after checking the
password: `start_session(request, SignedIn(...))` with the account's own locale, time zone and
session epoch (`?locale=` overrides the locale). It is registered only in the app these tests
build.

The app runs in the test's own event loop (httpx's ASGI transport), so it shares the database
with the test on PostgreSQL too; the session store is the real Redis.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar
from redis.asyncio import Redis
from signed_in import browser, error_of, signin_for_tests, text_of
from web_helpers import MakeApp, csrf_token_of, html_lang

from corriere.platform.accounts.profile import account_profile_update
from corriere.platform.accounts.queries import account_profile_get
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.auth.app_passwords import app_password_create, app_passwords_list
from corriere.platform.auth.login import session_account
from corriere.platform.db import database
from corriere.platform.errors import FieldErrors
from corriere.platform.settings import Settings
from corriere.web import account_pages, formatting
from corriere.web.account_pages import platform_text
from corriere.web.i18n import Catalogs

PASSWORD = "Sole-Mare-2026"
MakeAccount = Callable[..., Awaitable[AccountCreated]]


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


def client_for(app: Litestar, lang: str = "it") -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """A browser, not signed in yet (`sign_in` below)."""
    return browser(app, lang=lang)


async def sign_in(client: httpx.AsyncClient, account_id: int, locale: str = "") -> None:
    response = await client.get(f"/test/signin/{account_id}", params={"locale": locale})
    assert response.status_code == 303


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict[str, str], **kwargs: Any
) -> httpx.Response:
    token = csrf_token_of((await client.get("/account")).text)
    return await client.post(url, data={**data, "_csrf_token": token}, **kwargs)


def profile_form(**changes: str) -> dict[str, str]:
    form = {
        "email": "anna.bianchi@example.com",
        "mobile": "3471234567",
        "first_name": "Anna",
        "last_name": "Bianchi",
        "default_prefix": "39",
        "locale": "it",
        "timezone": "Europe/Rome",
    }
    form.update(changes)
    return form


# ---------------------------------------------------------------------------- the page


async def test_anonymous_visitors_are_sent_to_sign_in(app: Litestar) -> None:
    async with client_for(app) as client:
        response = await client.get("/account")
        assert response.status_code == 303
        assert response.headers["location"] == "/accesso?next=/account"
        response = await client.get("/account?x=1")
        assert response.headers["location"] == f"/accesso?next={quote('/account?x=1', safe='/')}"


async def test_account_page_in_italian(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    profile = await account_profile_get(account.id)
    assert profile is not None
    async with client_for(app, "en") as client:  # the session's locale wins over the browser
        await sign_in(client, account.id)
        response = await client.get("/account")
    assert response.status_code == 200
    html = response.text
    assert html_lang(html) == "it"
    assert "<h2>Dati personali</h2>" in html
    assert f"<h1>{account.username}</h1>" in html
    assert f'value="{account.username}" readonly' in html  # shown, not editable
    assert 'name="username"' not in html
    assert f'<code class="api-id">{profile.api_id}</code>' in html
    assert 'value="Europe/Rome" selected' in html
    assert 'value="it" selected' in html
    assert "Password applicative" in html and "Nessuna password applicativa." in html
    assert "con la funzione «Recupera password» potrai sceglierne un'altra" in html
    assert 'href="/account" aria-current="page"' in html  # the Account section is lit


async def test_account_page_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with client_for(app, "it") as client:
        await sign_in(client, account.id, locale="en")
        html = (await client.get("/account")).text
    assert html_lang(html) == "en"
    text = text_of(html)
    for phrase in (
        "Personal details",
        "Change password",
        "Application passwords",
        "No application passwords.",
        "API ID",
        "Time zone",
        "if you forget the new password",
    ):
        assert phrase in text, phrase
    assert "Dati personali" not in text


# ---------------------------------------------------------------------------- personal data


async def test_profile_update_switches_language_and_time_zone(
    app: Litestar, make_account: MakeAccount
) -> None:
    # The same number, written otherwise (a new one waits for its SMS code: test_account_mobile).
    account = await make_account(mobile="+393471234567")
    created = await app_password_create(account_id=account.id, label="Gestionale")
    async with client_for(app) as client:
        await sign_in(client, account.id)
        form = profile_form(
            mobile="+39 347 123 4567",
            default_prefix="+41",
            locale="en",
            timezone="America/New_York",
        )
        response = await post_form(client, "/account/dati", form)
        assert response.status_code == 303
        assert response.headers["location"] == "/account"
        html = (await client.get("/account")).text
    profile = await account_profile_get(account.id)
    assert profile is not None
    assert (profile.email, profile.mobile, profile.first_name, profile.last_name) == (
        "anna.bianchi@example.com",
        "+393471234567",
        "Anna",
        "Bianchi",
    )
    assert (profile.default_prefix, profile.locale, profile.timezone) == (
        "41",
        "en",
        "America/New_York",
    )
    # The panel switched at once: English, and times in New York's time zone.
    assert html_lang(html) == "en"
    assert "Personal details saved." in html
    assert 'value="America/New_York" selected' in html
    rows = await app_passwords_list(account.id)
    assert rows[0].id == created.id
    new_york = formatting.format_datetime(
        rows[0].created_at, "en", ZoneInfo("America/New_York"), "short"
    )
    rome = formatting.format_datetime(rows[0].created_at, "en", ZoneInfo("Europe/Rome"), "short")
    assert new_york != rome
    assert new_york in html and rome not in html


async def test_profile_errors_are_shown_next_to_each_field(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    before = await account_profile_get(account.id)
    bad = profile_form(
        email="not-an-address",
        mobile="12",
        first_name=" ",
        last_name="",
        default_prefix="abc",
        locale="de",
        timezone="Mars/Olympus",
    )
    async with client_for(app) as client:
        await sign_in(client, account.id)
        response = await post_form(client, "/account/dati", bad)
        assert response.status_code == 422
        html = response.text
        assert "<html" in html  # without JavaScript: the whole page again
        assert error_of(html, "email") == "Indirizzo e-mail non valido"
        assert error_of(html, "mobile") == "Numero di cellulare non valido: numero non valido"
        assert error_of(html, "first_name") == "Indicare il nome"
        assert error_of(html, "last_name") == "Indicare il cognome"
        assert error_of(html, "default_prefix") == "Prefisso internazionale non valido (es. 39)"
        assert error_of(html, "locale") == "Lingua non disponibile"
        assert error_of(html, "timezone") == "Fuso orario sconosciuto"
        assert 'value="not-an-address"' in html  # what the user typed is kept

        # HTMX gets the form's card only.
        token = csrf_token_of((await client.get("/account")).text)
        response = await client.post(
            "/account/dati",
            data={**bad, "_csrf_token": token},
            headers={"HX-Request": "true", "HX-Target": "profile"},
        )
        assert response.status_code == 422
        assert response.text.lstrip().startswith('<section class="card" id="profile">')
        assert "<html" not in response.text

        # An address another account uses.
        other = await make_account()
        other_profile = await account_profile_get(other.id)
        assert other_profile is not None
        response = await post_form(
            client, "/account/dati", profile_form(email=other_profile.email.upper())
        )
        assert response.status_code == 422
        assert (
            error_of(response.text, "email") == "Esiste già un account con questo indirizzo e-mail"
        )
    assert await account_profile_get(account.id) == before  # nothing saved


async def test_profile_errors_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with client_for(app) as client:
        await sign_in(client, account.id, locale="en")
        bad = profile_form(
            email="x", mobile="abc", first_name="", default_prefix="0000000", timezone="Nowhere"
        )
        html = (await post_form(client, "/account/dati", bad)).text
    assert error_of(html, "email") == "Invalid e-mail address"
    assert (
        error_of(html, "mobile")
        == "Invalid mobile number: it contains characters other than digits"
    )
    assert error_of(html, "first_name") == "Enter the first name"
    assert error_of(html, "default_prefix") == "Invalid international prefix (e.g. 39)"
    assert error_of(html, "timezone") == "Unknown time zone"


async def test_profile_form_cannot_touch_another_account(
    app: Litestar, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    alice_before = await account_profile_get(alice.id)
    async with client_for(app) as client:
        await sign_in(client, bob.id)
        form = profile_form(email="bob.new@example.com", account_id=str(alice.id), id=str(alice.id))
        assert (await post_form(client, "/account/dati", form)).status_code == 303
    assert await account_profile_get(alice.id) == alice_before
    bob_after = await account_profile_get(bob.id)
    assert bob_after is not None and bob_after.email == "bob.new@example.com"


# ---------------------------------------------------------------------------- password


async def _epoch(account_id: int) -> int:
    return int(
        await database().fetchval("SELECT session_epoch FROM account WHERE id = $1", account_id)
    )


@pytest.mark.parametrize(
    ("old", "new", "confirm", "field", "message"),
    [
        ("Sbagliata-2026", "Nuova-Password-1", "Nuova-Password-1", "old_password",
         "La password attuale non è corretta"),
        (PASSWORD, "corta", "corta", "new_password",
         "La password deve avere almeno 10 caratteri"),
        (PASSWORD, "tuttominuscolo", "tuttominuscolo", "new_password",
         "La password deve contenere almeno tre tipi di caratteri tra minuscole, maiuscole,"
         " cifre e simboli"),
        (PASSWORD, PASSWORD, PASSWORD, "new_password",
         "La nuova password deve essere diversa da quella attuale"),
        (PASSWORD, "Nuova-Password-1", "Nuova-Password-2", "new_password_confirm",
         "Le due password non coincidono"),
    ],
)  # fmt: skip
async def test_password_change_errors(
    app: Litestar,
    make_account: MakeAccount,
    old: str,
    new: str,
    confirm: str,
    field: str,
    message: str,
) -> None:
    account = await make_account(password=PASSWORD)
    epoch = await _epoch(account.id)
    async with client_for(app) as client:
        await sign_in(client, account.id)
        form = {"old_password": old, "new_password": new, "new_password_confirm": confirm}
        response = await post_form(client, "/account/password", form)
        assert response.status_code == 422
        assert error_of(response.text, field) == message
        assert old not in response.text and new not in response.text  # never echoed back
    assert await _epoch(account.id) == epoch
    assert await session_account(account.id, epoch) is not None


async def test_password_change_errors_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account(password=PASSWORD)
    async with client_for(app) as client:
        await sign_in(client, account.id, locale="en")
        cases = [
            ("Sbagliata-2026", "Nuova-Password-1", "old_password", "The current password is not correct"),
            (PASSWORD, PASSWORD, "new_password", "The new password must be different from the current one"),
        ]  # fmt: skip
        for old, new, field, message in cases:
            form = {"old_password": old, "new_password": new, "new_password_confirm": new}
            html = (await post_form(client, "/account/password", form)).text
            assert error_of(html, field) == message
        form = {"old_password": PASSWORD, "new_password": "A", "new_password_confirm": "B"}
        html = (await post_form(client, "/account/password", form)).text
        assert error_of(html, "new_password_confirm") == "The two passwords do not match"


async def test_password_change_keeps_this_session_and_ends_the_others(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account(password=PASSWORD)
    old_epoch = await _epoch(account.id)
    async with client_for(app) as this, client_for(app) as other:
        await sign_in(this, account.id)
        await sign_in(other, account.id)
        old_cookie = this.cookies.get("corriere_session")
        form = {
            "old_password": PASSWORD,
            "new_password": "Nuova-Password-1",
            "new_password_confirm": "Nuova-Password-1",
        }
        response = await post_form(this, "/account/password", form)
        assert response.status_code == 303
        assert this.cookies.get("corriere_session") != old_cookie  # a new session id
        page = await this.get("/account")
        assert page.status_code == 200
        assert "Password cambiata." in page.text
        # The other browser is signed out.
        response = await other.get("/account")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/accesso?next=")
    assert await session_account(account.id, old_epoch) is None
    new_epoch = await _epoch(account.id)
    assert new_epoch != old_epoch
    assert await session_account(account.id, new_epoch) is not None


# ---------------------------------------------------------------------------- app passwords


async def _session_values(redis_client: Redis, namespace: str) -> bytes:
    values = b""
    async for key in redis_client.scan_iter(match=f"{namespace}*"):
        values += (await redis_client.get(key)) or b""
    return values


async def test_app_password_secret_is_shown_once(
    app: Litestar,
    make_account: MakeAccount,
    redis_client: Redis,
    session_namespace: str,
) -> None:
    account = await make_account()
    async with client_for(app) as client:
        await sign_in(client, account.id)
        response = await post_form(client, "/account/password-applicative", {"label": "Gestionale"})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        match = re.search(
            r'<code class="secret" id="app-password-secret">([^<]+)</code>', response.text
        )
        assert match
        secret = match.group(1)
        assert secret.startswith("cor_") and len(secret) > 30
        assert "non verrà mostrata di nuovo" in response.text
        later = (await client.get("/account")).text
        assert secret not in later and secret[12:] not in later
        assert "Gestionale" in later and f"{secret[:12]}…" in later
        assert secret.encode() not in await _session_values(redis_client, session_namespace)

        # HTMX: the card alone, with the secret.
        token = csrf_token_of(later)
        response = await client.post(
            "/account/password-applicative",
            data={"label": "Sito web", "_csrf_token": token},
            headers={"HX-Request": "true", "HX-Target": "app-passwords"},
        )
        assert response.text.lstrip().startswith('<section class="card" id="app-passwords">')
        assert 'id="app-password-secret"' in response.text

        response = await post_form(client, "/account/password-applicative", {"label": "  "})
        assert response.status_code == 422
        assert error_of(response.text, "label") == "Indicare un'etichetta (al massimo 80 caratteri)"
    assert [r.label for r in await app_passwords_list(account.id)] == ["Sito web", "Gestionale"]


async def test_app_password_revoke_with_confirmation(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    created = await app_password_create(account_id=account.id, label="Gestionale")
    url = f"/account/password-applicative/{created.id}/revoca"
    async with client_for(app) as client:
        await sign_in(client, account.id)
        page = (await client.get("/account")).text
        assert f'action="{url}"' in page
        confirm = await post_form(client, url, {})
        assert confirm.status_code == 200
        assert "Revocare «Gestionale»?" in confirm.text
        assert 'name="conferma" value="1"' in confirm.text
        assert len(await app_passwords_list(account.id)) == 1  # nothing revoked yet
        response = await post_form(client, url, {"conferma": "1"})
        assert response.status_code == 303
        page = (await client.get("/account")).text
        assert "Password applicativa revocata." in page
        assert "Nessuna password applicativa." in page
        # Revoked already: not found.
        response = await post_form(client, url, {"conferma": "1"})
        assert response.status_code == 404
    assert await app_passwords_list(account.id) == []


async def test_app_password_of_another_account_is_not_found(
    app: Litestar, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(), await make_account()
    alices = await app_password_create(account_id=alice.id, label="Alice API")
    url = f"/account/password-applicative/{alices.id}/revoca"
    async with client_for(app) as client:
        await sign_in(client, bob.id)
        assert "Alice API" not in (await client.get("/account")).text
        for data in ({}, {"conferma": "1"}):
            response = await post_form(client, url, data)
            assert response.status_code == 404
            assert "Password applicativa inesistente" in response.text
            assert "Alice API" not in response.text
    async with client_for(app) as client:
        await sign_in(client, bob.id, locale="en")
        response = await post_form(client, url, {"conferma": "1"})
        assert response.status_code == 404
        assert "Application password not found" in response.text
    assert [r.id for r in await app_passwords_list(alice.id)] == [alices.id]


# ---------------------------------------------------------------------------- CSRF


async def test_every_form_needs_the_csrf_token(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account(password=PASSWORD)
    created = await app_password_create(account_id=account.id, label="Gestionale")
    async with client_for(app) as client:
        await sign_in(client, account.id)
        await client.get("/account")  # the CSRF cookie is set
        for url, data in (
            ("/account/dati", profile_form(email="csrf@example.com")),
            ("/account/password", {"old_password": PASSWORD, "new_password": "Nuova-Password-1",
                                   "new_password_confirm": "Nuova-Password-1"}),
            ("/account/password-applicative", {"label": "CSRF"}),
            (f"/account/password-applicative/{created.id}/revoca", {"conferma": "1"}),
        ):  # fmt: skip
            response = await client.post(url, data=data)
            assert response.status_code == 403, url
            assert "Modulo scaduto" in response.text
    profile = await account_profile_get(account.id)
    assert profile is not None and profile.email != "csrf@example.com"
    assert [r.label for r in await app_passwords_list(account.id)] == ["Gestionale"]


# ---------------------------------------------------------------------------- catalog


async def test_platform_messages_with_values_have_english_versions(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    """Messages the platform builds with a value inside are translated with the value kept."""
    english = Catalogs().get("en")
    # platform_text needs only the request's translations.
    monkeypatch.setattr(account_pages, "translations", lambda request: english)

    def translate(message: str) -> str:
        return platform_text(None, message)  # type: ignore[arg-type]

    assert translate("Soglia non valida: abc (usa numeri positivi separati da virgola)") == (
        "Invalid threshold: abc (use positive numbers separated by commas)"
    )
    assert translate("Indirizzi e-mail non validi: a@, b") == "Invalid e-mail addresses: a@, b"
    assert translate("Puoi avere al massimo 20 password applicative attive: revocane una") == (
        "You can have at most 20 active application passwords: revoke one"
    )
    # Every reason a mobile number can be refused for (validation comes before the database).
    for mobile in ("", "12", "abc", "0612345678"):
        with pytest.raises(FieldErrors) as exc:
            await account_profile_update(
                settings=settings, account_id=0, **profile_form(mobile=mobile)
            )
        message = exc.value.errors["mobile"]
        assert translate(message).startswith("Invalid mobile number: "), message
        assert translate(message) != "Invalid mobile number: not a valid number" or mobile == "12"
    assert translate("Un messaggio che il catalogo non conosce") == (
        "Un messaggio che il catalogo non conosce"
    )


async def test_revoke_confirmation_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    created = await app_password_create(account_id=account.id, label="Website")
    async with client_for(app) as client:
        await sign_in(client, account.id, locale="en")
        page = (await client.get("/account")).text
        assert "Revoke…" in page and "never" in page  # not used yet
        url = f"/account/password-applicative/{created.id}/revoca"
        page = (await post_form(client, url, {})).text
        assert html_lang(page) == "en"
        assert "Revoke “Website”?" in page
        assert "This cannot be undone." in page
        assert "Revoke for good" in page
        await post_form(client, url, {"conferma": "1"})
        assert "Application password revoked." in (await client.get("/account")).text
