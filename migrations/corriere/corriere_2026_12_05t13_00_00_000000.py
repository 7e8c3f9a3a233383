"""`contact_group.members`: how many contacts a group holds, kept by triggers (next migration)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contact_group members"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="corriere", description=DESCRIPTION)

    manager.add_column(
        table_class_name="ContactGroup",
        tablename="contact_group",
        column_name="members",
        db_column_name="members",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
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
    return manager
