"""Imports that stop without finishing: never handed to a worker, or their job killed mid-way (as
SAQ's timeout cancels it, or a worker dies). The worker's stale-imports task marks them failed
with a message, deleting their file and scratch rows, the address book as it was; an import that
is still moving is left alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from contacts_helpers import FAILED_ONLY, csv_bytes, stored

from corriere.jobs.queues import DEFAULT, SaqScheduler, make_queue
from corriere.platform.clock import utcnow
from corriere.platform.contacts.importing.apply import ImportAbandoned, apply_rows, lock_book
from corriere.platform.contacts.importing.queries import ImportRow, import_get
from corriere.platform.contacts.importing.readers import ImportRefused
from corriere.platform.contacts.importing.services import (
    CHUNK,
    ImportTarget,
    contact_import_enqueue,
    contact_import_run,
    contact_import_start,
)
from corriere.platform.contacts.importing.stale import INTERRUPTED, contact_imports_reap
from corriere.platform.contacts.queries import groups_list
from corriere.platform.db import database
from corriere.platform.settings import Settings

TARGET = ImportTarget(new_group="Fiera")
ROWS = 12 * CHUNK  # long enough that the job is caught well before its end
LATER = timedelta(minutes=1)


def _big_csv(rows: int = ROWS) -> bytes:
    return csv_bytes(["Cellulare", "Nome"], ([f"39340{n:07d}", f"Nome {n}"] for n in range(rows)))


async def _job(account_id: int, import_id: int) -> ImportRow:
    job = await import_get(account_id, import_id)
    assert job is not None
    return job


async def _start(account_id: int, settings: Settings, data: bytes | None = None) -> int:
    return await contact_import_start(
        account_id=account_id,
        filename="clienti.csv",
        data=data or _big_csv(),
        target=TARGET,
        settings=settings,
    )


async def _caught_running(account_id: int, import_id: int, settings: Settings) -> asyncio.Task:
    """The import's job, running in the background, once it has stored its first rows."""
    task = asyncio.create_task(contact_import_run(import_id=import_id, settings=settings))
    while (await _job(account_id, import_id)).processed_rows == 0:
        assert not task.done(), (await _job(account_id, import_id)).error
        await asyncio.sleep(0)
    return task


def _stale(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.import_stale_minutes)


async def test_import_never_handed_to_a_worker_fails_after_the_stale_time(account, settings):
    import_id = await _start(account.id, settings)
    assert (await stored(account.id)).uploads > 0

    # Within the stale time it is waiting, not lost.
    assert import_id not in await contact_imports_reap(settings=settings)
    almost = utcnow() + _stale(settings) - LATER
    assert import_id not in await contact_imports_reap(settings=settings, now=almost)
    assert (await _job(account.id, import_id)).status == "pending"

    # Its job still waiting in a busy queue: late, not lost.
    later = utcnow() + _stale(settings) + LATER

    async def waiting(queued_id: int) -> bool:
        return queued_id == import_id

    assert import_id not in await contact_imports_reap(settings=settings, now=later, queued=waiting)

    assert import_id in await contact_imports_reap(settings=settings, now=later)
    job = await _job(account.id, import_id)
    assert (job.status, job.error, job.finished) == ("failed", INTERRUPTED, True)
    assert await stored(account.id) == FAILED_ONLY  # the file is gone, the book untouched
    # A job that turns up afterwards (a retry) leaves it as it is.
    await contact_import_run(import_id=import_id, settings=settings)
    assert (await _job(account.id, import_id)).error == INTERRUPTED
    assert import_id not in await contact_imports_reap(settings=settings, now=later)


async def test_import_killed_mid_run_fails_and_changes_nothing(account, settings):
    import_id = await _start(account.id, settings)
    task = await _caught_running(account.id, import_id, settings)
    task.cancel()  # as SAQ's timeout, or a worker stopped
    with pytest.raises(asyncio.CancelledError):
        await task
    job = await _job(account.id, import_id)
    assert job.status == "running" and 0 < job.processed_rows < ROWS
    left = await stored(account.id)
    assert left.import_rows > 0 and left.uploads > 0
    assert (left.contacts, left.groups) == (0, 0)

    later = utcnow() + _stale(settings) + LATER
    assert await contact_imports_reap(settings=settings, now=later) == [import_id]
    job = await _job(account.id, import_id)
    assert (job.status, job.error) == ("failed", INTERRUPTED)
    assert (job.imported, job.updated, job.rejected) == (0, 0, 0)
    assert await stored(account.id) == FAILED_ONLY
    assert await groups_list(account.id) == []  # "Fiera" was never created


