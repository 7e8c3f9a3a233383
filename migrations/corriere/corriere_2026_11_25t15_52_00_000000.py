"""Composite and partial indexes for the pipeline's hot queries.

A separate migration because Piccolo runs a migration's raw steps before its table changes.
The same SQL runs on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T15:52:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "pipeline indexes"

INDEXES = (
    "CREATE INDEX message_due ON message (route, due_at, id) WHERE state = 'scheduled'",
    "CREATE INDEX message_lease ON message (lease_until) WHERE state = 'queued'",
    "CREATE INDEX message_campaign ON message (campaign, id)",
    "CREATE INDEX message_account ON message (account, id)",
    "CREATE UNIQUE INDEX message_part_seq ON message_part (message, seq)",
    "CREATE INDEX message_part_smsc ON message_part (route, smsc_id)",
    "CREATE INDEX receipt_unmatched ON receipt (route, smsc_id) WHERE matched = false",
    "CREATE INDEX inbound_unhandled ON inbound_message (id) WHERE handled = false",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="corriere", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for sql in INDEXES:
            await engine.run_ddl(sql)

    async def drop_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for sql in INDEXES:
            name = sql.split(" ON ")[0].split()[-1]
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
