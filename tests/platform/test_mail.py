"""The outbox delivered through a real SMTP server (aiosmtpd) in this process: once and only
once with concurrent deliveries, again after a worker died, retried after failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from mail_helpers import Inbox, free_port, smtp_server

from corriere.gateway.mail.smtp import SmtpMailer
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.mail.services import (
    ABANDONED,
    MAX_ATTEMPTS,
    mail_claim_next,
    mail_deliver_pending,
    mail_outbox_list,
    mail_queue,
    mail_sent,
)


async def _queue(account_id: int, locale: str = "it", recipient: str = "anna@example.com") -> None:
    async with database().transaction() as tx:
        await mail_queue(
            tx,
            recipients=[recipient],
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


async def _status(account_id: int) -> list[tuple[str, str, str]]:
    return [(r.recipient, r.status, r.error) for r in await mail_outbox_list(account_id=account_id)]


async def _attempts(account_id: int) -> int:
    return int(
        await database().fetchval(
            "SELECT max(attempts) FROM mail_outbox WHERE account = $1", account_id
        )
    )


@pytest.fixture
async def empty_outbox(db) -> None:
    """Earlier tests' mail out of the way (kept), so claims here take this test's mail."""
    await mail_deliver_pending(None, limit=1_000_000)


def _mailer(settings, port: int) -> SmtpMailer:
    return SmtpMailer(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))


async def test_outbox_is_delivered_over_smtp(db, settings, make_account):
    inbox = Inbox()
    account = await make_account()
    await _queue(account.id, "en")
    with smtp_server(inbox) as port:
        assert await mail_deliver_pending(_mailer(settings, port), limit=100_000) >= 1
    (received,) = inbox.to("anna@example.com")
    assert received.message["Subject"] == "Corriere: credit below 100 credits"
    types = [part.get_content_type() for part in received.message.walk()]
    assert "text/plain" in types and "text/html" in types
    assert await _status(account.id) == [("anna@example.com", "sent", "")]


async def test_concurrent_deliveries_send_each_email_once(db, settings, make_account, empty_outbox):
    # The cron job and the "send now" job run side by side on several workers.
    account = await make_account()
    recipients = [f"cliente{i}@example.com" for i in range(12)]
    for recipient in recipients:
        await _queue(account.id, recipient=recipient)
    inbox = Inbox(delay_s=0.02)
    with smtp_server(inbox) as port:
        sent = await asyncio.gather(
            *(mail_deliver_pending(_mailer(settings, port), limit=100) for _ in range(4))
        )
    assert sum(sent) == len(recipients)
    assert sorted(sent, reverse=True)[1] > 0  # the runs really shared the work
    for recipient in recipients:
        assert len(inbox.to(recipient)) == 1, recipient
    assert {status for _, status, _ in await _status(account.id)} == {"sent"}
    assert await _attempts(account.id) == 1


async def test_email_of_a_dead_worker_is_sent_after_its_lease(
    db, settings, make_account, empty_outbox
):
    account = await make_account()
    await _queue(account.id, recipient="orfana@example.com")
    # A worker claims it and dies before sending.
    dead = await mail_claim_next(lease=timedelta(seconds=60))
    assert dead is not None and dead.message.recipient == "orfana@example.com"
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mailer = _mailer(settings, port)
        # While the lease runs nobody else takes it.
        assert await mail_deliver_pending(mailer) == 0
        assert inbox.to("orfana@example.com") == []
        assert await mail_deliver_pending(mailer, now=utcnow() + timedelta(seconds=61)) == 1
        assert len(inbox.to("orfana@example.com")) == 1
        assert await mail_deliver_pending(mailer, now=utcnow() + timedelta(hours=1)) == 0
    assert len(inbox.to("orfana@example.com")) == 1
    # The dead worker's claim is over: it cannot close the row any more.
    assert not await mail_sent(dead)
    assert await _status(account.id) == [("orfana@example.com", "sent", "")]


async def test_email_that_kills_every_worker_is_given_up(db, settings, make_account, empty_outbox):
    account = await make_account()
    await _queue(account.id, recipient="veleno@example.com")
    now = utcnow()
    for attempt in range(MAX_ATTEMPTS):
        claim = await mail_claim_next(now=now, lease=timedelta(seconds=60))
        assert claim is not None and claim.attempt == attempt + 1
        now += timedelta(seconds=61)
    with smtp_server(Inbox()) as port:
        assert await mail_deliver_pending(_mailer(settings, port), now=now) == 0
    assert await _status(account.id) == [("veleno@example.com", "failed", ABANDONED)]


async def test_unreachable_server_keeps_mail_and_gives_up_after_retries(
    db, settings, make_account, empty_outbox, caplog
):
    account = await make_account()
    await _queue(account.id)
    mailer = _mailer(settings, free_port())
    now = utcnow()
    await mail_deliver_pending(mailer, limit=100_000, now=now)
    ((_, status, error),) = await _status(account.id)
    assert status == "pending" and error.startswith("cannot reach the SMTP server 127.0.0.1:")
    assert "(attempt 1 of 5), retry after" in caplog.text
    # The next run does not try again before the pause is over.
    await mail_deliver_pending(mailer, limit=100_000, now=now + timedelta(seconds=30))
    assert await _attempts(account.id) == 1
    for _ in range(MAX_ATTEMPTS - 1):
        now += timedelta(minutes=10)
        await mail_deliver_pending(mailer, limit=100_000, now=now)
    ((_, status, error),) = await _status(account.id)
    assert status == "failed" and "cannot reach" in error
    assert await _attempts(account.id) == MAX_ATTEMPTS
    assert "given up after 5 attempt(s)" in caplog.text


async def test_refused_recipient_fails_at_once(db, settings, make_account, empty_outbox):
    account = await make_account()
    await _queue(account.id, recipient="nessuno@example.com")
    inbox = Inbox(refuse={"nessuno@example.com"})
    with smtp_server(inbox) as port:
        assert await mail_deliver_pending(_mailer(settings, port)) == 0
    ((_, status, error),) = await _status(account.id)
    assert status == "failed"
    assert error == (
        f"SMTP server 127.0.0.1:{port} refused the recipient nessuno@example.com:"
        " 550 5.1.1 Mailbox unavailable"
    )


async def test_embedded_mode_keeps_mail_in_the_outbox(db, make_account):
    account = await make_account()
    await _queue(account.id)
    await mail_deliver_pending(None, limit=100_000)
    assert await _status(account.id) == [("anna@example.com", "kept", "")]
