"""A running pipeline in the test process: the default worker and the gateway worker on real Redis,
the gateway bound over TCP to the SMSC simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from saq import Worker

from corriere.jobs.queues import DEFAULT, SaqScheduler, make_queue
from corriere.jobs.workers import default_worker, gateway_worker
from corriere.platform.settings import Settings


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], *, timeout: float = 30.0, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


class Pipeline:
    def __init__(self, settings: Settings, redis_url: str) -> None:
        self.settings = settings
        self.redis_url = redis_url
        self.workers: list[Worker[Any]] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.queue = make_queue(redis_url, DEFAULT)
        self.scheduler = SaqScheduler(self.queue)

    async def start(self) -> None:
        await self.queue.connect()
        self.workers = [
            default_worker(self.settings, self.redis_url),
            gateway_worker(self.settings, self.redis_url),
        ]
        self.tasks = [asyncio.create_task(w.start()) for w in self.workers]

    async def wait_bound(self) -> None:
        async def bound() -> bool:
            runtime = self.workers[1].context.get("gateway")
            return runtime is not None and all(
                t.status().state == "bound" for t in runtime.transports.values()
            )

        await wait_for(bound, timeout=15)

    async def stop(self) -> None:
        for worker in self.workers:
            await worker.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.queue.disconnect()


@pytest.fixture
async def pipeline(
    settings: Settings, clean_redis: str, smsc: Any, db: Any
) -> AsyncIterator[Pipeline]:
    running = Pipeline(settings, clean_redis)
    await running.start()
    await running.wait_bound()
    yield running
    await running.stop()
