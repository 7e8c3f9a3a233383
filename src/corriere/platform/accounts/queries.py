"""Reads about accounts, for the support console and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from corriere.platform.clock import as_utc
from corriere.platform.db import database


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    username: str
    email: str
    mobile: str
    name: str
    balance_units: int
    status: str
    created_at: datetime


class LedgerRow(NamedTuple):
    """One ledger entry as pages list them (a named tuple: cheap to build by the page)."""

    id: int
    kind: str
    amount_units: int
    balance_after_units: int
    reason: str
    operator: str | None
    counterparty: str | None
    campaign_id: int | None
    created_at: datetime


_ACCOUNT_COLUMNS = "id, username, email, mobile, first_name, last_name, balance, status, created_at"


def _account(row: dict[str, Any]) -> AccountRow:
    return AccountRow(
        id=int(row["id"]),
        username=row["username"],
        email=row["email"],
        mobile=row["mobile"],
        name=f"{row['first_name']} {row['last_name']}".strip(),
        balance_units=int(row["balance"]),
        status=row["status"],
        created_at=as_utc(row["created_at"]),
    )


async def accounts_search(text: str = "", *, limit: int = 50) -> list[AccountRow]:
    """Accounts whose username, e-mail or mobile contains `text` (case-insensitive)."""
    needle = f"%{text.strip().lower()}%"
    rows = await database().fetch(
        f"SELECT {_ACCOUNT_COLUMNS} FROM account WHERE is_system = false AND ("
        " username_key LIKE $1 OR lower(email) LIKE $1 OR mobile LIKE $1)"
        " ORDER BY username_key LIMIT $2",
        needle,
        limit,
    )
    return [_account(r) for r in rows]


async def account_get(account_id: int) -> AccountRow | None:
    rows = await database().fetch(
        f"SELECT {_ACCOUNT_COLUMNS} FROM account WHERE id = $1", account_id
    )
    return _account(rows[0]) if rows else None


async def ledger_list(account_id: int, *, limit: int = 100) -> list[LedgerRow]:
    rows = await database().fetch(
        "SELECT l.id, l.kind, l.amount, l.balance_after, l.reason, l.campaign_id, l.created_at,"
        " o.username AS operator_name, c.username AS counterparty_name"
        " FROM ledger_entry l LEFT JOIN operator o ON o.id = l.operator"
        " LEFT JOIN account c ON c.id = l.counterparty"
        " WHERE l.account = $1 ORDER BY l.id DESC LIMIT $2",
        account_id,
        limit,
    )
    return [ledger_row(r) for r in rows]


def ledger_row(r: dict[str, Any]) -> LedgerRow:
    """A ledger_entry row joined with its operator's and counterparty's usernames."""
    # Both drivers hand the integer columns back as ints already.
    return LedgerRow(
        r["id"],
        r["kind"],
        r["amount"],
        r["balance_after"],
        r["reason"],
        r["operator_name"],
        r["counterparty_name"],
        r["campaign_id"],
        as_utc(r["created_at"]),
    )


async def ledger_sum(account_id: int) -> int:
    value = await database().fetchval(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger_entry WHERE account = $1", account_id
    )
    return int(value)


@dataclass(frozen=True, slots=True)
class AccountProfile:
    """An account as its owner sees it in the panel."""

    id: int
    username: str
    email: str
    mobile: str
    first_name: str
    last_name: str
    balance_units: int
    api_id: str
    default_prefix: str
    locale: str
    timezone: str
    status: str
    created_at: datetime
    activated_at: datetime | None
    last_login_at: datetime | None


async def account_profile_get(
    account_id: int, *, session_epoch: int | None = None
) -> AccountProfile | None:
    """The account's profile; with `session_epoch`, only if the account's epoch still matches."""
    sql = (
        "SELECT id, username, email, mobile, first_name, last_name, balance, api_id,"
        " default_prefix, locale, timezone, status, created_at, activated_at, last_login_at"
        " FROM account WHERE id = $1 AND is_system = false"
    )
    args: list[Any] = [account_id]
    if session_epoch is not None:
        sql += " AND session_epoch = $2"
        args.append(session_epoch)
    # The columns in AccountProfile's order: both drivers hand back ints as ints and the
    # timestamps as aware UTC datetimes (SQLite through our TIMESTAMPTZ converter), and every
    # signed-in page reads this row.
    rows = await database().lookup_values(sql, *args)
    return AccountProfile(*rows[0]) if rows else None
