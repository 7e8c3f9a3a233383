"""Build the web application and serve it (granian by default, uvicorn on request)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys

from litestar import Litestar
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis

from corriere.gateway.smsc_sim.client import SimControlClient
from corriere.jobs.queues import DEFAULT, SaqScheduler, make_queue
from corriere.platform.db import Database, use
from corriere.platform.settings import Settings, settings_load
from corriere.web.app import create_app

log = logging.getLogger("corriere.web")


def build_app(settings: Settings, redis_url: str) -> Litestar:
    queue = make_queue(redis_url, DEFAULT)
    # The simulated phones page: only while the SMS go to the simulator (and the demo pages
    # are on, which `create_app` checks as well).
    phones = (
        SimControlClient(f"http://127.0.0.1:{settings.smsc_sim_control_port}")
        if settings.uses_simulator and settings.demo_pages_enabled
        else None
    )
    if settings.demo_pages_enabled and not settings.public_is_local:
        log.warning(
            "CORRIERE_DEMO_PAGES is on for the public address %s: anyone who reaches it can read"
            " every account's activation codes (/simulatore) and password-reset links (/posta)",
            settings.public_base_url,
        )
    # Sessions in Redis so any web instance serves any request; `from_url` also takes the
    # embedded server's unix:// socket URL. The store closes the client at app shutdown.
    # redis-py's pool, not one shared connection: the single connection saves a quarter of a
    # GET's CPU but takes its lock for the whole round trip, and 50 concurrent pages served
    # 10–20% fewer requests per second that way (bench/web.py, alternating runs).
    sessions = RedisStore(
        Redis.from_url(redis_url),
        namespace="corriere:web",
        handle_client_shutdown=True,
    )
    app = create_app(settings, scheduler=SaqScheduler(queue), phones=phones, session_store=sessions)
    db = Database(settings.effective_database_url)

    async def startup() -> None:
        await db.start(**web_connections(settings.web_database_pool))
        use(db)
        await queue.connect()
        # Everything built so far lives as long as the process: keep the collector off it, so
        # full collections stay short and do not stretch the slowest responses.
        gc.collect()
        gc.freeze()
        # 50 pages in flight keep more than the default 700 new objects alive at once, so the
        # collector ran every few requests (3% of the history's CPU on PostgreSQL, pauses up to
        # 3 ms) to find nothing: what a page leaves behind is freed by reference counting.
        gc.set_threshold(10_000, 10, 10)
        # Python's default GIL switch interval (5 ms) is kept on purpose: granian's I/O thread
        # asks for the GIL on every request, and a shorter interval (0.5 ms was tried) made the
        # render thread hand it over mid-page, costing about 15% more CPU per request. Page
        # reads on SQLite run inline (`Database.lookup`), so few results wait on a thread.
        sys.setswitchinterval(0.005)

    async def shutdown() -> None:
        await queue.disconnect()
        await db.close()

    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    return app


def web_connections(total: int) -> dict[str, int]:
    """How the web process spends its `total` PostgreSQL connections: four fifths serve the
    pages' single-statement reads (most of what a page asks, see `Database.start`), the rest
    transactions and multi-statement reads. The exact share matters little: 10 to 40 readers
    of 50 measured alike in alternating runs of bench/web.py."""
    readers = total * 4 // 5
    return {"pool_size": total - readers, "readers": readers}


def app_from_environment() -> Litestar:
    """The factory granian's worker calls: everything comes from CORRIERE_* variables."""
    from corriere.runtime import configure_logging, redis_url

    settings = settings_load()
    configure_logging(settings)
    return build_app(settings, redis_url(settings))


def serve(
    settings: Settings, redis_url: str, *, host: str, port: int, server: str = "granian"
) -> None:
    if server == "uvicorn":
        import uvicorn

        config = uvicorn.Config(
            build_app(settings, redis_url),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
        asyncio.run(uvicorn.Server(config).serve())
        return
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    os.environ["CORRIERE_REDIS_URL"] = redis_url  # the worker process reads its settings anew
    Granian(
        "corriere.commands.web:app_from_environment",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=1,
        log_level=LogLevels.warning,
        log_access=False,
    ).serve()
