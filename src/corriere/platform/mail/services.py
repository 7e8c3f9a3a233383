"""Queue e-mail in the caller's transaction; deliver it later (jobs) through the Mailer port.

Delivery claims one e-mail at a time with a conditional UPDATE (`pending` → `sending`) under a
lease (`locked_until`): the cron job and the "send now" job run side by side, on several
workers, and an e-mail claimed by one of them is invisible to the others. A failed attempt
puts the e-mail back as `pending` with a pause before the next try (the same column says when);
an e-mail whose worker died while sending is claimed again once its lease has run out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import Tx, database
from corriere.platform.mail.ports import MailDeliveryError, Mailer, MailMessage
from corriere.platform.mail.render import mail_render
from corriere.platform.settings import get_settings

MAX_ATTEMPTS = 5
# Longer than one SMTP exchange may take (the adapter's timeout covers each step of it).
LEASE = timedelta(minutes=5)
# Pause before the 2nd, 3rd… try: a relay down for a few minutes does not lose the mail.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4))
ABANDONED = "delivery interrupted (worker stopped) on every attempt"

log = logging.getLogger("corriere.mail")


async def mail_queue(
    tx: Tx,
    *,
    recipients: list[str],
    kind: str,
    locale: str,
    context: dict[str, Any],
    account_id: int | None = None,
    timezone: str | None = None,
) -> int:
    """Render a templated e-mail and add it to the outbox, one row per recipient. Dates in it
    are shown in `timezone`, by default the account's."""
    now = utcnow()
    if timezone is None and account_id is not None:
        timezone = await tx.fetchval("SELECT timezone FROM account WHERE id = $1", account_id)
    rendered = mail_render(
        kind,
        locale,
        {"written_at": now, **context},
        timezone=timezone or get_settings().default_timezone,
    )
    await tx.insert_many(
        "mail_outbox",
        (
            "account",
            "recipient",
            "subject",
            "text_body",
            "html_body",
            "kind",
            "status",
            "attempts",
            "error",
            "created_at",
        ),
        [
            (
                account_id,
                r,
                rendered.subject,
                rendered.text_body,
                rendered.html_body,
                kind,
                "pending",
                0,
                "",
                now,
            )
            for r in recipients
        ],
    )
    return len(recipients)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    account_id: int | None
    recipient: str
    subject: str
    text_body: str
    html_body: str
    kind: str
    status: str
    error: str
    created_at: datetime


async def mail_outbox_list(*, account_id: int | None = None, limit: int = 100) -> list[OutboxRow]:
    sql = (
        "SELECT id, account, recipient, subject, text_body, html_body, kind, status, error,"
        " created_at FROM mail_outbox"
    )
    args: list[Any] = []
    if account_id is not None:
        sql += " WHERE account = $1"
        args.append(account_id)
    sql += f" ORDER BY id DESC LIMIT {int(limit)}"
    return [
        OutboxRow(
            id=int(r["id"]),
            account_id=r["account"],
            recipient=r["recipient"],
            subject=r["subject"],
            text_body=r["text_body"],
            html_body=r["html_body"],
            kind=r["kind"],
            status=r["status"],
            error=r["error"],
            created_at=as_utc(r["created_at"]),
        )
        for r in await database().fetch(sql, *args)
    ]


@dataclass(frozen=True, slots=True)
class ClaimedMail:
    id: int
    attempt: int  # this claim's number: only its own claim may close it
    message: MailMessage


# Due: waiting and past its pause, or claimed by a worker whose lease ran out.
_DUE = (
    "((status = 'pending' AND (locked_until IS NULL OR locked_until <= $1))"
    f" OR (status = 'sending' AND locked_until <= $1 AND attempts < {MAX_ATTEMPTS}))"
)


async def mail_claim_next(
    *, after_id: int = 0, now: datetime | None = None, lease: timedelta = LEASE
) -> ClaimedMail | None:
    """Take the next due e-mail (id above `after_id`) for sending under a lease, or None."""
    now = now or utcnow()
    db = database()
    # PostgreSQL: concurrent claimers skip each other's row; the outer condition, checked again
    # on the row as committed, is what makes a claim exclusive (SQLite writers take turns).
    skip_locked = " FOR UPDATE SKIP LOCKED" if db.kind == "postgres" else ""
    async with db.transaction() as tx:
        row = await tx.fetchrow(
            "UPDATE mail_outbox SET status = 'sending', locked_until = $2,"
            " attempts = attempts + 1"
            f" WHERE id = (SELECT id FROM mail_outbox WHERE id > $3 AND {_DUE}"
            f" ORDER BY id LIMIT 1{skip_locked}) AND {_DUE}"
            " RETURNING id, attempts, recipient, subject, text_body, html_body",
            now,
            now + lease,
            after_id,
        )
    if row is None:
        return None
    return ClaimedMail(
        id=int(row["id"]),
        attempt=int(row["attempts"]),
        message=MailMessage(row["recipient"], row["subject"], row["text_body"], row["html_body"]),
    )


