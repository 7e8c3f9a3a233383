"""What every process needs first: settings, logging, the Redis URL (embedded if unset), the database."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal

from corriere.gateway.embedded_redis import ensure_embedded_redis
from corriere.platform.db import Database, use
from corriere.platform.migrate import migrate
from corriere.platform.settings import Settings


def configure_logging(settings: Settings) -> None:
    # `kill -USR1 <pid>` prints every thread's stack: the way to see what a stuck process waits on.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # SAQ logs every job at INFO (thousands of lines a second under load) and warns at every
    # stop that idle job slots were cancelled; its real failures are logged as errors.
    logging.getLogger("saq").setLevel(logging.ERROR)
    for chatty in ("httpx", "piccolo", "smpp"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def redis_url(settings: Settings) -> str:
    """The configured Redis, or the embedded server (started here if no process has yet)."""
    if settings.redis_url:
        return settings.redis_url
    url = ensure_embedded_redis(settings.embedded_redis_socket)
    # Children of this process reuse it without probing again.
    os.environ["CORRIERE_REDIS_URL"] = url
    return url


async def open_database(settings: Settings, *, run_migrations: bool = False) -> Database:
    db = Database(settings.effective_database_url)
    await db.start()
    if run_migrations:
        await migrate(db)
    return use(db)
