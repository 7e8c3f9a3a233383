"""Accounts: one e-mail address per customer account (case-insensitive, enforced by the database
as usernames already are), and indexes for the sign-up limits and the expiry of accounts never
activated.

A separate migration because Piccolo runs a migration's raw steps before its table changes (the
indexes use `registered_ip`, added by the previous one). The same SQL runs on SQLite and
PostgreSQL. Only an index is added: the account table, which every other table references, is
not rebuilt.

Until now only the registration form checked e-mail addresses (support and the CLI did not): if
an existing database holds customer accounts sharing an address, the oldest keeps it under the
constraint and the later ones are left out of it by id (logged), so the migration never fails
on data and no account is changed; support can correct their addresses from the console.
"""

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T10:17:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "account e-mail unique, sign-up and expiry indexes"

EMAIL_UNIQUE = "CREATE UNIQUE INDEX account_email_unique ON account (lower(email))"
# The platform's own accounts are not customers and keep whatever address they have.
EMAIL_SCOPE = "is_system = false"
LATER_DUPLICATES = (
    "SELECT a.id, a.username, a.email FROM account a WHERE a.is_system = false AND EXISTS"
    " (SELECT 1 FROM account b WHERE b.is_system = false AND lower(b.email) = lower(a.email)"
    " AND b.id < a.id) ORDER BY a.id"
)
INDEXES = (
    # Sign-ups in the last hour, per address and in all.
    "CREATE INDEX account_registered_ip ON account (registered_ip, created_at)",
    "CREATE INDEX account_registered_at ON account (created_at) WHERE registered_ip IS NOT NULL",
    # The cron that deletes accounts never activated.
    "CREATE INDEX account_pending ON account (created_at) WHERE status = 'pending'",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="corriere", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        duplicates = list(await engine.run_ddl(LATER_DUPLICATES))
        scope = EMAIL_SCOPE
        if duplicates:
            ids = [int(row["id"]) for row in duplicates]
            scope += f" AND id NOT IN ({', '.join(str(i) for i in ids)})"
            logging.getLogger("corriere.migrate").warning(
                "accounts sharing an e-mail address with an older account, left out of the"
                " uniqueness constraint: %s",
                ", ".join(
                    f"{row['username']} <{row['email']}> (id {row['id']})" for row in duplicates
                ),
            )
        await engine.run_ddl(f"{EMAIL_UNIQUE} WHERE {scope}")
        for sql in INDEXES:
            await engine.run_ddl(sql)

    async def drop_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for sql in (EMAIL_UNIQUE, *INDEXES):
            name = sql.split(" ON ")[0].split()[-1]
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
