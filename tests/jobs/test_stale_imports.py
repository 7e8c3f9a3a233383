"""The worker's cron task that marks failed the imports whose job was lost, on the real database
and the real queue: an import whose job still waits in the queue is late, not lost."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from corriere.jobs.contacts import STALE_IMPORTS_CRON, contacts_imports_reap
from corriere.jobs.queues import import_job_key
from corriere.jobs.workers import default_worker
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.contacts.importing.queries import import_get
from corriere.platform.contacts.importing.services import contact_import_start
from corriere.platform.contacts.importing.stale import INTERRUPTED
from corriere.platform.settings import Settings


def test_the_default_worker_runs_it_every_minute(settings: Settings, redis_url: str) -> None:
    worker = default_worker(settings, redis_url)
    assert worker.functions["contacts_imports_reap"] is contacts_imports_reap
    (cron,) = [c for c in worker.cron_jobs if c.function is contacts_imports_reap]
    assert cron.cron == STALE_IMPORTS_CRON == "* * * * * 17"


async def test_lost_imports_fail_and_queued_ones_wait(
    db: Any,
    settings: Settings,
    clean_redis: str,
    make_account: Callable[..., Awaitable[AccountCreated]],
) -> None:
    account = await make_account()
    # Every import older than now counts as stale here: only the queue keeps one alive.
    hasty = settings.model_copy(update={"import_stale_minutes": 0})
    lost, waiting = [
        await contact_import_start(account_id=account.id, pasted="393351234567", settings=hasty)
        for _ in range(2)
    ]
    worker = default_worker(hasty, clean_redis)
    await worker.queue.connect()
    try:
        # Its job is in the queue, for later (a busy queue looks the same to the task).
        await worker.queue.enqueue(
            "contacts_import",
            key=import_job_key(waiting),
            import_id=waiting,
            scheduled=int(time.time()) + 3600,
        )
        reaped = await contacts_imports_reap({"worker": worker, "settings": hasty})
    finally:
        await worker.queue.disconnect()
    assert lost in reaped and waiting not in reaped
    gone = await import_get(account.id, lost)
    kept = await import_get(account.id, waiting)
    assert gone is not None and (gone.status, gone.error) == ("failed", INTERRUPTED)
    assert kept is not None and kept.status == "pending"