async def test_progress_keeps_a_running_import_alive(account, make_account, settings):
    # Another account's: on PostgreSQL the running import's lock keeps its own account's aside.
    other = await make_account()
    forgotten = await _start(other.id, settings, data=csv_bytes(["Cellulare"], [["393351234567"]]))
    import_id = await _start(account.id, settings)
    started = utcnow()  # after both imports were created, before the job stores a row
    task = await _caught_running(account.id, import_id, settings)
    try:
        # As seen `import_stale_minutes` after `started`: both imports were created before
        # it, but only the forgotten one has not moved since.
        reaped = await contact_imports_reap(settings=settings, now=started + _stale(settings))
    finally:
        await task
    assert forgotten in reaped and import_id not in reaped
    job = await _job(account.id, import_id)
    assert (job.status, job.imported, job.error) == ("done", ROWS, "")


async def test_import_still_running_when_its_time_seems_up(account, settings):
    """A job that stalled as long as the stale time, then moves on: on PostgreSQL its open
    transaction holds the address book's lock, and it is left alone; on SQLite it is marked
    failed between two chunks, and stops at the next one without adding a contact."""
    import_id = await _start(account.id, settings)
    task = await _caught_running(account.id, import_id, settings)
    much_later = utcnow() + _stale(settings) + timedelta(days=1)
    try:
        reaped = await contact_imports_reap(settings=settings, now=much_later)
    finally:
        await task
    job = await _job(account.id, import_id)
    if database().kind == "postgres":
        assert import_id not in reaped
        assert (job.status, job.imported) == ("done", ROWS)
    else:
        assert reaped == [import_id]
        assert (job.status, job.error) == ("failed", INTERRUPTED)
        assert await stored(account.id) == FAILED_ONLY


async def test_stale_import_of_a_book_being_written_waits_for_it(account, settings):
    """PostgreSQL: an import of the account holding the address book's lock is alive, and so may
    be what waits behind it; the stale import is marked failed once the lock is free."""
    if database().kind != "postgres":
        pytest.skip("SQLite: the reaper's write transaction simply waits for the import's")
    import_id = await _start(
        account.id, settings, data=csv_bytes(["Cellulare"], [["393351234567"]])
    )
    later = utcnow() + _stale(settings) + LATER
    holding, release = asyncio.Event(), asyncio.Event()

    async def applying() -> None:
        async with database().transaction() as tx:
            await lock_book(tx, account.id)
            holding.set()
            await release.wait()

    writer = asyncio.create_task(applying())
    await holding.wait()
    try:
        assert import_id not in await contact_imports_reap(settings=settings, now=later)
        assert (await _job(account.id, import_id)).status == "pending"
    finally:
        release.set()
        await writer
    assert await contact_imports_reap(settings=settings, now=later) == [import_id]


async def test_import_the_queue_would_not_take_is_failed_at_once(account, settings):
    import_id = await _start(account.id, settings)
    unreachable = make_queue("redis://127.0.0.1:1", DEFAULT)  # nothing listens on port 1
    with pytest.raises(ImportRefused) as refused:
        await contact_import_enqueue(import_id=import_id, scheduler=SaqScheduler(unreachable))
    assert refused.value.message == (
        "Non è stato possibile avviare l'importazione: riprova tra qualche minuto"
    )
    job = await _job(account.id, import_id)
    assert (job.status, job.error) == ("failed", refused.value.message)
    assert await stored(account.id) == FAILED_ONLY


async def test_an_import_reaped_before_its_apply_commits_nothing(account, settings):
    # The last step of a job that slept past the stale time: its transaction rolls back.
    import_id = await _start(account.id, settings)
    later = utcnow() + _stale(settings) + LATER
    assert await contact_imports_reap(settings=settings, now=later) == [import_id]
    with pytest.raises(ImportAbandoned):
        async with database().transaction() as tx:
            await lock_book(tx, account.id)
            await apply_rows(tx, import_id, account.id, None, now=utcnow())
    job = await _job(account.id, import_id)
    assert (job.status, job.error) == ("failed", INTERRUPTED)
    assert await stored(account.id) == FAILED_ONLY
