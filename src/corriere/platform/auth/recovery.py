"""Password recovery by username or e-mail: a one-time link by e-mail, the same answer either way."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from corriere.platform.audit.services import audit_record
from corriere.platform.auth.policy import password_check
from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import database
from corriere.platform.errors import ValidationError
from corriere.platform.mail.services import mail_queue
from corriere.platform.passwords import password_hash
from corriere.platform.settings import Settings

MAX_REQUESTS_PER_HOUR = 3
INVALID_LINK = "Il link non è valido o è scaduto: richiedi un nuovo link di recupero"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def password_reset_request(
    *,
    settings: Settings,
    identifier: str,
    operator_id: int | None = None,
    reason: str = "",
) -> None:
    """E-mail a reset link to the account named by username or e-mail, if there is one.

    Says nothing either way, so the form cannot be used to find out who has an account."""
    key = identifier.strip().lower()
    if not key:
        return
    now = utcnow()
    async with database().transaction() as tx:
        account = await tx.fetchrow(
            "SELECT id, username, email, locale FROM account WHERE is_system = false"
            " AND status IN ('active', 'pending') AND (username_key = $1 OR lower(email) = $1)"
            " ORDER BY id LIMIT 1",
            key,
        )
        if account is None:
            return
        recent = int(
            await tx.fetchval(
                "SELECT count(*) FROM password_reset WHERE account = $1 AND created_at > $2",
                account["id"],
                now - timedelta(hours=1),
            )
        )
        if recent >= MAX_REQUESTS_PER_HOUR and operator_id is None:
            return  # silently: the mailbox is not flooded, the answer stays the same
        token = secrets.token_urlsafe(32)
        await tx.insert_many(
            "password_reset",
            ("account", "token_hash", "created_at", "expires_at"),
            [
                (
                    account["id"],
                    _digest(token),
                    now,
                    now + timedelta(minutes=settings.password_reset_minutes),
                )
            ],
        )
        await mail_queue(
            tx,
            recipients=[account["email"]],
            kind="password_reset",
            locale=account["locale"],
            account_id=int(account["id"]),
            context={
                "username": account["username"],
                "minutes": settings.password_reset_minutes,
                "reset_url": f"{settings.public_base_url.rstrip('/')}/recupera/{token}",
            },
        )
        if operator_id is not None:
            await audit_record(
                tx,
                operator_id=operator_id,
                account_id=int(account["id"]),
                action="password_reset_sent",
                reason=reason,
            )


async def password_reset_username(token: str) -> str:
    """The username a valid reset link belongs to (for the form), or a ValidationError."""
    row = await database().fetchrow(
        "SELECT a.username, r.expires_at, r.used_at FROM password_reset r"
        " JOIN account a ON a.id = r.account WHERE r.token_hash = $1",
        _digest(token),
    )
    if row is None or row["used_at"] is not None or as_utc(row["expires_at"]) < utcnow():
        raise ValidationError(INVALID_LINK, field="token")
    return str(row["username"])


async def password_reset_complete(*, token: str, new_password: str) -> int:
    """Set the new password, spend the link (and every other), end every session."""
    now = utcnow()
    async with database().transaction() as tx:
        row = await tx.fetchrow(
            "SELECT r.id, r.account, r.expires_at, r.used_at, a.username, a.email FROM"
            " password_reset r JOIN account a ON a.id = r.account WHERE r.token_hash = $1",
            _digest(token),
        )
        if row is None or row["used_at"] is not None or as_utc(row["expires_at"]) < now:
            raise ValidationError(INVALID_LINK, field="token")
        password_check(new_password, username=row["username"], email=row["email"])
        await tx.execute(
            "UPDATE account SET password_hash = $1, session_epoch = session_epoch + 1"
            " WHERE id = $2",
            password_hash(new_password),
            row["account"],
        )
        await tx.execute(
            "UPDATE password_reset SET used_at = $1 WHERE account = $2 AND used_at IS NULL",
            now,
            row["account"],
        )
    return int(row["account"])