async def _close(
    mail: ClaimedMail,
    *,
    status: str,
    error: str,
    sent_at: datetime | None,
    retry_at: datetime | None,
) -> bool:
    """End a claim; False if it was no longer ours (its lease ran out and another took it)."""
    async with database().transaction() as tx:
        return (
            await tx.execute(
                "UPDATE mail_outbox SET status = $1, error = $2, sent_at = $3, locked_until = $4"
                " WHERE id = $5 AND status = 'sending' AND attempts = $6",
                status,
                error,
                sent_at,
                retry_at,
                mail.id,
                mail.attempt,
            )
            > 0
        )


async def mail_sent(mail: ClaimedMail, *, now: datetime | None = None) -> bool:
    return await _close(mail, status="sent", error="", sent_at=now or utcnow(), retry_at=None)


async def mail_failed(
    mail: ClaimedMail, *, error: str, permanent: bool = False, now: datetime | None = None
) -> bool:
    """A failed attempt: back to `pending` after a pause, or `failed` for good."""
    now = now or utcnow()
    if permanent or mail.attempt >= MAX_ATTEMPTS:
        log.error(
            "e-mail %s to %s not sent, given up after %s attempt(s): %s",
            mail.id,
            mail.message.recipient,
            mail.attempt,
            error,
        )
        return await _close(mail, status="failed", error=error, sent_at=None, retry_at=None)
    retry_at = now + RETRY_DELAYS[min(mail.attempt, len(RETRY_DELAYS)) - 1]
    log.warning(
        "e-mail %s to %s not sent (attempt %s of %s), retry after %s: %s",
        mail.id,
        mail.message.recipient,
        mail.attempt,
        MAX_ATTEMPTS,
        retry_at.isoformat(timespec="seconds"),
        error,
    )
    return await _close(mail, status="pending", error=error, sent_at=None, retry_at=retry_at)


async def _give_up_abandoned(now: datetime) -> None:
    """E-mails whose every attempt ended with the worker gone (one that crashes it, say)."""
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE mail_outbox SET status = 'failed', error = $1, locked_until = NULL"
            " WHERE status = 'sending' AND locked_until <= $2 AND attempts >= $3",
            ABANDONED,
            now,
            MAX_ATTEMPTS,
        )


async def _keep_all(now: datetime) -> int:
    """Embedded mode: what waits stays in the outbox, for the console and the demo pages."""
    async with database().transaction() as tx:
        return await tx.execute(
            "UPDATE mail_outbox SET status = 'kept', sent_at = $1, locked_until = NULL,"
            " attempts = attempts + 1"
            " WHERE status = 'pending' OR (status = 'sending' AND locked_until <= $1)",
            now,
        )


async def mail_deliver_pending(
    mailer: Mailer | None,
    *,
    limit: int = 100,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> int:
    """Send what is due in the outbox, each e-mail claimed first (see the module's docstring);
    without a mailer (embedded mode) mail is kept locally. Returns how many left the outbox.
    `now` stands for the clock (tests move it past leases and pauses)."""
    # The cron job runs every few seconds: when nothing waits, a read and no write lock.
    waiting = await database().fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM mail_outbox"
        " WHERE status IN ('pending', 'sending') LIMIT 1) AS w"
    )
    if not waiting:
        return 0
    if mailer is None:
        return await _keep_all(now or utcnow())
    await _give_up_abandoned(now or utcnow())
    done, last_id = 0, 0
    for _ in range(limit):
        # Ids only grow within a run: a failed e-mail waits for a later run, not the next turn.
        mail = await mail_claim_next(after_id=last_id, now=now, lease=lease)
        if mail is None:
            break
        last_id = mail.id
        try:
            await mailer.send(mail.message)
        except MailDeliveryError as exc:
            await mail_failed(mail, error=str(exc), permanent=exc.permanent, now=now)
        except Exception as exc:
            await mail_failed(mail, error=f"{type(exc).__name__}: {exc}", now=now)
        else:
            done += await mail_sent(mail, now=now)
    return done
