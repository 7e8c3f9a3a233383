"""The one transaction in which an import changes the address book, run in a task of its own.

The import's reading loop tells it each chunk of rows it has stored (`stored`), then `finish()`
or `abort()`. On PostgreSQL the transaction opens at once, under the book's lock, and inserts
each chunk's new numbers while the loop reads the next chunk; everything else is applied at
`finish()`. On SQLite, whose write transactions exclude each other and would stop the loop from
storing its chunks, it opens at `finish()` and applies everything there. Either way a failure or
an `abort()` rolls it back: the address book is as it was.

A task of its own because the transaction lives in a context variable: the reading loop's own
short transactions (its chunks and the progress) must not join this one.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

from corriere.platform.clock import utcnow
from corriere.platform.contacts.groups import group_insert
from corriere.platform.contacts.importing.apply import (
    analyze_book,
    apply_rows,
    insert_new_rows,
    lock_book,
)
from corriere.platform.db import Tx, database

ANALYZE_EARLY = 1000  # contacts inserted early, past which the statistics are refreshed
_FINISH: Final = "finish"
_ABORT: Final = "abort"


class _Aborted(Exception):
    """Raised inside the transaction to roll it back."""


class BookWriter:
    """One import's changes to the address book: `start()`, `stored()` per chunk, then
    `finish()` (commit) or `abort()` (roll back)."""

    def __init__(
        self, import_id: int, account_id: int, group_id: int | None, new_group: str
    ) -> None:
        self.import_id = import_id
        self.account_id = account_id
        self.group_id = group_id
        self.new_group = new_group
        self.early = database().kind == "postgres"
        self._queue: asyncio.Queue[tuple[int, int] | str] = asyncio.Queue()
        self._task: asyncio.Task[int] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"import-{self.import_id}-book")

    def stored(self, first_row: int, last_row: int) -> None:
        """Rows numbered first_row..last_row are stored; raises what stopped the writer."""
        self._raise_if_failed()
        if self.early:
            self._queue.put_nowait((first_row, last_row))

    async def finish(self) -> int:
        """Apply the rest and commit; how many contacts were added or updated."""
        assert self._task is not None
        self._queue.put_nowait(_FINISH)
        return await self._task

    async def abort(self) -> None:
        """Roll back whatever was written (the import failed)."""
        if self._task is None:
            return
        self._queue.put_nowait(_ABORT)
        with contextlib.suppress(Exception):  # _Aborted, or what stopped it first
            await self._task

    def _raise_if_failed(self) -> None:
        if self._task is not None and self._task.done():
            self._task.result()  # raises its exception; a finished writer is a bug here
            raise RuntimeError("the import's book writer ended before the import did")

    async def _run(self) -> int:
        if not self.early and await self._queue.get() == _ABORT:
            raise _Aborted
        async with database().transaction() as tx:
            await lock_book(tx, self.account_id)
            group_id = await self._group(tx)
            now = utcnow()  # after the lock: no other import of the book shares this moment
            inserted = 0
            while True:
                item = await self._queue.get() if self.early else _FINISH
                if item == _ABORT:
                    raise _Aborted
                if item == _FINISH:
                    break
                assert isinstance(item, tuple)
                inserted += await insert_new_rows(
                    tx, self.import_id, self.account_id, group_id, now, item
                )
            if self.early and inserted >= ANALYZE_EARLY:
                # The rest is planned over the contacts just inserted: with statistics from
                # before them, PostgreSQL reads the book once per row (seconds, not millis).
                # Taken here, in the transaction, they also serve the searches after it; the
                # lock ANALYZE holds to the commit only makes another import's ANALYZE wait.
                await analyze_book(tx)
            if group_id != self.group_id:  # made here; not earlier: the reading loop writes
                # this import's row (its progress) and would wait for this transaction
                await tx.execute(
                    "UPDATE contact_import SET contact_group = $1 WHERE id = $2",
                    group_id,
                    self.import_id,
                )
            written = await apply_rows(
                tx,
                self.import_id,
                self.account_id,
                group_id,
                now=now,
                early_inserts=inserted if self.early else None,
            )
            await tx.execute("DELETE FROM import_upload WHERE contact_import = $1", self.import_id)
        return written

    async def _group(self, tx: Tx) -> int | None:
        if self.group_id is not None or not self.new_group:
            return self.group_id
        # Made since the import was started (by another import, or by hand): use it.
        group_id = await tx.fetchval(
            "SELECT id FROM contact_group WHERE account = $1 AND name_key = $2",
            self.account_id,
            self.new_group.lower(),
        ) or await group_insert(tx, self.account_id, self.new_group)
        return int(group_id)
