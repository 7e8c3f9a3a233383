"""The access pages and the signed-in home in both languages: activation (/registrazione/attiva)
with its counted attempts, expiry and resend wait; the recovery link (/recupera/{token});
/condizioni and /privacy; PANNELLO with the API id and what the balance still sends.

Browsers come from distinct addresses: registration is limited per address and hour.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, error_of, signin_for_tests, text_of
from web_helpers import MakeApp, csrf_token_of, html_lang

from corriere.platform.accounts.queries import account_profile_get
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.mail.services import mail_outbox_list
from corriere.web import formatting

MakeAccount = Callable[..., Awaitable[AccountCreated]]
PASSWORD = "Sole-Mare-2026"
_people = itertools.count(30_000)


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


def visitor(app: Litestar, lang: str) -> Any:
    n = next(_people)
    return browser(app, lang=lang, ip=f"10.77.{n // 250 % 250}.{n % 250 + 1}")


async def post(
    client: httpx.AsyncClient, page: str, url: str, data: dict[str, str]
) -> httpx.Response:
    token = csrf_token_of((await client.get(page)).text)
    return await client.post(url, data={**data, "_csrf_token": token})


async def register(client: httpx.AsyncClient) -> tuple[int, str]:
    """A pending account for this browser: (its id, the code sent to its mobile)."""
    n = next(_people)
    person = {
        "username": f"giulia{n}",
        "password": PASSWORD,
        "email": f"giulia{n}@example.com",
        "prefix": "39",
        "mobile": f"349{n:07d}",
        "first_name": "Giulia",
        "last_name": "Neri",
        "accept_terms": "on",
        "accept_privacy": "on",
    }
    response = await post(client, "/registrazione", "/registrazione", person)
    assert response.status_code == 303, text_of(response.text)
    row = await database().fetchrow(
        "SELECT a.id, c.text FROM account a JOIN message m ON m.recipient = a.mobile"
        " JOIN campaign c ON c.id = m.campaign WHERE a.username = $1 ORDER BY c.id DESC",
        person["username"],
    )
    assert row is not None
    match = re.search(r"\b(\d{6})\b", row["text"])
    assert match
    return int(row["id"]), match.group(1)


# ---------------------------------------------------------------------------- activation


@pytest.mark.parametrize(
    ("lang", "title", "messages"),
    [
        (
            "it",
            "Attiva il tuo account",
            [
                "Codice non corretto: restano 4 tentativi",
                "Codice non corretto: restano 3 tentativi",
                "Codice non corretto: restano 2 tentativi",
                "Codice non corretto: resta 1 tentativo",
                "Codice non corretto. Hai esaurito i tentativi: richiedi un nuovo codice",
            ],
        ),
        (
            "en",
            "Activate your account",
            [
                "Wrong code: 4 attempts left",
                "Wrong code: 3 attempts left",
                "Wrong code: 2 attempts left",
                "Wrong code: 1 attempt left",
                "Wrong code. You have no attempts left: ask for a new code",
            ],
        ),
    ],
)
async def test_the_activation_page_counts_attempts(
    app: Litestar, lang: str, title: str, messages: list[str]
) -> None:
    async with visitor(app, lang) as client:
        # Nobody waiting for a code: back to the form.
        response = await client.get("/registrazione/attiva")
        assert response.status_code == 303
        assert response.headers["location"] == "/registrazione"
        _account_id, code = await register(client)
        page = await client.get("/registrazione/attiva")
        assert page.status_code == 200 and html_lang(page.text) == lang
        assert f"<h1>{title}</h1>" in page.text
        assert 'autocomplete="one-time-code"' in page.text
        wrong = "000000" if code != "000000" else "111111"
        seen = []
        for _ in messages:
            response = await post(
                client, "/registrazione/attiva", "/registrazione/attiva", {"code": wrong}
            )
            assert response.status_code in (422, 429)
            seen.append(error_of(response.text, "code"))
        assert seen == messages


@pytest.mark.parametrize(
    ("lang", "expired", "wait"),
    [
        (
            "it",
            "Il codice è scaduto: richiedine uno nuovo",
            r"Attendi \d+ second[oi] prima di richiedere un nuovo codice",
        ),
        (
            "en",
            "The code has expired: ask for a new one",
            r"Wait \d+ seconds? before asking for a new code",
        ),
    ],
)
async def test_an_expired_code_on_the_activation_page(
    app: Litestar, lang: str, expired: str, wait: str
) -> None:
    async with visitor(app, lang) as client:
        account_id, code = await register(client)
        # Asking again at once: wait a minute.
        response = await post(client, "/registrazione/attiva", "/registrazione/codice", {})
        assert response.status_code == 429
        assert re.fullmatch(wait, error_of(response.text, "code"))
        async with database().transaction() as tx:
            await tx.execute(
                "UPDATE activation_code SET expires_at = $1 WHERE account = $2",
                utcnow() - timedelta(seconds=1),
                account_id,
            )
        response = await post(
            client, "/registrazione/attiva", "/registrazione/attiva", {"code": code}
        )
        assert response.status_code == 422
        assert error_of(response.text, "code") == expired
    profile = await account_profile_get(account_id)
    assert profile is not None and profile.status == "pending"


# ---------------------------------------------------------------------------- recovery link


async def recovery_token(client: httpx.AsyncClient, account: AccountCreated) -> str:
    profile = await account_profile_get(account.id)
    assert profile is not None
    response = await post(client, "/recupera", "/recupera", {"identifier": profile.email})
    assert response.status_code == 200
    (mail, *_) = await mail_outbox_list(account_id=account.id)
    match = re.search(r"/recupera/([\w-]+)", mail.text_body)
    assert match, mail.text_body
    return match.group(1)


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        (
            "it",
            {
                "title": "Scegli una nuova password",
                "mismatch": "Le due password non coincidono",
                "weak": "La password deve avere almeno 10 caratteri",
                "invalid": "Il link non è valido o è scaduto: richiedi un nuovo link di recupero",
                "done": "Password reimpostata: accedi con la nuova password.",
            },
        ),
        (
            "en",
            {
                "title": "Choose a new password",
                "mismatch": "The two passwords do not match",
                "weak": "The password must be at least 10 characters long",
                "invalid": "The link is not valid or has expired: ask for a new recovery link",
                "done": "Password reset: sign in with your new password.",
            },
        ),
    ],
)
async def test_the_recovery_link_page(
    app: Litestar, make_account: MakeAccount, lang: str, texts: dict[str, str]
) -> None:
    account = await make_account(password="Vecchia-Password-1")
    async with visitor(app, lang) as client:
        token = await recovery_token(client, account)
        url = f"/recupera/{token}"
        page = await client.get(url)
        assert page.status_code == 200 and html_lang(page.text) == lang
        assert f"<h1>{texts['title']}</h1>" in page.text
        assert account.username in page.text
        bad = {"password": "Nuova-Password-77", "password_confirm": "Altra-Password-77"}
        response = await post(client, url, url, bad)
        assert response.status_code == 422
        assert error_of(response.text, "password_confirm") == texts["mismatch"]
        response = await post(
            client, url, url, {"password": "Corta1!", "password_confirm": "Corta1!"}
        )
        assert response.status_code == 422
        assert error_of(response.text, "password") == texts["weak"]
        good = {"password": "Nuova-Password-77", "password_confirm": "Nuova-Password-77"}
        response = await post(client, url, url, good)
        assert response.status_code == 303 and response.headers["location"] == "/accesso"
        assert texts["done"] in text_of((await client.get("/accesso")).text)
        # Used once; a made-up token is no better.
        for spent in (url, "/recupera/non-un-token-vero"):
            response = await client.get(spent)
            assert response.status_code == 410
            assert texts["invalid"] in text_of(response.text)
            response = await post(client, "/recupera", spent, good)
            assert response.status_code == 410


# ---------------------------------------------------------------------------- legal pages


@pytest.mark.parametrize(
    ("lang", "terms", "privacy"),
    [
        ("it", "Condizioni del servizio", "Informativa sulla privacy"),
        ("en", "Terms of service", "Privacy notice"),
    ],
)
async def test_terms_and_privacy(app: Litestar, lang: str, terms: str, privacy: str) -> None:
    async with visitor(app, lang) as client:
        for url, title, other in (("/condizioni", terms, privacy), ("/privacy", privacy, terms)):
            page = await client.get(url)
            assert page.status_code == 200
            assert html_lang(page.text) == lang
            assert f"<h1>{title}</h1>" in page.text
            assert f"<h1>{other}</h1>" not in page.text
            if lang == "en":
                assert "Il servizio" not in page.text and "I dati personali" not in page.text


# ---------------------------------------------------------------------------- PANNELLO


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        (
            "en",
            {
                "hello": "Hello {username}",
                "credit": "20,000.0000 credits",
                "types": "SMS types",
                "api": "API ID",
                "PRO": "20,000",
                "SMART": "32,000",
            },
        ),
        (
            "it",
            {
                "hello": "Ciao {username}",
                "credit": "20.000,0000 crediti",
                "types": "Tipologie SMS",
                "api": "ID API",
                "PRO": "20.000",
                "SMART": "32.000",
            },
        ),
    ],
)
async def test_the_signed_in_home(
    app: Litestar, make_account: MakeAccount, lang: str, texts: dict[str, str]
) -> None:
    account = await make_account(credits="20000")
    profile = await account_profile_get(account.id)
    assert profile is not None
    async with browser(app, account.id, lang="it", locale=lang) as client:
        page = (await client.get("/")).text
    assert html_lang(page) == lang
    text = text_of(page)
    assert texts["hello"].format(username=account.username) in text
    assert texts["credit"] in text and texts["types"] in text
    assert f"<h2>{texts['api']}</h2>" in page
    assert f'<code class="api-id">{profile.api_id}</code>' in page
    # How many each type still sends, in the reader's notation (PRO costs 1, SMART 0.625).
    for code in ("PRO", "SMART"):
        assert f'data-type="{code}">{texts[code]}</td>' in page, code
    if lang == "en":
        for italian in (
            "Credito residuo",
            "Tipologie SMS",
            "crediti",
            "Il credito non ha scadenza",
        ):
            assert italian not in text, italian
    assert formatting.format_number(32000, lang) == texts["SMART"]
