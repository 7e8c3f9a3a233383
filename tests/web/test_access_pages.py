"""Registration → SMS code → activation → sign-in → panel; recovery; every bad input's message.

The app runs in the test's own event loop (httpx's ASGI transport), so it shares the database
connection pool with the test; the session store is the real Redis."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from litestar import Litestar
from web_helpers import MakeApp, csrf_token_of, html_lang, plain

from corriere.platform.db import database
from corriere.platform.mail.services import mail_outbox_list

PASSWORD = "Sole-Mare-2026"
_n = iter(range(20_000, 99_999))


@asynccontextmanager
async def browser(app: Litestar, lang: str = "it") -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("10.9.0.1", 1234)),
            base_url="http://testserver.local",
            headers={"accept-language": lang},
        ) as client,
    ):
        yield client


@pytest.fixture
def app(make_app: MakeApp, settings, db) -> Litestar:
    # Every browser here signs up from the same address: the sign-up limits have their own
    # tests (test_registration_hardening.py).
    return make_app(
        settings.model_copy(update={"registrations_per_ip_hour": 10_000}), route_handlers=()
    )


async def _post(client: httpx.AsyncClient, form_page: str, url: str, data: dict[str, str]):
    page = await client.get(form_page)
    return await client.post(url, data={**data, "_csrf_token": csrf_token_of(page.text)})


def text_of(html: str) -> str:
    """What a reader sees: no tags, one space between words."""
    return " ".join(plain(re.sub(r"<[^>]+>", " ", html)).split())


def _person() -> dict[str, str]:
    n = next(_n)
    return {
        "username": f"lucia{n}",
        "password": PASSWORD,
        "email": f"lucia{n}@example.com",
        "prefix": "39",
        "mobile": f"348{n:07d}",
        "first_name": "Lucia",
        "last_name": "Verdi",
        "accept_terms": "on",
        "accept_privacy": "on",
    }


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


async def _code_for(mobile: str) -> str:
    text = await database().fetchval(
        "SELECT c.text FROM campaign c JOIN message m ON m.campaign = c.id"
        " WHERE m.recipient = $1 ORDER BY c.id DESC LIMIT 1",
        mobile,
    )
    return re.search(r"\b(\d{6})\b", text).group(1)


async def _register(client: httpx.AsyncClient, person: dict[str, str]) -> str:
    response = await _post(client, "/registrazione", "/registrazione", person)
    assert response.status_code == 303, plain(response.text)
    assert response.headers["location"] == "/registrazione/attiva"
    return await _code_for(f"+39{person['mobile']}")


async def test_register_activate_sign_in_and_see_the_panel(app):
    person = _person()
    async with browser(app) as client:
        code = await _register(client, person)
        page = await client.get("/registrazione/attiva")
        assert "codice di 6 cifre" in page.text
        wrong = await _post(
            client,
            "/registrazione/attiva",
            "/registrazione/attiva",
            {"code": "000000" if code != "000000" else "111111"},
        )
        assert wrong.status_code == 422 and "Codice non corretto: restano 4 tentativi" in wrong.text
        done = await _post(client, "/registrazione/attiva", "/registrazione/attiva", {"code": code})
        assert done.status_code == 303 and done.headers["location"] == "/accesso"
        login_page = await client.get("/accesso")
        assert "attivato" in plain(login_page.text)
        before = client.cookies.get("corriere_session")
        signed = await client.post(
            "/accesso",
            data={
                "username": f" {person['username']} ",
                "password": PASSWORD,
                "next": "/",
                "_csrf_token": csrf_token_of(login_page.text),
            },
        )
        assert signed.status_code == 303
        assert client.cookies.get("corriere_session") != before  # rotated at sign-in
        panel = text_of((await client.get("/")).text)
        assert f"Ciao {person['username']}" in panel
        assert "10,0000 crediti" in panel and "Il credito non ha scadenza" in panel
        assert "SMS residui inviabili" in panel
        assert "PRO 1,0000 crediti 4 10" in panel  # 10 credits pay for 10 PRO
        assert "SMART 0,6250 crediti 1 16" in panel
    (mail,) = await mail_outbox_list(
        account_id=await database().fetchval(
            "SELECT id FROM account WHERE username = $1", person["username"]
        )
    )
    assert mail.kind == "welcome"


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"email": "lucia@"}, "Indirizzo e-mail non valido"),
        ({"mobile": "0612345678"}, "non è un numero di cellulare"),
        ({"mobile": "34x"}, "non numerici"),
        ({"password": "debole"}, "almeno 10 caratteri"),
        ({"accept_terms": ""}, "accettare le condizioni"),
    ],
)
async def test_registration_errors_are_shown_next_to_fields(app, change, field_message):
    person = {**_person(), **change}
    async with browser(app) as client:
        response = await _post(client, "/registrazione", "/registrazione", person)
    assert response.status_code == 422
    assert field_message in response.text
    assert 'aria-invalid="true"' in response.text
    assert (
        await database().fetchval(
            "SELECT count(*) FROM account WHERE username = $1", person["username"]
        )
        == 0
    )


async def test_duplicate_username_and_email_on_the_form(app):
    person = _person()
    async with browser(app) as client:
        await _register(client, person)
    again = {**_person(), "username": person["username"].upper(), "email": person["email"]}
    async with browser(app) as client:
        response = await _post(client, "/registrazione", "/registrazione", again)
    assert response.status_code == 422
    assert "Username già in uso" in response.text and "Esiste già un account" in response.text


async def test_too_many_wrong_codes_and_resend_limit(app):
    async with browser(app) as client:
        await _register(client, _person())
        for _ in range(5):
            response = await _post(
                client, "/registrazione/attiva", "/registrazione/attiva", {"code": "99999x"}
            )
        assert "esaurito i tentativi" in response.text
        resend = await _post(client, "/registrazione/attiva", "/registrazione/codice", {})
        assert resend.status_code == 429 and "Attendi" in resend.text


async def test_wrong_password_help_does_not_reveal_usernames(app):
    person = _person()
    async with browser(app) as client:
        code = await _register(client, person)
        await _post(client, "/registrazione/attiva", "/registrazione/attiva", {"code": code})
        wrong = await _post(
            client,
            "/accesso",
            "/accesso",
            {"username": person["username"], "password": "Sbagliata-99"},
        )
        unknown = await _post(
            client, "/accesso", "/accesso", {"username": "nessuno-mai", "password": "Sbagliata-99"}
        )
    for response in (wrong, unknown):
        assert response.status_code == 401
        text = plain(response.text)
        assert "Username o password non corretti" in text
        assert "maiuscole o minuscole" in text and "spazi vuoti" in text
        assert 'href="/recupera"' in response.text


async def test_pending_account_is_sent_to_activation(app):
    person = _person()
    async with browser(app) as client:
        await _register(client, person)
    async with browser(app) as other:
        response = await _post(
            other, "/accesso", "/accesso", {"username": person["username"], "password": PASSWORD}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/registrazione/attiva"


async def test_password_recovery_ends_other_sessions(app):
    person = _person()
    async with browser(app) as client:
        code = await _register(client, person)
        await _post(client, "/registrazione/attiva", "/registrazione/attiva", {"code": code})
        await _post(
            client, "/accesso", "/accesso", {"username": person["username"], "password": PASSWORD}
        )
        assert "Credito residuo" in (await client.get("/")).text
        async with browser(app) as stranger:
            same_known = await _post(
                stranger, "/recupera", "/recupera", {"identifier": person["email"]}
            )
            same_unknown = await _post(
                stranger, "/recupera", "/recupera", {"identifier": "x@nowhere.it"}
            )
            assert same_known.status_code == same_unknown.status_code == 200
            assert "Se esiste un account" in same_known.text
            assert _main(same_known.text) == _main(same_unknown.text)
            account_id = await database().fetchval(
                "SELECT id FROM account WHERE username = $1", person["username"]
            )
            (mail, *_) = await mail_outbox_list(account_id=account_id)
            token = re.search(r"/recupera/([\w-]+)", mail.text_body).group(1)
            form = await stranger.get(f"/recupera/{token}")
            assert person["username"] in form.text
            mismatch = await stranger.post(
                f"/recupera/{token}",
                data={
                    "password": "Nuova-Password-77",
                    "password_confirm": "Altra-Password-77",
                    "_csrf_token": csrf_token_of(form.text),
                },
            )
            assert mismatch.status_code == 422 and "non coincidono" in mismatch.text
            done = await stranger.post(
                f"/recupera/{token}",
                data={
                    "password": "Nuova-Password-77",
                    "password_confirm": "Nuova-Password-77",
                    "_csrf_token": csrf_token_of(form.text),
                },
            )
            assert done.status_code == 303
            spent = await stranger.get(f"/recupera/{token}")
            assert spent.status_code == 410 and "non è valido o è scaduto" in spent.text
        # The session opened with the old password is over.
        assert "Credito residuo" not in (await client.get("/")).text


async def test_csrf_token_missing_is_refused(app):
    async with browser(app) as client:
        await client.get("/registrazione")
        response = await client.post("/registrazione", data=_person())
    assert response.status_code == 403
    assert "Modulo scaduto" in response.text


async def test_access_pages_in_english(app):
    async with browser(app, lang="en") as client:
        for path, words in (
            ("/registrazione", "Create your account"),
            ("/accesso", "Sign in to the panel"),
            ("/recupera", "Recover your password"),
        ):
            page = await client.get(path)
            assert page.status_code == 200 and html_lang(page.text) == "en"
            assert words in page.text
        response = await _post(
            client, "/registrazione", "/registrazione", {**_person(), "email": "x@"}
        )
        assert "Invalid e-mail address" in response.text
