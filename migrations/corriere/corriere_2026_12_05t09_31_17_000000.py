"""The mail outbox's delivery lease: `mail_outbox.locked_until`, and an index over the e-mails
that wait (the outbox keeps every e-mail ever sent; delivery looks only at the few waiting).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-05T09:31:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "mail outbox lease"

INDEX = (
    "CREATE INDEX mail_outbox_waiting ON mail_outbox (id) WHERE status IN ('pending', 'sending')"
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="corriere", description=DESCRIPTION)

    manager.add_column(
        table_class_name="MailOutbox",
        tablename="mail_outbox",
        column_name="locked_until",
        db_column_name="locked_until",
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
        await engine.run_ddl(INDEX)

    async def drop_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("DROP INDEX IF EXISTS mail_outbox_waiting")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
