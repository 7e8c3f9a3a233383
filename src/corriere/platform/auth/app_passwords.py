"""Application passwords (PASSWORD APPLICATIVE): API keys for the customer's own software."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from corriere.platform.auth.login import MAX_FAILURES_PER_IP
from corriere.platform.auth.login import WINDOW as LOGIN_WINDOW
from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import database
from corriere.platform.errors import (
    AccountInactiveError,
    AccountNotActivatedError,
    LoginFailedError,
    NotFoundError,
    TooManyAttemptsError,
    ValidationError,
)

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


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """The account behind an API call, as read when its credentials were checked."""

    account_id: int
    username: str
    api_id: str
    balance_units: int
    app_password_id: int


# API sign-in failures share the login's table and its per-address limit (one budget for an
# address guessing at either door), under a username of their own ("api:…"): a program
# retrying with a revoked key must not lock its owner out of the panel.
API_EVENT_PREFIX = "api:"
# A program may call many times a second: its last use is written at most once a minute.
LAST_USE_EVERY = timedelta(minutes=1)


async def _api_failures(ip: str, now: datetime) -> int:
    return int(
        await database().fetchval(
            "SELECT count(*) FROM login_event WHERE ip = $1 AND success = false"
            " AND created_at > $2",
            ip,
            now - LOGIN_WINDOW,
        )
    )


async def app_password_authenticate(*, username: str, secret: str, ip: str) -> ApiCaller:
    """The caller of an API: a username and one of that account's application passwords (its
    panel password is no API key). Throttled per client address like the login; records the
    application password's last use."""
    now = utcnow()
    if await _api_failures(ip, now) >= MAX_FAILURES_PER_IP:
        raise TooManyAttemptsError(
            "Troppi tentativi di accesso non riusciti: riprova tra 15 minuti"
        )
    key = username.strip().lower()
    row = await database().fetchrow(
        "SELECT p.id, p.last_used_at, a.id AS account, a.username, a.status, a.api_id,"
        " a.balance"
        " FROM app_password p JOIN account a ON a.id = p.account"
        " WHERE p.secret_hash = $1 AND p.revoked_at IS NULL AND a.username_key = $2"
        " AND a.is_system = false",
        _digest(secret.strip()),
        key,
    )
    if row is None:
        async with database().transaction() as tx:
            await tx.insert_many(
                "login_event",
                ("account", "username", "ip", "success", "created_at"),
                [(None, (API_EVENT_PREFIX + key)[:64], ip[:64], False, now)],
            )
        raise LoginFailedError("Username o password applicativa non corretti")
    account_id = int(row["account"])
    if row["status"] == "pending":
        raise AccountNotActivatedError(
            "L'account non è ancora attivo: inserisci il codice che ti abbiamo inviato via SMS",
            account_id=account_id,
        )
    if row["status"] != "active":
        raise AccountInactiveError("L'account è bloccato: contatta l'assistenza")
    last_used = row["last_used_at"]
    if last_used is None or as_utc(last_used) <= now - LAST_USE_EVERY:
        async with database().transaction() as tx:
            await tx.execute(
                "UPDATE app_password SET last_used_at = $1 WHERE id = $2", now, int(row["id"])
            )
    return ApiCaller(
        account_id=account_id,
        username=row["username"],
        api_id=row["api_id"],
        balance_units=int(row["balance"]),
        app_password_id=int(row["id"]),
    )
