"""SAQ workers for the `default` and `gateway` queues, with their startup and shutdown hooks."""

from __future__ import annotations

import logging
from typing import Any

from saq import CronJob, Worker

from corriere.gateway.mail.smtp import SmtpMailer
from corriere.gateway.smpp.transport import SmppTransport
from corriere.jobs.accounts import PENDING_ACCOUNTS_CRON, pending_accounts_expire
from corriere.jobs.bind_lock import BindLock
from corriere.jobs.contacts import (
    GROUP_COUNTS_CRON,
    STALE_IMPORTS_CRON,
    contacts_group_counts_fold,
    contacts_import,
    contacts_imports_reap,
)
from corriere.jobs.dispatch import dispatch_due, reclaim_expired
from corriere.jobs.gateway import GatewayRuntime, gateway_owner, submit_batch
from corriere.jobs.mail import mail_deliver
from corriere.jobs.queues import DEFAULT, GATEWAY, make_queue
from corriere.platform.db import Database, current, use
from corriere.platform.messaging.ports import SmsTransport
from corriere.platform.settings import Settings

log = logging.getLogger("corriere.jobs")


async def _open_database(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    existing = current()
    if existing is not None and existing.url == settings.effective_database_url:
        return  # several workers in one process (tests, benchmarks) share one database
    db = Database(settings.effective_database_url)
    await db.start()
    ctx["db"] = use(db)


async def _close_database(ctx: dict[str, Any]) -> None:
    db: Database | None = ctx.get("db")
    if db is not None:
        await db.close()


def default_worker(settings: Settings, redis_url: str, *, concurrency: int = 4) -> Worker[Any]:
    queue = make_queue(redis_url, DEFAULT)
    gateway_queue = make_queue(redis_url, GATEWAY)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["gateway_queue"] = gateway_queue
        ctx["mailer"] = SmtpMailer(settings) if settings.smtp_host else None
        await gateway_queue.connect()
        await _open_database(ctx)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await _close_database(ctx)
        await gateway_queue.disconnect()

    return Worker(
        queue,
        functions=[dispatch_due, reclaim_expired, mail_deliver, contacts_import],
        cron_jobs=[
            CronJob(dispatch_due, cron="* * * * * */1", timeout=60, retries=0),
            CronJob(reclaim_expired, cron="* * * * * */5", timeout=60, retries=0),
            CronJob(mail_deliver, cron="* * * * * */10", timeout=120, retries=0),
            CronJob(contacts_imports_reap, cron=STALE_IMPORTS_CRON, timeout=300, retries=0),
            CronJob(contacts_group_counts_fold, cron=GROUP_COUNTS_CRON, timeout=60, retries=0),
            CronJob(pending_accounts_expire, cron=PENDING_ACCOUNTS_CRON, timeout=300, retries=0),
        ],
        startup=startup,
        shutdown=shutdown,
        concurrency=concurrency,
    )


def gateway_worker(
    settings: Settings,
    redis_url: str,
    *,
    transports: dict[str, SmsTransport] | None = None,
    concurrency: int = 16,
) -> Worker[Any]:
    queue = make_queue(redis_url, GATEWAY)
    default_queue = make_queue(redis_url, DEFAULT)
    owner = gateway_owner()

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        await default_queue.connect()
        await _open_database(ctx)
        runtime = GatewayRuntime(
            settings=settings,
            transports=transports or {r.name: SmppTransport(r) for r in settings.routes},
            lock=BindLock(queue.redis, owner),  # type: ignore[attr-defined]
            default_queue=default_queue,
        )
        if await runtime.start(ctx["worker"].event):
            ctx["gateway"] = runtime

    async def shutdown(ctx: dict[str, Any]) -> None:
        runtime: GatewayRuntime | None = ctx.get("gateway")
        if runtime is not None:
            await runtime.stop()
        await _close_database(ctx)
        await default_queue.disconnect()

    return Worker(
        queue,
        functions=[submit_batch],
        startup=startup,
        shutdown=shutdown,
        concurrency=concurrency,
    )
