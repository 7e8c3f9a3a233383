"""`corriere tui`: open the database, bring its schema up to date, run the console."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable

from corriere.platform.db import Database, use
from corriere.platform.migrate import migrate
from corriere.platform.settings import Settings
from corriere.tui.app import create_app


def default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return "operatore"


QueueDepths = Callable[[], Awaitable[dict[str, int]]]


async def _run(settings: Settings, *, operator: str, queue_depths: QueueDepths | None) -> int:
    db = Database(settings.effective_database_url)
    await db.start()
    try:
        use(db)
        await migrate(db)
        app = create_app(operator=operator, queue_depths=queue_depths, settings=settings)
        await app.run_async()
        return app.return_code or 0
    finally:
        await db.close()


def run_tui(
    settings: Settings, *, operator: str | None, queue_depths: QueueDepths | None = None
) -> int:
    """`queue_depths` comes from the composition root: the console itself knows nothing of SAQ."""
    return asyncio.run(
        _run(settings, operator=operator or default_operator(), queue_depths=queue_depths)
    )
