"""The demo pages (/simulatore, /posta) show every account's codes and reset links without a login:
served only on one's own machine (or when asked for), and never linked when not served. Also the
hints `corriere up` prints, which follow the same rule.

The app runs in the test's event loop (httpx's ASGI transport) against the real SMSC simulator's
control API, the real database and Redis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar
from web_helpers import MakeApp, csrf_token_of

from corriere.commands.up import demo_hints
from corriere.gateway.smsc_sim.client import SimControlClient
from corriere.gateway.smsc_sim.server import SmscSimulator
from corriere.platform.settings import Settings

PUBLIC = "https://sms.example.com"


@asynccontextmanager
async def browser(app: Litestar, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("192.0.2.90", 1234)),
            base_url=base_url,
            headers={"accept-language": "it"},
        ) as client,
    ):
        yield client


def _app(make_app: MakeApp, settings: Settings, smsc: SmscSimulator, **changes: Any) -> Litestar:
    """The app as `corriere web` builds it on the embedded defaults (SMS to the simulator)."""
    changed = settings.model_copy(update={"smpp_routes": "", **changes})
    phones = SimControlClient(f"http://127.0.0.1:{smsc.control_port}")
    return make_app(changed, phones=phones, route_handlers=())


async def _recover_page(client: httpx.AsyncClient) -> str:
    form = await client.get("/recupera")
    sent = await client.post(
        "/recupera",
        data={"identifier": "nessuno@example.com", "_csrf_token": csrf_token_of(form.text)},
    )
    assert sent.status_code == 200
    return sent.text


async def test_public_address_serves_no_demo_page_and_links_none(
    make_app: MakeApp, settings: Settings, smsc: SmscSimulator, db: Any
) -> None:
    app = _app(make_app, settings, smsc, public_base_url=PUBLIC)
    async with browser(app, PUBLIC) as client:
        assert (await client.get("/posta")).status_code == 404
        assert (await client.get("/simulatore")).status_code == 404
        home = (await client.get("/")).text
        assert 'href="/simulatore"' not in home
        assert "Modalità dimostrativa" not in home
        assert 'href="/posta"' not in await _recover_page(client)


async def test_demo_pages_on_a_public_address_when_asked_for(
    make_app: MakeApp, settings: Settings, smsc: SmscSimulator, db: Any
) -> None:
    app = _app(make_app, settings, smsc, public_base_url=PUBLIC, demo_pages=True)
    async with browser(app, PUBLIC) as client:
        assert (await client.get("/posta")).status_code == 200
        phones = await client.get("/simulatore")
        assert phones.status_code == 200 and "<h1>Telefoni simulati</h1>" in phones.text
        assert 'href="/posta"' in await _recover_page(client)


async def test_local_address_serves_the_demo_pages(
    make_app: MakeApp, settings: Settings, smsc: SmscSimulator, db: Any
) -> None:
    assert settings.public_is_local  # the tests' own settings, as a first run has them
    app = _app(make_app, settings, smsc)
    async with browser(app, "http://127.0.0.1:8000") as client:
        assert (await client.get("/posta")).status_code == 200
        assert (await client.get("/simulatore")).status_code == 200
        home = (await client.get("/")).text
        assert 'href="/simulatore"' in home and "Modalità dimostrativa" in home
        assert 'href="/posta"' in await _recover_page(client)


async def test_default_test_app_serves_them(
    make_app: MakeApp, smsc: SmscSimulator, db: Any
) -> None:
    phones = SimControlClient(f"http://127.0.0.1:{smsc.control_port}")
    async with browser(make_app(phones=phones), "http://127.0.0.1:8000") as client:
        assert (await client.get("/posta")).status_code == 200
        assert (await client.get("/simulatore")).status_code == 200


async def test_demo_pages_turned_off_on_a_local_address(
    make_app: MakeApp, settings: Settings, smsc: SmscSimulator, db: Any
) -> None:
    app = _app(make_app, settings, smsc, demo_pages=False)
    async with browser(app, "http://127.0.0.1:8000") as client:
        assert (await client.get("/posta")).status_code == 404
        assert (await client.get("/simulatore")).status_code == 404
        assert 'href="/simulatore"' not in (await client.get("/")).text
        assert 'href="/posta"' not in await _recover_page(client)


async def test_no_outbox_page_when_mail_goes_to_an_smtp_server(
    make_app: MakeApp, settings: Settings, smsc: SmscSimulator, db: Any
) -> None:
    app = _app(make_app, settings, smsc, smtp_host="smtp.example.com")
    async with browser(app, "http://127.0.0.1:8000") as client:
        assert (await client.get("/posta")).status_code == 404
        assert (await client.get("/simulatore")).status_code == 200
        assert 'href="/posta"' not in await _recover_page(client)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            [
                "and see it arrive on the simulated phones: http://127.0.0.1:8000/simulatore",
                "E-mail stays on this machine: read it at http://127.0.0.1:8000/posta",
            ],
        ),
        (
            {"public_base_url": PUBLIC},
            [
                "The SMS go to the SMSC simulator; its simulated phones page is off"
                " (CORRIERE_DEMO_PAGES=true serves it).",
                "E-mail stays on this machine (no SMTP server configured): read the outbox in the"
                " support console, `corriere tui` (Posta).",
            ],
        ),
        (
            {"public_base_url": PUBLIC, "demo_pages": True},
            [
                "and see it arrive on the simulated phones: http://127.0.0.1:8000/simulatore",
                "E-mail stays on this machine: read it at http://127.0.0.1:8000/posta",
            ],
        ),
        (
            {"smtp_host": "smtp.example.com", "smpp_routes": "smpp://u:p@smsc.example.com/"},
            [],
        ),
    ],
)
def test_corriere_up_hints_follow_the_same_rule(
    changes: dict[str, Any], expected: list[str]
) -> None:
    settings = Settings(_env_file=None, **{"smpp_routes": "", **changes})  # type: ignore[call-arg]
    assert demo_hints(settings, "http://127.0.0.1:8000") == expected
