"""Sign-in throttling by the client's real address (through trusted proxies), the sign-up limits,
reserved usernames and simultaneous sign-ups, as the forms show them.

The app runs in the test's event loop (httpx's ASGI transport) on the real database and Redis.
Each test's browsers come from their own peer addresses, so the session database's earlier
sign-ins and sign-ups do not count against them.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from litestar import Litestar
from web_helpers import MakeApp, csrf_token_of, plain

from corriere.platform.auth.login import login_events
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.settings import Settings

PASSWORD = "Sole-Mare-2026"
_n = itertools.count(40_000)


@asynccontextmanager
async def browser(
    app: Litestar, peer: str, forwarded_for: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"accept-language": "it"}
    if forwarded_for is not None:
        headers["x-forwarded-for"] = forwarded_for
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(peer, 4321)),
            base_url="http://testserver.local",
            headers=headers,
        ) as client,
    ):
        yield client


async def _post(client: httpx.AsyncClient, page: str, data: dict[str, str]) -> httpx.Response:
    form = await client.get(page)
    return await client.post(page, data={**data, "_csrf_token": csrf_token_of(form.text)})


def _person(**overrides: str) -> dict[str, str]:
    n = next(_n)
    values = {
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
    values.update(overrides)
    return values


def _alert(html: str) -> str:
    match = re.search(r'<div class="alert alert-error" role="alert">(.*?)</div>', html, re.S)
    assert match, "no form-level error"
    return plain(match.group(1)).replace("&#39;", "'")


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="f-{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {field}"
    return plain(match.group(1)).replace("&#39;", "'")


async def _accounts() -> int:
    return int(await database().fetchval("SELECT count(*) FROM account"))


async def _signups_last_hour() -> int:
    return int(
        await database().fetchval(
            "SELECT count(*) FROM account WHERE registered_ip IS NOT NULL AND created_at > $1",
            utcnow() - timedelta(hours=1),
        )
    )


# --- sign-in throttling ---------------------------------------------------------------------


async def test_login_throttled_per_client_behind_a_trusted_proxy(
    make_app: MakeApp, settings: Settings, make_account: Any, db: Any
) -> None:
    account = await make_account(password=PASSWORD)
    proxied = settings.model_copy(update={"trusted_proxies": "192.0.2.10"})
    app = make_app(proxied, route_handlers=())
    wrong = {"username": account.username, "password": "Sbagliata-2026"}
    right = {"username": account.username, "password": PASSWORD}
    async with browser(app, "192.0.2.10", "203.0.113.21") as first:
        for _ in range(5):
            assert (await _post(first, "/accesso", wrong)).status_code == 401
        locked = await _post(first, "/accesso", right)
        assert locked.status_code == 429
        assert "Troppi tentativi di accesso non riusciti: riprova tra 15 minuti" in locked.text
    # Another client behind the same proxy is a different address: not locked out.
    async with browser(app, "192.0.2.10", "203.0.113.22") as second:
        signed = await _post(second, "/accesso", right)
        assert signed.status_code == 303
    addresses = {event.ip for event in await login_events(account.id)}
    assert addresses == {"203.0.113.21", "203.0.113.22"}


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(
    make_app: MakeApp, settings: Settings, make_account: Any, db: Any
) -> None:
    account = await make_account(password=PASSWORD)
    proxied = settings.model_copy(update={"trusted_proxies": "192.0.2.10"})
    app = make_app(proxied, route_handlers=())
    wrong = {"username": account.username, "password": "Sbagliata-2026"}
    # A client that writes its own X-Forwarded-For, a new address each time, to dodge the lock.
    for i in range(5):
        async with browser(app, "192.0.2.20", f"198.51.100.{i + 1}") as client:
            assert (await _post(client, "/accesso", wrong)).status_code == 401
    async with browser(app, "192.0.2.20", "198.51.100.99") as client:
        locked = await _post(client, "/accesso", {**wrong, "password": PASSWORD})
    assert locked.status_code == 429
    assert {event.ip for event in await login_events(account.id)} == {"192.0.2.20"}


# --- sign-up limits ---------------------------------------------------------------------------


async def test_signups_limited_per_client_address(
    make_app: MakeApp, settings: Settings, db: Any
) -> None:
    limited = settings.model_copy(
        update={"trusted_proxies": "192.0.2.10", "registrations_per_ip_hour": 2}
    )
    app = make_app(limited, route_handlers=())
    async with browser(app, "192.0.2.10", "203.0.113.31") as client:
        for _ in range(2):
            response = await _post(client, "/registrazione", _person())
            assert response.status_code == 303
        before = await _accounts()
        person = _person()
        refused = await _post(client, "/registrazione", person)
        assert refused.status_code == 429
        assert _alert(refused.text) == (
            "Troppe registrazioni da questa connessione nell'ultima ora: riprova più tardi"
        )
        assert f'value="{person["username"]}"' in refused.text  # the form keeps what was typed
        assert await _accounts() == before
        assert (
            await database().fetchval(
                "SELECT count(*) FROM message WHERE recipient = $1", f"+39{person['mobile']}"
            )
            == 0
        )  # no SMS either
    async with browser(app, "192.0.2.10", "203.0.113.32") as other:
        assert (await _post(other, "/registrazione", _person())).status_code == 303


async def test_signups_limited_in_all(make_app: MakeApp, settings: Settings, db: Any) -> None:
    room = await _signups_last_hour() + 1
    limited = settings.model_copy(update={"registrations_per_hour": room})
    app = make_app(limited, route_handlers=())
    async with browser(app, "192.0.2.41") as client:
        assert (await _post(client, "/registrazione", _person())).status_code == 303
    before = await _accounts()
    async with browser(app, "192.0.2.42") as client:
        refused = await _post(client, "/registrazione", _person())
    assert refused.status_code == 429
    assert _alert(refused.text) == (
        "Il servizio ha ricevuto troppe registrazioni nell'ultima ora: riprova più tardi"
    )
    assert await _accounts() == before


# --- reserved and simultaneous sign-ups --------------------------------------------------------


async def test_the_system_accounts_username_cannot_be_registered(
    make_app: MakeApp, settings: Settings, db: Any
) -> None:
    async with browser(make_app(route_handlers=()), "192.0.2.51") as client:
        refused = await _post(client, "/registrazione", _person(username="Corriere-System"))
    assert refused.status_code == 422
    assert _field_error(refused.text, "username") == "Username riservato: scegline un altro"


async def test_two_simultaneous_signups_with_one_username(
    make_app: MakeApp, settings: Settings, db: Any
) -> None:
    app = make_app(route_handlers=())
    first, second = _person(), _person()
    second["username"] = first["username"].upper()
    async with browser(app, "192.0.2.61") as a, browser(app, "192.0.2.62") as b:
        pages = await asyncio.gather(a.get("/registrazione"), b.get("/registrazione"))
        responses = await asyncio.gather(
            *(
                client.post(
                    "/registrazione", data={**person, "_csrf_token": csrf_token_of(page.text)}
                )
                for client, person, page in ((a, first, pages[0]), (b, second, pages[1]))
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303, 422]
    (refused,) = [r for r in responses if r.status_code == 422]
    assert _field_error(refused.text, "username") == "Username già in uso: scegline un altro"
    assert (
        await database().fetchval(
            "SELECT count(*) FROM account WHERE username_key = $1", first["username"].lower()
        )
        == 1
    )
