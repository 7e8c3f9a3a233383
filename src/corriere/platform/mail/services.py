"""Queue e-mail in the caller's transaction; deliver it later (jobs) through the Mailer port."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import Tx, database
from corriere.platform.mail.ports import Mailer, MailMessage
from corriere.platform.mail.render import mail_render

MAX_ATTEMPTS = 5


async def mail_queue(
    tx: Tx,
    *,
    recipients: list[str],
    kind: str,
    locale: str,
    context: dict[str, Any],
    account_id: int | None = None,
) -> int:
    """Render a templated e-mail and add it to the outbox, one row per recipient."""
    rendered = mail_render(kind, locale, context)
    now = utcnow()
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


async def mail_deliver_pending(mailer: Mailer | None, *, limit: int = 100) -> int:
    """Send what waits in the outbox; without a mailer (embedded mode) mail is kept locally."""
    db = database()
    rows = await db.fetch(
        "SELECT id, recipient, subject, text_body, html_body FROM mail_outbox"
        " WHERE status = 'pending' ORDER BY id LIMIT $1",
        limit,
    )
    done = 0
    for row in rows:
        status, error = "kept", ""
        if mailer is not None:
            try:
                await mailer.send(
                    MailMessage(
                        row["recipient"], row["subject"], row["text_body"], row["html_body"]
                    )
                )
                status = "sent"
            except Exception as exc:
                status, error = "pending", f"{type(exc).__name__}: {exc}"
        async with db.transaction() as tx:
            await tx.execute(
                "UPDATE mail_outbox SET status = CASE WHEN $1 = 'pending' AND attempts + 1 >= $2"
                " THEN 'failed' ELSE $1 END, attempts = attempts + 1, error = $3, sent_at = $4"
                " WHERE id = $5",
                status,
                MAX_ATTEMPTS,
                error,
                utcnow() if status != "pending" else None,
                int(row["id"]),
            )
        done += status != "pending"
    return done
