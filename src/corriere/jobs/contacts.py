"""Default-queue tasks: run an address book import (a million rows take a few minutes), and every
minute mark failed the imports whose job was lost and fold the group member counts' pending
changes (PostgreSQL)."""

from __future__ import annotations

from typing import Any

from saq import Queue
from saq.job import Status

from corriere.jobs.queues import import_job_key
from corriere.platform.contacts.group_counts import group_counts_fold
from corriere.platform.contacts.importing.apply import contacts_book_vacuum
from corriere.platform.contacts.importing.services import contact_import_run
from corriere.platform.contacts.importing.stale import contact_imports_reap

IMPORT_TIMEOUT_S = 3600
STALE_IMPORTS_CRON = "* * * * * 17"  # every minute, off the minute's busy start
GROUP_COUNTS_CRON = "* * * * * 37"


async def contacts_import(ctx: dict[str, Any], *, import_id: int) -> None:
    written = await contact_import_run(import_id=import_id, settings=ctx["settings"])
    await contacts_book_vacuum(written)


async def contacts_imports_reap(ctx: dict[str, Any]) -> list[int]:
    queue: Queue = ctx["worker"].queue

    async def queued(import_id: int) -> bool:
        """The import's job is waiting for a free worker: late, not lost."""
        job = await queue.job(import_job_key(import_id))
        return job is not None and job.status == Status.QUEUED

    return await contact_imports_reap(settings=ctx["settings"], queued=queued)


async def contacts_group_counts_fold(ctx: dict[str, Any]) -> int:
    return await group_counts_fold()
