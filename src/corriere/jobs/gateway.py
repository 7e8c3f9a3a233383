"""The gateway worker: owns the SMPP binds (through a Redis lock) and submits released batches.

Long-lived connections open in the startup hook; `submit_batch` only claims, submits and waits
until every outcome is committed, so a lease is released only for what is on record.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from typing import Any

from saq import Queue

from corriere.jobs.bind_lock import BindLock
from corriere.platform.messaging.binds import binds_report
from corriere.platform.messaging.delivery import MessageOutcome
from corriere.platform.messaging.dispatch import (
    messages_claim,
    messages_lease_extend,
    messages_release_owned,
)
from corriere.platform.messaging.ports import SmsTransport
from corriere.platform.messaging.recorder import DeliveryRecorder
from corriere.platform.settings import Settings

log = logging.getLogger("corriere.gateway")
HEARTBEAT_S = 3.0


class GatewayRuntime:
    def __init__(
        self,
        *,
        settings: Settings,
        transports: dict[str, SmsTransport],
        lock: BindLock,
        default_queue: Queue,
    ) -> None:
        self.settings = settings
        self.transports = transports
        self.lock = lock
        self.owner = lock.owner
        self.default_queue = default_queue
        self.recorder = DeliveryRecorder()
        self.lost = False
        self._heartbeat: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None

    async def start(self, stop: asyncio.Event) -> bool:
        self._stop = stop
        holder = await self.lock.holder()
        if holder and holder != self.owner:
            log.info("binds held by %s: standing by", holder)
        if not await self.lock.acquire(stop=stop):
            return False
        log.info("gateway %s owns the binds: %s", self.owner, ", ".join(self.transports))
        self.recorder.start()
        for transport in self.transports.values():
            await transport.start(self.recorder)
        self._heartbeat = asyncio.create_task(self._beat(), name="gateway-heartbeat")
        return True

    async def stop(self) -> None:
        log.info("gateway %s stopping", self.owner)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        clean = True
        for transport in self.transports.values():
            clean = await transport.stop() and clean
        await self.recorder.close()
        if clean and not self.lost:
            # Everything sent is on record: what is still claimed was never sent, hand it back now
            # rather than after the lease runs out.
            released = await messages_release_owned(owner=self.owner)
            log.info("gateway %s handed back %d unsent messages", self.owner, released)
        try:
            await binds_report(
                owner=self.owner, statuses=[t.status() for t in self.transports.values()]
            )
        except Exception:
            pass
        await self.lock.release()
        log.info("gateway %s stopped (clean: %s)", self.owner, clean)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                if not await self.lock.renew():
                    # Another process may bind now: stop sending at once, and stop the worker.
                    log.critical("lost the bind lock: stopping this gateway")
                    self.lost = True
                    for transport in self.transports.values():
                        await transport.stop()
                    if self._stop is not None:
                        self._stop.set()
                    return
                await messages_lease_extend(
                    owner=self.owner, lease_seconds=self.settings.lease_seconds
                )
                await binds_report(
                    owner=self.owner, statuses=[t.status() for t in self.transports.values()]
                )
            except Exception:
                log.exception("gateway heartbeat failed")

    async def submit_batch(self, route: str, token: str) -> int:
        if self.lost:
            raise RuntimeError("this gateway lost its bind lock")
        transport = self.transports.get(route)
        if transport is None:
            raise RuntimeError(f"no SMPP route named {route!r} on this gateway")
        messages = await messages_claim(
            token=token, owner=self.owner, lease_seconds=self.settings.lease_seconds
        )
        if not messages:
            return 0
        committed: list[asyncio.Future[None]] = []

        def on_outcome(outcome: MessageOutcome) -> None:
            committed.append(self.recorder.outcome(outcome))

        await transport.submit(messages, on_outcome)
        await asyncio.gather(*committed)
        # Room has opened at the gateway: let dispatch release the next batch now.
        await self.default_queue.enqueue("dispatch_due", key="dispatch_due", timeout=60, retries=1)
        return len(messages)


def gateway_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def submit_batch(ctx: dict[str, Any], *, route: str, token: str) -> int:
    runtime: GatewayRuntime | None = ctx.get("gateway")
    if runtime is None:
        raise RuntimeError("gateway not started (standing by)")
    return await runtime.submit_batch(route, token)
