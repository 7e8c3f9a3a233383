"""An import as its owner (or support) reads it: progress, result, and the report's rows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from corriere.platform.clock import as_utc
from corriere.platform.db import database


@dataclass(frozen=True, slots=True)
class ImportRow:
    id: int
    account_id: int
    username: str
    status: str  # pending / running / done / failed
    kind: str
    filename: str
    group_id: int | None
    group_name: str
    prefix: str
    total_rows: int
    processed_rows: int
    imported: int
    updated: int
    rejected: int
    warnings: int
    understood: list[str]
    unknown: list[str]
    inactive: list[str]
    header: list[str]
    other_sheets: int
    error: str
    error_params: dict[str, str]
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))


_SELECT = (
    "SELECT i.id, i.account, a.username, i.status, i.kind, i.filename, i.contact_group,"
    " COALESCE(g.name, i.new_group) AS group_name, i.prefix, i.total_rows, i.processed_rows,"
    " i.imported, i.updated, i.rejected, i.warnings, i.columns, i.unknown_columns, i.error,"
    " i.error_params, i.created_at, i.finished_at FROM contact_import i"
    " JOIN account a ON a.id = i.account LEFT JOIN contact_group g ON g.id = i.contact_group"
)


def _row(r: dict[str, Any]) -> ImportRow:
    columns = json.loads(r["columns"] or "{}")
    return ImportRow(
        id=int(r["id"]),
        account_id=int(r["account"]),
        username=r["username"],
        status=r["status"],
        kind=r["kind"],
        filename=r["filename"],
        group_id=int(r["contact_group"]) if r["contact_group"] is not None else None,
        group_name=r["group_name"] or "",
        prefix=r["prefix"],
        total_rows=int(r["total_rows"]),
        processed_rows=int(r["processed_rows"]),
        imported=int(r["imported"]),
        updated=int(r["updated"]),
        rejected=int(r["rejected"]),
        warnings=int(r["warnings"]),
        understood=list(columns.get("understood", [])),
        unknown=list(json.loads(r["unknown_columns"] or "[]")),
        inactive=list(columns.get("inactive", [])),
        header=[str(h) for h in columns.get("header", [])],
        other_sheets=int(columns.get("other_sheets", 0)),
        error=r["error"],
        error_params=json.loads(r["error_params"] or "{}"),
        created_at=as_utc(r["created_at"]),
        finished_at=as_utc(r["finished_at"]) if r["finished_at"] else None,
    )


async def import_get(account_id: int, import_id: int) -> ImportRow | None:
    row = await database().fetchrow(
        f"{_SELECT} WHERE i.id = $1 AND i.account = $2", import_id, account_id
    )
    return _row(row) if row else None


async def imports_list(account_id: int | None = None, *, limit: int = 20) -> list[ImportRow]:
    """The latest imports of an account (or of every account, for support)."""
    if account_id is None:
        rows = await database().fetch(f"{_SELECT} ORDER BY i.id DESC LIMIT {int(limit)}")
    else:
        rows = await database().fetch(
            f"{_SELECT} WHERE i.account = $1 ORDER BY i.id DESC LIMIT {int(limit)}", account_id
        )
    return [_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class ReportLine:
    """A row of the report: rejected (with why), or imported with cells left out."""

    row_number: int
    status: str  # rejected / duplicate / new / update
    mobile: str
    value: str
    reason: str  # Italian template
    reason_params: dict[str, str]
    issues: list[tuple[str, str, str]] = field(default_factory=list)  # (column, value, reason)
    original: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.status in ("rejected", "duplicate")


def _line(r: dict[str, Any]) -> ReportLine:
    return ReportLine(
        row_number=int(r["row_number"]),
        status=r["status"],
        mobile=r["mobile"],
        value=r["value"],
        reason=r["reason"],
        reason_params=json.loads(r["reason_params"] or "{}"),
        issues=[(str(c), str(v), str(w)) for c, v, w in json.loads(r["issues"] or "[]")],
        original=list(json.loads(r["original"] or "[]")),
    )


_LINE_COLUMNS = "row_number, status, mobile, value, reason, reason_params, issues, original"


async def import_report(
    account_id: int, import_id: int, *, rejected: bool, page: int = 1, per_page: int = 100
) -> tuple[list[ReportLine], int]:
    """A page of the rejected rows (or of the rows imported with cells left out) and their total."""
    where = (
        "r.status IN ('rejected', 'duplicate')"
        if rejected
        else "r.status IN ('new', 'update') AND r.issues <> ''"
    )
    owned = "r.contact_import = $1 AND EXISTS (SELECT 1 FROM contact_import i WHERE i.id = $1 AND i.account = $2)"
    db = database()
    async with db.reading() as tx:
        total = int(
            await tx.fetchval(
                f"SELECT count(*) FROM import_row r WHERE {owned} AND {where}",
                import_id,
                account_id,
            )
        )
        rows = await tx.fetch(
            f"SELECT {_LINE_COLUMNS} FROM import_row r WHERE {owned} AND {where}"
            f" ORDER BY r.row_number LIMIT {int(per_page)} OFFSET {int((max(1, page) - 1) * per_page)}",
            import_id,
            account_id,
        )
    return [_line(r) for r in rows], total


async def import_rejections_all(account_id: int, import_id: int) -> AsyncIterator[ReportLine]:
    """Every rejected row, in file order, a thousand at a time (for the download)."""
    last = -1
    while True:
        rows = await database().fetch(
            f"SELECT {_LINE_COLUMNS} FROM import_row r WHERE r.contact_import = $1"
            " AND EXISTS (SELECT 1 FROM contact_import i WHERE i.id = $1 AND i.account = $2)"
            " AND r.status IN ('rejected', 'duplicate') AND r.row_number > $3"
            " ORDER BY r.row_number LIMIT 1000",
            import_id,
            account_id,
            last,
        )
        if not rows:
            return
        for r in rows:
            yield _line(r)
        last = int(rows[-1]["row_number"])
