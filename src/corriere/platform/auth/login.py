"""Sign-in: credentials checked without telling whether a username exists, throttled per username
(from each address, and with a higher limit from anywhere) and per address, and the check each
request makes that its session is still valid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from corriere.platform.accounts.queries import AccountProfile, account_profile_get
from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import database
from corriere.platform.errors import (
    AccountInactiveError,
    AccountNotActivatedError,
    LoginFailedError,
    TooManyAttemptsError,
)
from corriere.platform.passwords import password_hash, password_verify

WINDOW = timedelta(minutes=15)
# Wrong passwords within WINDOW before sign-in stops: per username from one address (the
# lock a mistyping user meets), per address whatever the username (a guesser trying many
# names), and per username from anywhere. The last is high so that nobody can lock a victim
# out with a handful of wrong passwords: it takes this many, and each address gives at most
# MAX_FAILURES_PER_USERNAME of them before its own lock stops it.
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20
MAX_FAILURES_PER_USERNAME_ANYWHERE = 50
# Verified against when the username does not exist, so both cases take as long.
_DUMMY_HASH = password_hash("not-a-real-password-0")


@dataclass(frozen=True, slots=True)
class SignedIn:
    account_id: int
    username: str
    locale: str
    timezone: str
    session_epoch: int


async def _throttled(username: str, ip: str) -> bool:
    """Too many recent wrong passwords for this username from this address, from this address,
    or for this username from anywhere (one query: sign-in is on every session's path)."""
    row = await database().fetchrow(
        "SELECT"
        " count(CASE WHEN username = $1 AND ip = $2 THEN 1 END) AS pair,"
        " count(CASE WHEN ip = $2 THEN 1 END) AS address,"
        " count(CASE WHEN username = $1 THEN 1 END) AS anywhere"
        " FROM login_event WHERE (username = $1 OR ip = $2) AND success = false"
        " AND created_at > $3",
        username,
        ip,
        utcnow() - WINDOW,
    )
    assert row is not None
    return (
        int(row["pair"]) >= MAX_FAILURES_PER_USERNAME
        or int(row["address"]) >= MAX_FAILURES_PER_IP
        or int(row["anywhere"]) >= MAX_FAILURES_PER_USERNAME_ANYWHERE
    )


async def _record(account_id: int | None, username: str, ip: str, success: bool) -> None:
    async with database().transaction() as tx:
        await tx.insert_many(
            "login_event",
            ("account", "username", "ip", "success", "created_at"),
            [(account_id, username[:64], ip[:64], success, utcnow())],
        )
        if success and account_id is not None:
            await tx.execute(
                "UPDATE account SET last_login_at = $1 WHERE id = $2", utcnow(), account_id
            )


async def login_attempt(*, username: str, password: str, ip: str) -> SignedIn:
    # Pasted credentials often carry spaces at either end (the manual's first piece of advice).
    key = username.strip().lower()
    password = password.strip()
    if await _throttled(key[:64], ip[:64]):
        raise TooManyAttemptsError(
            "Troppi tentativi di accesso non riusciti: riprova tra 15 minuti"
        )
    row = await database().fetchrow(
        "SELECT id, username, password_hash, status, locale, timezone, session_epoch"
        " FROM account WHERE username_key = $1 AND is_system = false",
        key,
    )
    if row is None or not password_verify(row["password_hash"], password):
        if row is None:
            password_verify(_DUMMY_HASH, password)
        await _record(int(row["id"]) if row else None, key, ip, False)
        raise LoginFailedError("Username o password non corretti. Riprova.")
    if row["status"] == "pending":
        raise AccountNotActivatedError(
            "L'account non è ancora attivo: inserisci il codice che ti abbiamo inviato via SMS",
            account_id=int(row["id"]),
        )
    if row["status"] != "active":
        raise AccountInactiveError("L'account è bloccato: contatta l'assistenza")
    await _record(int(row["id"]), key, ip, True)
    return SignedIn(
        account_id=int(row["id"]),
        username=row["username"],
        locale=row["locale"],
        timezone=row["timezone"],
        session_epoch=int(row["session_epoch"]),
    )


@dataclass(frozen=True, slots=True)
class SessionAccount:
    account_id: int
    username: str
    locale: str
    timezone: str
    profile: AccountProfile


async def session_account(account_id: int, session_epoch: int) -> SessionAccount | None:
    """The signed-in account if the session is still valid (active, password unchanged), with
    its profile: one query serves both the check and the page."""
    profile = await account_profile_get(account_id, session_epoch=session_epoch)
    if profile is None or profile.status != "active":
        return None
    return SessionAccount(account_id, profile.username, profile.locale, profile.timezone, profile)


@dataclass(frozen=True, slots=True)
class LoginRow:
    ip: str
    success: bool
    created_at: datetime


async def login_events(account_id: int, *, limit: int = 20) -> list[LoginRow]:
    rows = await database().fetch(
        "SELECT ip, success, created_at FROM login_event WHERE account = $1"
        " ORDER BY id DESC LIMIT $2",
        account_id,
        limit,
    )
    return [LoginRow(r["ip"], bool(r["success"]), as_utc(r["created_at"])) for r in rows]
