"""Run the web application with uvicorn."""

from __future__ import annotations

import asyncio

import uvicorn
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis

from corriere.gateway.smsc_sim.client import SimControlClient
from corriere.jobs.queues import DEFAULT, SaqScheduler, make_queue
from corriere.platform.db import Database, use
from corriere.platform.settings import Settings
from corriere.web.app import create_app


def serve(settings: Settings, redis_url: str, *, host: str, port: int) -> None:
    queue = make_queue(redis_url, DEFAULT)
    phones = (
        SimControlClient(f"http://127.0.0.1:{settings.smsc_sim_control_port}")
        if settings.uses_simulator
        else None
    )
    # Sessions in Redis so any web instance serves any request; `from_url` also takes the
    # embedded server's unix:// socket URL. The store closes the client at app shutdown.
    sessions = RedisStore(
        Redis.from_url(redis_url), namespace="corriere:web", handle_client_shutdown=True
    )
    app = create_app(settings, scheduler=SaqScheduler(queue), phones=phones, session_store=sessions)
    db = Database(settings.effective_database_url)

    async def startup() -> None:
        await db.start()
        use(db)
        await queue.connect()

    async def shutdown() -> None:
        await queue.disconnect()
        await db.close()

    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    asyncio.run(uvicorn.Server(config).serve())
