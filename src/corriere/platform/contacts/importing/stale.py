"""Imports that stopped without finishing: their job was never enqueued, was lost with its worker,
or used up its retries. Nothing else would ever finish them: the status page would poll forever
and the uploaded file stay in the database.

A running import refreshes `progressed_at` at each step (started, header read, each chunk of rows
stored). `contact_imports_reap`, run by the worker every minute, marks failed any import that has
not moved for settings.import_stale_minutes, deleting its file and scratch rows. The address book
is as it was: an import changes it in one transaction, which never committed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from corriere.platform.clock import utcnow
from corriere.platform.contacts.importing.apply import BOOK_LOCK
from corriere.platform.db import Tx, database
from corriere.platform.settings import Settings

log = logging.getLogger("corriere.contacts.import")

# The status page adds that no contact was imported or changed.
INTERRUPTED = "L'importazione si è interrotta prima di finire: riprova"
UNFINISHED = "('pending', 'running')"


async def import_mark_failed(
    tx: Tx,
    import_id: int,
    template: str,
    params: dict[str, str],
    *,
    now: datetime,
    still_before: datetime | None = None,
) -> bool:
    """In `tx`: the import failed with the message `template`, if it is still unfinished (and,
    with `still_before`, has not moved since then); its file and scratch rows go. Whether it
    was marked: one that finished meanwhile keeps its result (or its first failure)."""
    stale = "" if still_before is None else " AND COALESCE(progressed_at, created_at) < $5"
    args: list[object] = [template, json.dumps(params, ensure_ascii=False), now, import_id]
    if still_before is not None:
        args.append(still_before)
    marked = await tx.execute(
        "UPDATE contact_import SET status = 'failed', error = $1, error_params = $2,"
        " imported = 0, updated = 0, rejected = 0, warnings = 0, finished_at = $3,"
        f" progressed_at = $3 WHERE id = $4 AND status IN {UNFINISHED}{stale}",
        *args,
    )
    if not marked:
        return False
    await tx.execute("DELETE FROM import_row WHERE contact_import = $1", import_id)
    await tx.execute("DELETE FROM import_upload WHERE contact_import = $1", import_id)
    return True


async def contact_imports_reap(
    *,
    settings: Settings,
    now: datetime | None = None,
    queued: Callable[[int], Awaitable[bool]] | None = None,
) -> list[int]:
    """Mark failed every import that has not moved for settings.import_stale_minutes; the ids
    marked. Left alone: an import whose job `queued` says is still waiting for a worker (a busy
    queue is not a lost job), and (PostgreSQL) those of an account whose address book an import
    is writing right now."""
    now = now or utcnow()
    before = now - timedelta(minutes=settings.import_stale_minutes)
    db = database()
    candidates = await db.fetch(
        f"SELECT id, account FROM contact_import WHERE status IN {UNFINISHED}"
        " AND COALESCE(progressed_at, created_at) < $1 ORDER BY id LIMIT 100",
        before,
    )
    reaped = []
    for candidate in candidates:
        import_id, account_id = int(candidate["id"]), int(candidate["account"])
        if queued is not None and await queued(import_id):
            continue
        try:
            if await _reap(import_id, account_id, now, before):
                reaped.append(import_id)
        except Exception:  # a lock held too long (an import being applied): the next run
            log.warning("could not check import %s for staleness", import_id, exc_info=True)
    if reaped:
        log.warning("imports stopped without finishing, marked failed: %s", reaped)
    return reaped


async def _reap(import_id: int, account_id: int, now: datetime, before: datetime) -> bool:
    async with database().transaction() as tx:
        if tx.kind == "postgres":
            # A live import holds the book's lock from its start to its commit, stalled or not
            # (a worker that died let it go with its connection). SQLite needs no such check:
            # its write transactions exclude each other, and an import applying its rows holds
            # one until `done` is committed, which the update below then leaves alone.
            await tx.execute("SET LOCAL lock_timeout = '5s'")
            if not await tx.fetchval(
                "SELECT pg_try_advisory_xact_lock($1, $2)", BOOK_LOCK, account_id
            ):
                return False
        return await import_mark_failed(
            tx, import_id, INTERRUPTED, {}, now=now, still_before=before
        )
