"""The simulated-phones page against the real SMSC simulator's control API.

The simulator runs in the test's event loop, so these tests drive the app with httpx's ASGI
transport in that same loop: Litestar's AsyncTestClient runs the app in a portal thread and
blocks the test's loop while a request is in flight, so the simulator could never answer.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
from litestar import Litestar
from web_helpers import MakeApp, csrf_token_of, html_lang

from corriere.gateway.smsc_sim.client import SimControlClient
from corriere.gateway.smsc_sim.records import PartRecord
from corriere.gateway.smsc_sim.server import SmscSimulator


def _phones(sim: SmscSimulator) -> SimControlClient:
    return SimControlClient(f"http://127.0.0.1:{sim.control_port}")


@asynccontextmanager
async def same_loop_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
        ) as client,
    ):
        yield client


async def test_phones_page_and_htmx_panel(make_app: MakeApp, smsc: SmscSimulator) -> None:
    async with same_loop_client(make_app(phones=_phones(smsc))) as client:
        page = await client.get("/simulatore")
        assert page.status_code == 200
        assert html_lang(page.text) == "it"
        assert "<h1>Telefoni simulati</h1>" in page.text
        assert '<a href="/simulatore" aria-current="page">Telefoni simulati</a>' in page.text
        assert 'id="f-sender"' in page.text

        panel = await client.get("/simulatore", headers={"HX-Request": "true"})
        assert panel.text.lstrip().startswith('<div id="phones-panel"')
        assert "<html" not in panel.text and 'id="f-sender"' not in panel.text

        english = await client.get("/simulatore", headers={"Accept-Language": "en"})
        assert "<h1>Simulated phones</h1>" in english.text
        assert "Send an SMS from a phone" in english.text


async def test_mo_form_shows_the_error_next_to_the_field(
    make_app: MakeApp, smsc: SmscSimulator
) -> None:
    async with same_loop_client(make_app(phones=_phones(smsc))) as client:
        token = csrf_token_of((await client.get("/simulatore")).text)
        form = {"_csrf_token": token, "sender": "12", "recipient": "393399949901", "text": "Ciao"}
        response = await client.post("/simulatore/mo", data=form)
        assert response.status_code == 422
        html = response.text
        assert "<html" in html  # without JavaScript: the whole page again
        assert 'aria-invalid="true"' in html
        assert 'aria-describedby="f-sender-error"' in html
        assert '<p class="field-error" id="f-sender-error">Numero del telefono non valido' in html
        assert 'value="393399949901"' in html  # what the user typed is kept

        response = await client.post(
            "/simulatore/mo", data=form, headers={"HX-Request": "true", "HX-Target": "mo-form"}
        )
        assert response.status_code == 422
        assert response.text.lstrip().startswith('<section class="card" id="mo-form">')
        assert "f-sender-error" in response.text and "<html" not in response.text

        form["sender"] = "3331234567"
        response = await client.post("/simulatore/mo", data=form, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/simulatore?numero=393331234567"
        inbox = await client.get("/simulatore?numero=393331234567")
        assert "<h2>+393331234567</h2>" in inbox.text  # no receiver bound: nothing recorded


async def test_inbox_shows_what_the_simulator_received(
    make_app: MakeApp, smsc: SmscSimulator
) -> None:
    # What the simulator records when the gateway submits an SMS (at 10:00 UTC).
    sent_at = datetime(2025, 6, 1, 10, 0, tzinfo=UTC).timestamp()
    smsc.message_log.add(
        PartRecord(
            at=sent_at,
            direction="mt",
            system_id="corriere",
            source="Corriere",
            destination="393351234567",
            data_coding=0,
            esm_class=0,
            udh=b"",
            concat=None,
            payload=b"Ciao dal pannello",
            message_id="m1",
            outcome="delivered",
        )
    )
    async with same_loop_client(make_app(phones=_phones(smsc))) as client:
        page = await client.get("/simulatore?numero=393351234567")
        assert "Ciao dal pannello" in page.text
        assert "01/06/25, 12:00" in page.text  # shown in Rome time
        assert "consegnato" in page.text
        assert "1 messaggio" in page.text
        page = await client.get(
            "/simulatore?numero=393351234567", headers={"Accept-Language": "en"}
        )
        assert "delivered" in page.text and "1 message<" in page.text


async def test_phones_page_when_the_simulator_is_down(make_app: MakeApp) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    phones = SimControlClient(f"http://127.0.0.1:{port}", timeout=1.0)
    async with same_loop_client(make_app(phones=phones)) as client:
        page = await client.get("/simulatore", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "The SMSC simulator does not answer" in page.text


async def test_no_phones_page_without_the_simulator(make_app: MakeApp) -> None:
    async with same_loop_client(make_app()) as client:
        assert (await client.get("/simulatore")).status_code == 404
        assert "/simulatore" not in (await client.get("/")).text.split("<main", 1)[0]
