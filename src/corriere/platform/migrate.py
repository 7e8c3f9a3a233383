"""Run the migration history forwards on the process's database."""

from __future__ import annotations

import contextlib
import io
import os

from corriere.platform.db import Database, use

CONF_MODULE = "corriere.platform.piccolo_conf"


async def migrate(db: Database, *, quiet: bool = True) -> None:
    os.environ["PICCOLO_CONF"] = CONF_MODULE
    use(db)
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{out.getvalue()}")
