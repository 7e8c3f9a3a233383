"""Default-queue tasks: release due messages to the gateway, take back expired leases."""

from __future__ import annotations

import logging
from typing import Any

from corriere.platform.messaging.dispatch import (
    messages_in_flight,
    messages_reclaim_expired,
    messages_release,
)
from corriere.platform.settings import Settings

log = logging.getLogger("corriere.jobs.dispatch")

SUBMIT_TIMEOUT_S = 300


def in_flight_cap(settings: Settings, tps: int) -> int:
    """How many messages may wait at the gateway: a few seconds of the route's throughput,
    well inside a lease, so a batch is claimed long before its lease could expire."""
    per_route = tps * 5 if tps > 0 else 20_000
    return max(settings.dispatch_batch * 4, min(per_route, 20_000))


async def dispatch_due(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]
    gateway = ctx["gateway_queue"]
    released = 0
    for route in settings.routes:
        room = in_flight_cap(settings, route.tps) - await messages_in_flight(route.name)
        if room <= 0:
            continue
        for batch in await messages_release(
            route=route.name,
            limit=room,
            batch_size=settings.dispatch_batch,
            lease_seconds=settings.lease_seconds,
        ):
            await gateway.enqueue(
                "submit_batch",
                key=f"submit:{batch.token}",
                timeout=SUBMIT_TIMEOUT_S,
                retries=2,
                route=batch.route,
                token=batch.token,
            )
            released += batch.size
    if released:
        log.info("released %d messages to the gateway", released)
    return released


async def reclaim_expired(ctx: dict[str, Any]) -> int:
    count = await messages_reclaim_expired()
    if count:
        log.warning("%d messages had an expired lease and go back to dispatch", count)
        await dispatch_due(ctx)
    return count
