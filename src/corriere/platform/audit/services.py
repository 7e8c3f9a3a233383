"""The audit log of support actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import Tx, database


async def audit_record(
    tx: Tx,
    *,
    operator_id: int | None,
    account_id: int | None,
    action: str,
    reason: str = "",
    details: str = "",
) -> None:
    await tx.insert_many(
        "audit_log",
        ("operator", "account", "action", "reason", "details", "created_at"),
        [(operator_id, account_id, action, reason, details, utcnow())],
    )


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    operator: str | None
    account: str | None
    action: str
    reason: str
    details: str
    created_at: datetime


async def audit_list(*, account_id: int | None = None, limit: int = 200) -> list[AuditRow]:
    sql = (
        "SELECT a.id, o.username AS operator_name, c.username AS account_name, a.action,"
        " a.reason, a.details, a.created_at FROM audit_log a"
        " LEFT JOIN operator o ON o.id = a.operator LEFT JOIN account c ON c.id = a.account"
    )
    args: list[object] = []
    if account_id is not None:
        sql += " WHERE a.account = $1"
        args.append(account_id)
    sql += f" ORDER BY a.id DESC LIMIT {int(limit)}"
    return [
        AuditRow(
            id=int(r["id"]),
            operator=r["operator_name"],
            account=r["account_name"],
            action=r["action"],
            reason=r["reason"],
            details=r["details"],
            created_at=as_utc(r["created_at"]),
        )
        for r in await database().fetch(sql, *args)
    ]
