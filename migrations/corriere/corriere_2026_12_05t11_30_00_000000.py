"""contact_import.progressed_at: when an import last moved, so that one whose job was lost can be
told from one still running and marked failed (the worker's stale-imports task, every minute,
through a partial index of the few imports not finished)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "import progress time"
UNFINISHED = (
    "CREATE INDEX contact_import_unfinished ON contact_import (id)"
    " WHERE status IN ('pending', 'running')"
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="corriere", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ContactImport",
        tablename="contact_import",
        column_name="progressed_at",
        db_column_name="progressed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    async def create_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(UNFINISHED)

    async def drop_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("DROP INDEX IF EXISTS contact_import_unfinished")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
