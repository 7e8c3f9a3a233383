"""Group member counts kept by triggers on `group_member`, filled in for existing groups.

Every page with a list of groups shows each one's count (the manual's "Gruppi (n)"); counting
a group of 100 000 members took PostgreSQL about 10 ms per page view, every view.

PostgreSQL: one statement-level trigger per event appends the statement's change per group to
`group_member_delta` (an import's chunk of 5 000 members adds one row). Appending takes no lock
on the group: updating `contact_group.members` in place would hold the group's row until the
writing transaction ends, and an import of a million rows would keep a sign-up to that group,
or its renaming, waiting for a minute. Readers add the deltas to `members`; a cron folds them
in (`group_counts_fold`). SQLite, whose writers run one at a time, updates `members` per row.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-05T13:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "group member counts kept by triggers"

FILL = (
    "UPDATE contact_group SET members ="
    " (SELECT count(*) FROM group_member m WHERE m.contact_group = contact_group.id)"
)
# Both databases have the table (the same reading query serves both); only PostgreSQL fills it.
DELTA_TABLE = (
    "CREATE TABLE group_member_delta (contact_group BIGINT NOT NULL, delta INTEGER NOT NULL)",
    "CREATE INDEX group_member_delta_group ON group_member_delta (contact_group)",
)


def _pg_function(name: str, table: str, sign: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO group_member_delta (contact_group, delta)
                SELECT contact_group, {sign}count(*) FROM {table} GROUP BY contact_group;
            RETURN NULL;
        END $$"""


PG_FORWARDS = (
    *DELTA_TABLE,
    _pg_function("corriere_group_members_in", "added", ""),
    _pg_function("corriere_group_members_out", "removed", "-"),
    "CREATE TRIGGER group_member_counted_in AFTER INSERT ON group_member"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT"
    " EXECUTE FUNCTION corriere_group_members_in()",
    "CREATE TRIGGER group_member_counted_out AFTER DELETE ON group_member"
    " REFERENCING OLD TABLE AS removed FOR EACH STATEMENT"
    " EXECUTE FUNCTION corriere_group_members_out()",
    # A membership moved to another group (nothing does that today) counts as out and in.
    "CREATE TRIGGER group_member_counted_moved_out AFTER UPDATE ON group_member"
    " REFERENCING OLD TABLE AS removed FOR EACH STATEMENT"
    " EXECUTE FUNCTION corriere_group_members_out()",
    "CREATE TRIGGER group_member_counted_moved_in AFTER UPDATE ON group_member"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT"
    " EXECUTE FUNCTION corriere_group_members_in()",
    FILL,
)
PG_BACKWARDS = (
    "DROP TRIGGER IF EXISTS group_member_counted_in ON group_member",
    "DROP TRIGGER IF EXISTS group_member_counted_out ON group_member",
    "DROP TRIGGER IF EXISTS group_member_counted_moved_out ON group_member",
    "DROP TRIGGER IF EXISTS group_member_counted_moved_in ON group_member",
    "DROP FUNCTION IF EXISTS corriere_group_members_in()",
    "DROP FUNCTION IF EXISTS corriere_group_members_out()",
    "DROP TABLE IF EXISTS group_member_delta",
)
SQLITE_FORWARDS = (
    *DELTA_TABLE,
    "CREATE TRIGGER group_member_counted_in AFTER INSERT ON group_member BEGIN"
    " UPDATE contact_group SET members = members + 1 WHERE id = NEW.contact_group; END",
    "CREATE TRIGGER group_member_counted_out AFTER DELETE ON group_member BEGIN"
    " UPDATE contact_group SET members = members - 1 WHERE id = OLD.contact_group; END",
    "CREATE TRIGGER group_member_counted_moved AFTER UPDATE OF contact_group ON group_member"
    " BEGIN"
    " UPDATE contact_group SET members = members - 1 WHERE id = OLD.contact_group;"
    " UPDATE contact_group SET members = members + 1 WHERE id = NEW.contact_group; END",
    FILL,
)
SQLITE_BACKWARDS = (
    "DROP TRIGGER IF EXISTS group_member_counted_in",
    "DROP TRIGGER IF EXISTS group_member_counted_out",
    "DROP TRIGGER IF EXISTS group_member_counted_moved",
    "DROP TABLE IF EXISTS group_member_delta",
)


async def _run(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    engine = engine_finder()
    assert engine is not None
    for sql in postgres if isinstance(engine, PostgresEngine) else sqlite:
        await engine.run_ddl(sql)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="corriere", description=DESCRIPTION)

    async def counts() -> None:
        await _run(PG_FORWARDS, SQLITE_FORWARDS)

    async def no_counts() -> None:
        await _run(PG_BACKWARDS, SQLITE_BACKWARDS)

    manager.add_raw(counts)
    manager.add_raw_backwards(no_counts)
    return manager
