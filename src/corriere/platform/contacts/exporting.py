"""ESPORTARE I CONTATTI: the address book, a group or a search as .xlsx or .csv, in the order the
list shows them.

The headers are the import's (the manual's example sheet plus the active variables), so an export
imports back unchanged. Text that a spreadsheet would run as a formula (=, +, -, @ first) gets an
apostrophe in front, which the import removes again. Rows are read a few thousand at a time: the
CSV streams as it is read; the .xlsx (our own streaming writer, `xlsx_writer`) goes to a
temporary file first, since a zip's directory comes at its end, and is then streamed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import IO, Any

from corriere.platform.contacts.fields import FIELDS
from corriere.platform.contacts.queries import ORDER, ContactFilter, Sort, filter_sql
from corriere.platform.contacts.xlsx_writer import XlsxWriter
from corriere.platform.db import database

CHUNK = 5000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_COLUMNS = (
    "c.id, c.first_name, c.last_name, c.mobile, c.gender, c.address, c.city, c.province,"
    " c.birth_date, c.landline, c.email, c.notes, c.birthday_sms, c.variables, c.first_key,"
    " c.last_key"
)


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as it is, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_headers(variable_names: Sequence[str]) -> list[str]:
    return [header for _, header in FIELDS] + list(variable_names)


def _page_sql(sort: Sort | None, first_mark: int) -> tuple[str, str]:
    """The condition that continues after the previous chunk's last row (keyset paging, so a
    chunk never reads the rows before it again) and the order, for `sort`: the list's orders,
    or (None) the order the contacts were added in."""
    if sort == "surname":
        marks = ", ".join(f"${first_mark + i}" for i in range(3))
        return f"(c.last_key, c.first_key, c.mobile) > ({marks})", ORDER["surname"]
    if sort == "recent":
        return f"c.id < ${first_mark}", "c.id DESC"
    return f"c.id > ${first_mark}", "c.id"


def _start(sort: Sort | None) -> list[Any]:
    if sort == "surname":
        return ["", "", ""]  # every number is longer than ""
    return [2**63 - 1] if sort == "recent" else [0]


def _after(sort: Sort | None, row: dict[str, Any]) -> list[Any]:
    if sort == "surname":
        return [row["last_key"], row["first_key"], row["mobile"]]
    return [int(row["id"])]


async def export_rows(
    account_id: int,
    flt: ContactFilter,
    variable_names: Sequence[str],
    *,
    sort: Sort | None = None,
) -> AsyncIterator[list[list[Any]]]:
    """The matching contacts in the export's column order, a chunk at a time, in the list's
    `sort` (None: oldest first). Text is formula-safe; the birth date stays a `date`."""
    db = database()
    clause, args = filter_sql(db.kind, account_id, flt)
    after, order = _page_sql(sort, len(args) + 1)
    last = _start(sort)
    while True:
        rows = await db.fetch(
            f"SELECT {_COLUMNS} FROM contact c WHERE {clause} AND {after}"
            f" ORDER BY {order} LIMIT {CHUNK}",
            *args,
            *last,
        )
        if not rows:
            return
        chunk = []
        for r in rows:
            values = json.loads(r["variables"] or "{}")
            birth = r["birth_date"]
            if isinstance(birth, str):
                birth = date.fromisoformat(birth) if birth else None
            chunk.append(
                [
                    safe_text(r["first_name"]),
                    safe_text(r["last_name"]),
                    r["mobile"].lstrip("+"),  # the manual's complete form: 393351234567
                    r["gender"],
                    safe_text(r["address"]),
                    safe_text(r["city"]),
                    r["province"],
                    birth,
                    safe_text(r["landline"]),
                    safe_text(r["email"]),
                    safe_text(r["notes"]),
                    "X" if r["birthday_sms"] else "",
                    *(safe_text(str(values.get(name, ""))) for name in variable_names),
                ]
            )
        yield chunk
        last = _after(sort, rows[-1])


async def export_csv(
    account_id: int,
    flt: ContactFilter,
    variable_names: Sequence[str],
    *,
    sort: Sort | None = None,
) -> AsyncIterator[bytes]:
    """UTF-8 with BOM and semicolons, as Excel in Italy opens it; dates as DD/MM/YYYY."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(export_headers(variable_names))
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    async for chunk in export_rows(account_id, flt, variable_names, sort=sort):
        buffer.seek(0)
        buffer.truncate()
        for row in chunk:
            if row[7] is not None:
                row[7] = row[7].strftime("%d/%m/%Y")
            writer.writerow(row)
        yield buffer.getvalue().encode("utf-8")


async def export_xlsx(
    account_id: int,
    flt: ContactFilter,
    variable_names: Sequence[str],
    *,
    sort: Sort | None = None,
) -> IO[bytes]:
    """The .xlsx in a temporary file (deleted when closed), positioned at its start."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller closes it
    try:
        sheet = XlsxWriter(out, export_headers(variable_names))
        async for chunk in export_rows(account_id, flt, variable_names, sort=sort):
            # Plain CPU work: off the event loop, so the server keeps serving meanwhile.
            await asyncio.to_thread(sheet.write, chunk)
        await asyncio.to_thread(sheet.close)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def file_chunks(handle: IO[bytes], size: int = 256 * 1024) -> AsyncIterator[bytes]:
    """A file's bytes, a chunk at a time, closing it at the end."""

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while data := await asyncio.to_thread(handle.read, size):
                yield data
        finally:
            handle.close()

    return chunks()


def export_filename(base: str, extension: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in base).strip("-") or "rubrica"
    return f"{safe[:60]}.{extension}"
