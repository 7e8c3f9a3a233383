"""POSTA: the embedded mode's mail outbox, readable without signing in.

The app runs in the test's event loop (httpx's ASGI transport) on the real database and Redis.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar
from web_helpers import MakeApp, html_lang

from corriere.platform.db import database
from corriere.platform.mail.services import mail_outbox_list, mail_queue
from corriere.platform.settings import Settings


@asynccontextmanager
async def browser(app: Litestar, lang: str = "it") -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver.local",
            headers={"accept-language": lang},
        ) as client,
    ):
        yield client


async def _queue_low_credit(recipient: str, locale: str = "it") -> int:
    async with database().transaction() as tx:
        await mail_queue(
            tx,
            recipients=[recipient],
            kind="low_credit",
            locale=locale,
            context={
                "username": "anna",
                "threshold": "100",
                "balance": "99.0000",
                "panel_url": "http://127.0.0.1:8000/bacheca",
            },
        )
    return (await mail_outbox_list(limit=1))[0].id


async def test_outbox_lists_a_queued_mail_without_login(
    make_app: MakeApp, settings: Settings, db: Any
) -> None:
    older = await _queue_low_credit("first@example.com")
    newer = await _queue_low_credit("anna.posta@example.com")
    mail = (await mail_outbox_list(limit=1))[0]
    embedded = settings.model_copy(update={"smpp_routes": ""})  # as `corriere up` runs
    async with browser(make_app(embedded, route_handlers=[])) as client:
        response = await client.get("/posta")
        assert response.status_code == 200
        page = response.text
        assert html_lang(page) == "it"
        assert "<h1>Posta in uscita</h1>" in page
        assert "nessuna e-mail lascia questo computer" in page
        assert "anna.posta@example.com" in page
        assert f"<strong>{mail.subject}</strong>" in page
        assert "<details>" in page and "in coda" in page
        body_line = mail.text_body.strip().splitlines()[0]
        assert body_line and body_line in page
        rows = re.findall(r'<tr id="mail-(\d+)">', page)
        assert rows.index(str(newer)) < rows.index(str(older))  # newest first

        english = (await client.get("/posta", headers={"accept-language": "en"})).text
        assert html_lang(english) == "en"
        assert "<h1>Outgoing mail</h1>" in english
        assert "no e-mail leaves this computer" in english
        assert "Low-credit alert" in english and "queued" in english

        block = await client.get("/posta", headers={"HX-Request": "true"})
        assert block.text.lstrip().startswith('<section class="card" id="mails">')
        assert "anna.posta@example.com" in block.text


async def test_outbox_page_is_absent_when_mail_goes_to_an_smtp_server(
    make_app: MakeApp, settings: Settings, db: Any
) -> None:
    relayed = settings.model_copy(update={"smtp_host": "smtp.example.com"})
    async with browser(make_app(relayed, route_handlers=[])) as client:
        assert (await client.get("/posta")).status_code == 404
