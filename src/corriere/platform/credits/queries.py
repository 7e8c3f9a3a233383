"""The ledger as the customer reads it (RICARICHE RECENTI / history), with filters and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corriere.platform.accounts.queries import LedgerRow
from corriere.platform.db import database

TOP_UPS = ("trial", "purchase", "adjustment", "transfer_in", "refund")


@dataclass(frozen=True, slots=True)
class LedgerPage:
    rows: list[LedgerRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def ledger_page(
    account_id: int,
    *,
    kinds: tuple[str, ...] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> LedgerPage:
    where = ["l.account = $1"]
    args: list[Any] = [account_id]
    if kinds:
        marks = ", ".join(f"${len(args) + i + 1}" for i in range(len(kinds)))
        where.append(f"l.kind IN ({marks})")
        args.extend(kinds)
    if since is not None:
        args.append(since)
        where.append(f"l.created_at >= ${len(args)}")
    if until is not None:
        args.append(until)
        where.append(f"l.created_at < ${len(args)}")
    clause = " AND ".join(where)
    db = database()
    page = max(1, page)
    # The count rides along as an uncorrelated subquery, which both databases run once (it reads
    # only the index); a window count would make SQLite sort the account's whole ledger. Only a
    # page past the end, which returns no row to carry it, asks again.
    count = f"SELECT count(*) AS n FROM ledger_entry l WHERE {clause}"
    # The columns in LedgerRow's order, then the count. Both drivers hand back ints as ints
    # and created_at as an aware UTC datetime (SQLite through our TIMESTAMPTZ converter).
    rows = await db.lookup_values(
        "SELECT l.id, l.kind, l.amount, l.balance_after, l.reason,"
        " o.username AS operator_name, c.username AS counterparty_name, l.campaign_id,"
        f" l.created_at, ({count}) AS total"
        " FROM ledger_entry l LEFT JOIN operator o ON o.id = l.operator"
        f" LEFT JOIN account c ON c.id = l.counterparty WHERE {clause}"
        f" ORDER BY l.id DESC LIMIT {int(per_page)} OFFSET {int((page - 1) * per_page)}",
        *args,
    )
    if rows:
        total = int(rows[0][9])
    elif page == 1:
        total = 0
    else:
        counted = await db.lookup_row(count, *args)
        total = int(counted["n"]) if counted else 0
    return LedgerPage(
        rows=[LedgerRow._make(r[:9]) for r in rows],
        total=total,
        page=page,
        per_page=per_page,
    )
