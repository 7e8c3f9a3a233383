"""Address book indexes: unique numbers and group names per account, the orders the pages list
contacts in, and (PostgreSQL) trigram indexes for substring search.

A separate migration because Piccolo runs a migration's raw steps before its table changes.
"""

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-02T02:53:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "address book indexes"

INDEXES = (
    "CREATE UNIQUE INDEX contact_mobile ON contact (account, mobile)",
    "CREATE INDEX contact_number ON contact (mobile)",
    # Newest first by creation time: an order the primary key cannot offer, so the planner
    # never walks the whole table's ids backwards to fill one account's page.
    "CREATE INDEX contact_newest ON contact (account, created_at, id)",
    # Sorting by surname, and (covering) the substring search SQLite runs over an account.
    "CREATE INDEX contact_surname ON contact (account, last_key, first_key, mobile)",
    "CREATE UNIQUE INDEX contact_group_name ON contact_group (account, name_key)",
    "CREATE UNIQUE INDEX group_member_pair ON group_member (contact_group, contact)",
    "CREATE UNIQUE INDEX custom_variable_name ON custom_variable (account, name)",
    "CREATE INDEX import_row_number ON import_row (contact_import, row_number)",
    "CREATE INDEX import_row_mobile ON import_row (contact_import, mobile, row_number)",
    "CREATE UNIQUE INDEX import_upload_part ON import_upload (contact_import, part)",
    # The sign-up page's rate limits count the last hour per address and per account.
    "CREATE INDEX signup_ip ON signup (ip, created_at)",
    "CREATE INDEX signup_recent ON signup (account, created_at)",
)
# Substring search ("ross" finds Rossi) without reading every contact of the account.
TRIGRAM = (
    "CREATE INDEX contact_search ON contact USING gin"
    " (first_key gin_trgm_ops, last_key gin_trgm_ops, mobile gin_trgm_ops)"
)

# PostgreSQL checks a foreign key row by row, locking the referenced row: an import's 100 000
# memberships would lock 100 000 freshly written contacts (about 40% of the import), its scratch
# rows their import 100 000 times. These two keys become statement-level triggers that cascade
# deletes the same way in one set-based statement; inserts are checked by the services, which
# only insert rows for contacts and imports their own transaction holds.
PG_CASCADES = (
    "ALTER TABLE group_member DROP CONSTRAINT IF EXISTS group_member_contact_fkey",
    "ALTER TABLE import_row DROP CONSTRAINT IF EXISTS import_row_contact_import_fkey",
    """CREATE OR REPLACE FUNCTION corriere_contact_gone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM group_member m USING gone WHERE m.contact = gone.id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER contact_gone AFTER DELETE ON contact REFERENCING OLD TABLE AS gone"
    " FOR EACH STATEMENT EXECUTE FUNCTION corriere_contact_gone()",
    """CREATE OR REPLACE FUNCTION corriere_import_gone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM import_row r USING gone WHERE r.contact_import = gone.id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER import_gone AFTER DELETE ON contact_import REFERENCING OLD TABLE AS gone"
    " FOR EACH STATEMENT EXECUTE FUNCTION corriere_import_gone()",
)
PG_CASCADES_BACK = (
    "DROP TRIGGER IF EXISTS contact_gone ON contact",
    "DROP TRIGGER IF EXISTS import_gone ON contact_import",
    "DROP FUNCTION IF EXISTS corriere_contact_gone()",
    "DROP FUNCTION IF EXISTS corriere_import_gone()",
    "ALTER TABLE group_member ADD CONSTRAINT group_member_contact_fkey FOREIGN KEY (contact)"
    " REFERENCES contact (id) ON UPDATE CASCADE ON DELETE CASCADE",
    "ALTER TABLE import_row ADD CONSTRAINT import_row_contact_import_fkey FOREIGN KEY"
    " (contact_import) REFERENCES contact_import (id) ON UPDATE CASCADE ON DELETE CASCADE",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="corriere", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for sql in INDEXES:
            await engine.run_ddl(sql)
        if isinstance(engine, PostgresEngine):
            for sql in PG_CASCADES:
                await engine.run_ddl(sql)
            try:
                await engine.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception as exc:  # noqa: BLE001 - a role without the right: search still works
                logging.getLogger("corriere.migrate").warning(
                    "pg_trgm not available (%s): contact search will scan", exc
                )
            else:
                await engine.run_ddl(TRIGRAM)

    async def drop_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for sql in (*INDEXES, TRIGRAM):
            name = sql.split(" ON ")[0].split()[-1]
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
        if isinstance(engine, PostgresEngine):
            for sql in PG_CASCADES_BACK:
                await engine.run_ddl(sql)

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
