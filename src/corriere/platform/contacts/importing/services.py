"""IMPORTARE I CONTATTI: an import is stored with its file, then run in the background.

Running it reads and checks every row into `import_row` (short transactions, progress visible),
and applies them to the address book in one transaction (`book_writer`): new numbers inserted,
known numbers updated (cells present overwrite, empty cells erase nothing), all of them added to
the group.
A file that cannot be imported changes nothing; a partly invalid one imports its valid rows and
keeps the others, with their reasons, for the report.

Every step forward refreshes the import's `progressed_at`: an import that stops moving has lost
its job, and `stale.contact_imports_reap` marks it failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from corriere.platform.clock import utcnow
from corriere.platform.contacts.importing.apply import ImportAbandoned
from corriere.platform.contacts.importing.book_writer import BookWriter
from corriere.platform.contacts.importing.readers import (
    ImportRefused,
    Sheet,
    open_sheet,
    pasted_sheet,
    sniff_kind,
)
from corriere.platform.contacts.importing.staging import (
    ROW_COLUMNS,
    first_row,
    read_layout,
    staged_rows,
)
from corriere.platform.contacts.importing.stale import import_mark_failed
from corriere.platform.contacts.queries import variables_list
from corriere.platform.db import database
from corriere.platform.errors import CorriereError, NotFoundError, ValidationError
from corriere.platform.ports import Scheduler
from corriere.platform.settings import Settings

log = logging.getLogger("corriere.contacts.import")

CHUNK = 5000
_ROW_NUMBER = ROW_COLUMNS.index("row_number")
UPLOAD_PART = 4 * 1024 * 1024  # bytes of the stored file per row of import_upload
MAX_PASTE = 1_000_000  # characters
NOT_STARTED = "Non è stato possibile avviare l'importazione: riprova tra qualche minuto"


@dataclass(frozen=True, slots=True)
class ImportTarget:
    """Where imported contacts go: the address book alone, a group, or a group to create."""

    group_id: int | None = None
    new_group: str = ""


def _prefix(value: str) -> str:
    prefix = value.strip().lstrip("+")
    if prefix and not (prefix.isdigit() and 1 <= len(prefix) <= 3):
        raise ValidationError("Prefisso internazionale non valido (es. 39)", field="prefix")
    return prefix


async def contact_import_start(
    *,
    account_id: int,
    filename: str = "",
    data: bytes | None = None,
    pasted: str | None = None,
    target: ImportTarget = ImportTarget(),
    prefix: str = "",
    settings: Settings,
) -> int:
    """Check what can be checked at once (a file that is empty, too big or not a spreadsheet;
    the group), store the import with its file and return its id; then `contact_import_enqueue`
    hands it to the workers."""
    prefix = _prefix(prefix)
    if pasted is not None:
        if not pasted.strip():
            raise ValidationError("Inserisci almeno un numero, uno per riga", field="pasted")
        if len(pasted) > MAX_PASTE:
            raise ValidationError(
                "Il testo incollato è troppo lungo: usa l'importazione da file", field="pasted"
            )
        kind, payload = "paste", pasted.encode("utf-8")
    else:
        if data is None or not data:
            raise ImportRefused("Il file è vuoto", field="file")
        if len(data) > settings.import_max_bytes:
            raise ImportRefused(
                "Il file supera la dimensione massima di %(size)s MB",
                field="file",
                params={"size": str(settings.import_max_bytes // (1024 * 1024))},
            )
        try:
            kind = sniff_kind(data)
        except ImportRefused as exc:
            exc.field = "file"
            raise
        payload = data
    new_group = " ".join(target.new_group.split())
    async with database().transaction() as tx:
        group_id = target.group_id
        if group_id is not None:
            owned = await tx.fetchval(
                "SELECT id FROM contact_group WHERE id = $1 AND account = $2", group_id, account_id
            )
            if owned is None:
                raise NotFoundError("Gruppo inesistente", field="group")
        elif new_group:
            taken = await tx.fetchval(
                "SELECT id FROM contact_group WHERE account = $1 AND name_key = $2",
                account_id,
                new_group.lower(),
            )
            if taken is not None:
                group_id = int(taken)  # importing "into Clienti" when Clienti exists: that group
        import_id = int(
            await tx.fetchval(
                "INSERT INTO contact_import (account, status, kind, filename, contact_group,"
                " new_group, prefix, total_rows, processed_rows, imported, updated, rejected,"
                " warnings, columns, unknown_columns, error, error_params, created_at,"
                " progressed_at) VALUES ($1, 'pending', $2, $3, $4, $5, $6, 0, 0, 0, 0, 0, 0,"
                " '{}', '[]', '', '{}', $7, $7) RETURNING id",
                account_id,
                kind,
                filename[:255],
                group_id,
                new_group if group_id is None else "",
                prefix,
                utcnow(),
            )
        )
        parts = [
            (import_id, n, payload[start : start + UPLOAD_PART])
            for n, start in enumerate(range(0, len(payload), UPLOAD_PART))
        ]
        await tx.insert_many("import_upload", ("contact_import", "part", "data"), parts)
    return import_id


async def contact_import_enqueue(*, import_id: int, scheduler: Scheduler) -> None:
    """Hand a stored import to the workers; when that fails (the queue unreachable), the import
    is marked failed and its file deleted, and ImportRefused says to retry later."""
    try:
        await scheduler.import_contacts(import_id)
    except Exception as exc:
        log.exception("could not enqueue import %s", import_id)
        refused = ImportRefused(NOT_STARTED)
        await _fail(import_id, refused)
        raise refused from exc


async def _download(import_id: int) -> BinaryIO | None:
    """The import's file, part by part into a temporary file (so a big file is never held in
    memory whole); None when it is gone."""
    db = database()
    handle = cast(BinaryIO, tempfile.TemporaryFile())  # noqa: SIM115 - the caller closes it
    part = 0
    while True:
        chunk = await db.fetchval(
            "SELECT data FROM import_upload WHERE contact_import = $1 AND part = $2",
            import_id,
            part,
        )
        if chunk is None:
            break
        await asyncio.to_thread(handle.write, chunk)
        del chunk
        part += 1
    if part == 0:
        handle.close()
        return None
    handle.seek(0)
    return handle


class _Abandoned(Exception):
    """The import is no longer running (marked failed as stale meanwhile): stop, change nothing."""


async def contact_import_run(*, import_id: int, settings: Settings) -> int:
    """Run a stored import to the end (the background job); how many contacts it added or
    updated (0 if it failed). Safe to run again: a finished import is left alone, an
    interrupted one starts over. Then call `contacts_book_vacuum` with that number."""
    async with database().transaction() as tx:
        claimed = await tx.execute(
            "UPDATE contact_import SET status = 'running', started_at = $1, progressed_at = $1,"
            " processed_rows = 0 WHERE id = $2 AND status IN ('pending', 'running')",
            utcnow(),
            import_id,
        )
        if not claimed:  # finished, or marked failed as stale
            return 0
        row = await tx.fetchrow(
            "SELECT account, kind, prefix, contact_group, new_group FROM contact_import"
            " WHERE id = $1",
            import_id,
        )
        assert row is not None
        await tx.execute("DELETE FROM import_row WHERE contact_import = $1", import_id)
    handle = await _download(import_id)
    if handle is None:
        await _fail(import_id, ImportRefused("Il file dell'importazione non è più disponibile"))
        return 0
    try:
        return await _run(import_id, row, handle, settings)
    finally:
        handle.close()


async def _run(import_id: int, row: dict[str, Any], handle: BinaryIO, settings: Settings) -> int:
    account_id = int(row["account"])
    new_group = row["new_group"]
    writer = BookWriter(import_id, account_id, row["contact_group"], new_group)
    try:
        if row["kind"] == "paste":
            sheet = pasted_sheet(handle.read().decode("utf-8"))
        else:
            sheet = await asyncio.to_thread(
                open_sheet, handle, row["kind"], max_uncompressed=settings.import_max_uncompressed
            )
        writer.start()
        try:
            await _stage(import_id, account_id, sheet, row["prefix"], settings, writer)
        except BaseException:
            await writer.abort()
            raise
        return await writer.finish()
    except (_Abandoned, ImportAbandoned):
        log.warning("import %s was marked failed while it ran: stopped", import_id)
        return 0
    except CorriereError as exc:
        await _fail(import_id, exc)
        return 0
    except Exception:
        log.exception("import %s failed", import_id)
        await _fail(
            import_id,
            ImportRefused(
                "Errore imprevisto durante l'importazione: nessun contatto è stato modificato"
            ),
        )
        raise


async def _stage(
    import_id: int,
    account_id: int,
    sheet: Sheet,
    prefix: str,
    settings: Settings,
    writer: BookWriter,
) -> None:
    variables = await variables_list(account_id)
    number, header = first_row(sheet)
    layout = read_layout(
        header,
        active_variables=[v.name for v in variables if v.active],
        inactive_variables=[v.name for v in variables if not v.active],
    )
    db = database()
    info = {
        "other_sheets": sheet.other_sheets,
        "inactive": layout.inactive,
        "header": layout.header,
    }
    async with db.transaction() as tx:
        moved = await tx.execute(
            "UPDATE contact_import SET columns = $1, unknown_columns = $2, total_rows = $3,"
            " progressed_at = $4 WHERE id = $5 AND status = 'running'",
            json.dumps({"understood": layout.understood, **info}, ensure_ascii=False),
            json.dumps(layout.unknown, ensure_ascii=False),
            max(0, sheet.estimate - number),
            utcnow(),
            import_id,
        )
    if not moved:
        raise _Abandoned
    chunk: list[tuple[object, ...]] = []
    read = 0
    # One chunk is written while the next is read: the database stores rows on its own (the
    # server process, or SQLite's thread out of the GIL) while this loop parses the next ones,
    # and (PostgreSQL) the book writer inserts the new numbers of the chunk stored before.
    # A write is never cancelled with the job (SAQ's timeout): cancelled as it begins its
    # transaction, it would keep its pooled connection, idle in that transaction, for good.
    writing: asyncio.Task[int] | None = None
    in_flight: tuple[int, int] = (0, 0)  # the row numbers of the chunk being written
    rows = staged_rows(
        sheet, import_id, layout, prefix, max_rows=settings.import_max_rows, after=number
    )
    try:
        for staged in rows:
            chunk.append(staged)
            if len(chunk) >= CHUNK:
                if writing is not None:
                    await asyncio.shield(writing)
                    writer.stored(*in_flight)
                read += len(chunk)
                in_flight = (_row_number(chunk[0]), _row_number(chunk[-1]))
                writing = asyncio.create_task(_write(import_id, chunk, read))
                chunk = []
                await asyncio.sleep(0)  # let the write start before parsing on
        if writing is not None:
            await asyncio.shield(writing)
            writer.stored(*in_flight)
            writing = None
        read += len(chunk)
        if chunk:
            writing = asyncio.create_task(_write(import_id, chunk, read))
            await asyncio.shield(writing)
            writer.stored(_row_number(chunk[0]), _row_number(chunk[-1]))
            writing = None
    finally:
        if writing is not None:  # reading failed, or the job was cancelled: let the write end
            with contextlib.suppress(Exception):
                await writing
    if read == 0:
        raise ImportRefused("Il file non contiene righe da importare dopo le intestazioni")


def _row_number(staged: tuple[object, ...]) -> int:
    return cast(int, staged[_ROW_NUMBER])


async def _write(import_id: int, chunk: list[tuple[object, ...]], read: int) -> int:
    """Store a chunk of checked rows; `read` is how many rows have been read so far."""
    if not chunk:
        return 0
    async with database().transaction() as tx:
        # Each chunk stored is the progress the stale-imports task looks for.
        moved = await tx.execute(
            "UPDATE contact_import SET processed_rows = $1, progressed_at = $2"
            " WHERE id = $3 AND status = 'running'",
            read,
            utcnow(),
            import_id,
        )
        if not moved:
            raise _Abandoned
        await tx.insert_many("import_row", ROW_COLUMNS, chunk)
    return len(chunk)


async def _fail(import_id: int, exc: CorriereError) -> None:
    """Mark an import failed with `exc`'s message, deleting its file and rows (unless it has
    finished meanwhile: a stale import already failed keeps its message)."""
    async with database().transaction() as tx:
        await import_mark_failed(tx, import_id, exc.template, exc.params, now=utcnow())
