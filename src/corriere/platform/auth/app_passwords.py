"""Application passwords (PASSWORD APPLICATIVE): API keys for the customer's own software."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import database
from corriere.platform.errors import NotFoundError, ValidationError

MAX_ACTIVE = 20


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AppPasswordCreated:
    id: int
    label: str
    secret: str  # shown once, never stored


@dataclass(frozen=True, slots=True)
class AppPasswordRow:
    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


async def app_password_create(*, account_id: int, label: str) -> AppPasswordCreated:
    label = label.strip()
    if not 1 <= len(label) <= 80:
        raise ValidationError("Indicare un'etichetta (al massimo 80 caratteri)", field="label")
    secret = "cor_" + secrets.token_urlsafe(30)
    async with database().transaction() as tx:
        active = int(
            await tx.fetchval(
                "SELECT count(*) FROM app_password WHERE account = $1 AND revoked_at IS NULL",
                account_id,
            )
        )
        if active >= MAX_ACTIVE:
            raise ValidationError(
                f"Puoi avere al massimo {MAX_ACTIVE} password applicative attive: revocane una",
                field="label",
            )
        new_id = await tx.fetchval(
            "INSERT INTO app_password (account, label, prefix, secret_hash, created_at)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            account_id,
            label,
            secret[:12],
            _digest(secret),
            utcnow(),
        )
    return AppPasswordCreated(int(new_id), label, secret)


async def app_passwords_list(account_id: int) -> list[AppPasswordRow]:
    rows = await database().fetch(
        "SELECT id, label, prefix, created_at, last_used_at FROM app_password"
        " WHERE account = $1 AND revoked_at IS NULL ORDER BY id DESC",
        account_id,
    )
    return [
        AppPasswordRow(
            id=int(r["id"]),
            label=r["label"],
            prefix=r["prefix"],
            created_at=as_utc(r["created_at"]),
            last_used_at=as_utc(r["last_used_at"]) if r["last_used_at"] else None,
        )
        for r in rows
    ]


async def app_password_revoke(*, account_id: int, app_password_id: int) -> None:
    async with database().transaction() as tx:
        count = await tx.execute(
            "UPDATE app_password SET revoked_at = $1 WHERE id = $2 AND account = $3"
            " AND revoked_at IS NULL",
            utcnow(),
            app_password_id,
            account_id,
        )
    if count == 0:
        raise NotFoundError("Password applicativa inesistente")


async def app_password_authenticate(secret: str) -> int | None:
    """The account an API secret belongs to (and note its use), or None."""
    async with database().transaction() as tx:
        row = await tx.fetchrow(
            "UPDATE app_password SET last_used_at = $1 WHERE secret_hash = $2"
            " AND revoked_at IS NULL RETURNING account",
            utcnow(),
            _digest(secret.strip()),
        )
    return int(row["account"]) if row else None
