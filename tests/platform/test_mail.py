"""The outbox delivered through a real SMTP server (aiosmtpd) in this process."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from corriere.gateway.mail.smtp import SmtpMailer
from corriere.platform.db import database
from corriere.platform.mail.services import mail_deliver_pending, mail_outbox_list, mail_queue


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def _queue(account_id: int, locale: str = "it") -> None:
    async with database().transaction() as tx:
        await mail_queue(
            tx,
            recipients=["anna@example.com"],
            kind="low_credit",
            locale=locale,
            account_id=account_id,
            context={
                "username": "anna",
                "threshold": "100",
                "balance": "99.0000",
                "panel_url": "http://x",
            },
        )


async def test_outbox_is_delivered_over_smtp(db, settings, smtp_server, make_account):
    inbox, port = smtp_server
    account = await make_account()
    await _queue(account.id, "en")
    mailer = SmtpMailer(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))
    assert await mail_deliver_pending(mailer, limit=100_000) >= 1
    (message,) = [m for m in inbox.messages if m["To"] == "anna@example.com"]
    assert message["Subject"] == "Corriere: credit below 100 credits"
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    (row, *_) = await mail_outbox_list(account_id=account.id)
    assert row.status == "sent"


async def test_unreachable_server_keeps_mail_and_gives_up_after_retries(db, settings, make_account):
    account = await make_account()
    await _queue(account.id)
    mailer = SmtpMailer(
        settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port()})
    )
    await mail_deliver_pending(mailer, limit=100_000)
    (row, *_) = await mail_outbox_list(account_id=account.id)
    assert row.status == "pending" and "Error" in row.error
    for _ in range(4):
        await mail_deliver_pending(mailer, limit=100_000)
    (row, *_) = await mail_outbox_list(account_id=account.id)
    assert row.status == "failed"


async def test_embedded_mode_keeps_mail_in_the_outbox(db, make_account):
    account = await make_account()
    await _queue(account.id)
    await mail_deliver_pending(None, limit=100_000)
    (row, *_) = await mail_outbox_list(account_id=account.id)
    assert row.status == "kept"
