"""Piccolo's configuration module (PICCOLO_CONF): the engine is the process's database."""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["corriere.platform.piccolo_app"])


def __getattr__(name: str) -> Any:
    # Resolved lazily so the composition root (or a test) picks the database first.
    if name == "DB":
        from corriere.platform import db
        from corriere.platform.settings import Settings

        if db._current is None:
            db.use(db.Database(Settings().effective_database_url))
        return db.database().engine
    raise AttributeError(name)
