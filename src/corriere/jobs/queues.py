"""The SAQ queues: `default` for the pipeline's work, `gateway` for submissions on the binds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from saq import Queue
from saq.queue.redis import RedisQueue

DEFAULT = "default"
GATEWAY = "gateway"


def make_queue(redis_url: str, name: str) -> Queue:
    # Queue.from_url only knows redis://; RedisQueue.from_url also takes the embedded unix:// socket.
    return RedisQueue.from_url(redis_url, name=name)


def import_job_key(import_id: int) -> str:
    """The key of an import's job: one job per import, whoever enqueues it."""
    return f"contacts_import:{import_id}"


class SaqScheduler:
    """The platform's `Scheduler` port on SAQ: one deduplicated dispatch job at a time."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    async def dispatch_soon(self) -> None:
        await self.queue.enqueue("dispatch_due", key="dispatch_due", timeout=60, retries=1)

    async def mail_soon(self) -> None:
        await self.queue.enqueue("mail_deliver", key="mail_deliver", timeout=120, retries=1)

    async def import_contacts(self, import_id: int) -> None:
        # A retry after a crash starts the import over (its rows are read again from scratch).
        await self.queue.enqueue(
            "contacts_import",
            key=import_job_key(import_id),
            import_id=import_id,
            timeout=3600,
            retries=2,
        )


def queue_depths_reader(redis_url: str) -> Callable[[], Awaitable[dict[str, int]]]:
    """A coroutine function giving the number of jobs waiting on each queue (for the console)."""
    queues = {name: make_queue(redis_url, name) for name in (DEFAULT, GATEWAY)}

    async def depths() -> dict[str, int]:
        result = {}
        for name, queue in queues.items():
            result[name] = await queue.count("queued")
            result[f"{name} (in corso)"] = await queue.count("active")
        return result

    return depths
