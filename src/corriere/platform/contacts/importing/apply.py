"""Applying an import's checked rows to the address book, inside the caller's transaction.

All set-based SQL (the same on SQLite and PostgreSQL but for merging the variables' JSON):
repeated numbers in the file are settled first (the last row wins, the others are reported),
then known numbers are updated and new ones inserted, then every imported contact joins the group.

On PostgreSQL the new numbers of each stored chunk are inserted (`insert_new_rows`) while the
next chunk is being read, in the transaction that applies the rest at the end: the server
writes the address book on its own core meanwhile. The contacts an import created carry its
moment as `created_at` (taken under the book's lock) and the source 'import'; a number that
comes back in a later chunk is settled at the end from its last row, as if it had been inserted
from that row only.
"""

from __future__ import annotations

import logging
from datetime import datetime

from corriere.platform.db import Tx, database

log = logging.getLogger("corriere.contacts.import")

REPEATED = "Numero ripetuto nel file: vale la riga %(row)s"
_TEXT_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "address",
    "city",
    "province",
    "landline",
    "email",
    "notes",
)


def _merge_variables(tx: Tx) -> str:
    if tx.kind == "sqlite":
        return "json_patch(contact.variables, r.variables)"
    return "(contact.variables::jsonb || r.variables::jsonb)::text"


BOOK_LOCK = 7001  # PostgreSQL advisory lock key: (BOOK_LOCK, account id) while an import applies


class ImportAbandoned(Exception):
    """The import is no longer running (the stale-imports task marked it failed): the
    transaction that would have applied it must roll back."""


async def lock_book(tx: Tx, account_id: int) -> None:
    """Wait for any other import of the account being applied (until this transaction ends):
    two at once would both insert the same new numbers, or create the same new group."""
    if tx.kind == "postgres":  # SQLite's write transactions already run one at a time
        await tx.execute("SELECT pg_advisory_xact_lock($1, $2)", BOOK_LOCK, account_id)


def _created_here(tx: Tx, alias: str) -> str:
    """The contact `alias` was created by this import (whose moment is $3)."""
    return f"{alias}.source = 'import' AND {alias}.created_at = {tx.typed('$3', 'timestamptz')}"


def _insert_sql(tx: Tx, rows: str) -> str:
    """Insert address book contacts from the import rows `rows` selects (aliased r)."""
    columns = ", ".join(_TEXT_FIELDS)
    picked = ", ".join(f"r.{name}" for name in _TEXT_FIELDS)
    return (
        f"INSERT INTO contact (account, mobile, {columns}, first_key, last_key, birth_date,"
        " birthday_sms, variables, source, created_at, updated_at)"
        f" SELECT {tx.typed('$2', 'integer')}, r.mobile, {picked}, r.first_key, r.last_key,"
        " r.birth_date, COALESCE(r.birthday_sms, false),"
        " CASE WHEN r.variables <> '' THEN r.variables ELSE '{}' END, 'import',"
        f" {tx.typed('$3', 'timestamptz')}, {tx.typed('$3', 'timestamptz')}"
        f" FROM {rows} ORDER BY r.row_number"
    )


def _joining_group(insert: str, group: str) -> str:
    """PostgreSQL: `insert`, whose new contacts join the group straight from its own ids
    (joining the scratch rows back to the address book by number cost as much again)."""
    return (
        f"WITH added AS ({insert} RETURNING id)"
        " INSERT INTO group_member (contact_group, contact, created_at)"
        f" SELECT {group}::bigint, added.id, $3::timestamptz FROM added"
    )


async def insert_new_rows(
    tx: Tx,
    import_id: int,
    account_id: int,
    group_id: int | None,
    now: datetime,
    rows: tuple[int, int],
) -> int:
    """PostgreSQL, while the import is still being read: insert the numbers of the stored rows
    numbered `rows` (first, last) that the address book does not have yet, each from its last
    row in that range, into the group too; how many were inserted."""
    # Numbers the book has (from before, or from an earlier chunk) are left to the unique
    # index to skip: an anti-join here gets planned on statistics from before the import, and
    # a book that "has two contacts" is then read once per row.
    fresh = (
        "(SELECT DISTINCT ON (r.mobile) r.* FROM import_row r WHERE r.contact_import = $1"
        " AND r.row_number BETWEEN $4 AND $5 AND r.status = 'new'"
        " ORDER BY r.mobile, r.row_number DESC) r"
    )
    insert = _insert_sql(tx, fresh) + " ON CONFLICT (account, mobile) DO NOTHING"
    first, last = rows
    if group_id is None:
        return await tx.execute(insert, import_id, account_id, now, first, last)
    return await tx.execute(
        _joining_group(insert, "$6"), import_id, account_id, now, first, last, group_id
    )


async def _still_to_apply(tx: Tx, import_id: int) -> tuple[int, int]:
    """The rows still to apply and how many numbers they hold, in one pass: when the two
    agree no number comes back, and settling repeats (two index lookups per row, a tenth of a
    100 000-row import's final apply) can be skipped."""
    counts = await tx.fetchrow(
        "SELECT count(*) AS rows, count(DISTINCT mobile) AS numbers FROM import_row"
        " WHERE contact_import = $1 AND status = 'new'",
        import_id,
    )
    assert counts is not None
    return int(counts["rows"]), int(counts["numbers"])


async def _settle_repeats(tx: Tx, import_id: int) -> int:
    """Mark every row whose number comes back later as a duplicate of that later row."""
    return await tx.execute(
        "UPDATE import_row SET status = 'duplicate', reason = $2,"
        ' reason_params = \'{"row": "\' || CAST((SELECT max(later.row_number) FROM import_row'
        " later WHERE later.contact_import = $1 AND later.mobile = import_row.mobile"
        " AND later.status = 'new') AS TEXT) || '\"}'"
        " WHERE contact_import = $1 AND status = 'new' AND row_number < (SELECT"
        " max(later.row_number) FROM import_row later WHERE later.contact_import = $1"
        " AND later.mobile = import_row.mobile AND later.status = 'new')",
        import_id,
        REPEATED,
    )


async def apply_rows(
    tx: Tx,
    import_id: int,
    account_id: int,
    group_id: int | None,
    *,
    now: datetime,
    early_inserts: int | None = None,
) -> int:
    """Apply the checked rows (under `lock_book`) at the moment `now`; how many contacts were
    added or updated in all. `early_inserts`: how many contacts `insert_new_rows` inserted,
    having gone over every stored row (None: it did not run)."""
    rows, numbers = await _still_to_apply(tx, import_id)
    repeated = await _settle_repeats(tx, import_id) if rows != numbers else 0
    updated = 0
    # Once repeats are settled one row per number is left; more than were inserted early:
    if early_inserts is None or numbers > early_inserts:
        # Some numbers were in the book before: they are updates.
        await tx.execute(
            "UPDATE import_row SET status = 'update' WHERE contact_import = $1 AND status = 'new'"
            " AND EXISTS (SELECT 1 FROM contact c WHERE c.account = $2 AND c.mobile = import_row.mobile"
            f" AND NOT ({_created_here(tx, 'c')}))",
            import_id,
            account_id,
            now,
        )
        keep = ", ".join(
            f"{name} = CASE WHEN r.{name} <> '' THEN r.{name} ELSE contact.{name} END"
            for name in _TEXT_FIELDS
        )
        updated = await tx.execute(
            f"UPDATE contact SET {keep},"
            " first_key = CASE WHEN r.first_name <> '' THEN r.first_key ELSE contact.first_key END,"
            " last_key = CASE WHEN r.last_name <> '' THEN r.last_key ELSE contact.last_key END,"
            " birth_date = COALESCE(r.birth_date, contact.birth_date),"
            " birthday_sms = COALESCE(r.birthday_sms, contact.birthday_sms),"
            " variables = CASE WHEN r.variables <> '' THEN"
            f" {_merge_variables(tx)} ELSE contact.variables END,"
            " updated_at = $3"
            " FROM import_row r WHERE r.contact_import = $1 AND r.status = 'update'"
            " AND contact.account = $2 AND contact.mobile = r.mobile",
            import_id,
            account_id,
            now,
        )
    if early_inserts is not None:
        # Every stored row went through `insert_new_rows`: what is new is in the book, and in
        # the group. A number inserted from an earlier chunk that came back later becomes what
        # its last row says, as if only that row had been imported.
        if repeated:
            every = ", ".join(f"{name} = r.{name}" for name in _TEXT_FIELDS)
            await tx.execute(
                f"UPDATE contact SET {every}, first_key = r.first_key, last_key = r.last_key,"
                " birth_date = r.birth_date, birthday_sms = COALESCE(r.birthday_sms, false),"
                " variables = CASE WHEN r.variables <> '' THEN r.variables ELSE '{}' END"
                " FROM import_row r WHERE r.contact_import = $1 AND r.status = 'new'"
                " AND contact.account = $2 AND contact.mobile = r.mobile"
                f" AND {_created_here(tx, 'contact')} AND r.mobile IN (SELECT d.mobile"
                " FROM import_row d WHERE d.contact_import = $1 AND d.status = 'duplicate')",
                import_id,
                account_id,
                now,
            )
        inserted, new_joined = early_inserts, True
    else:
        insert = _insert_sql(tx, "import_row r WHERE r.contact_import = $1 AND r.status = 'new'")
        if group_id is not None and tx.kind == "postgres":
            inserted = await tx.execute(
                _joining_group(insert, "$4"), import_id, account_id, now, group_id
            )
            new_joined = True
        else:
            inserted = await tx.execute(insert, import_id, account_id, now)
            new_joined = False  # the new contacts join the group below, with the updated ones
    if group_id is not None and (updated or not new_joined):
        joining = "('update')" if new_joined else "('new', 'update')"
        await tx.execute(
            "INSERT INTO group_member (contact_group, contact, created_at)"
            f" SELECT {tx.typed('$3', 'bigint')}, c.id, {tx.typed('$4', 'timestamptz')}"
            " FROM import_row r JOIN contact c ON c.account = $2 AND c.mobile = r.mobile"
            f" WHERE r.contact_import = $1 AND r.status IN {joining}"
            " ON CONFLICT (contact_group, contact) DO NOTHING",
            import_id,
            account_id,
            group_id,
            now,
        )
    counts = await tx.fetchrow(
        "SELECT sum(CASE WHEN status IN ('rejected', 'duplicate') THEN 1 ELSE 0 END) AS rejected,"
        " sum(CASE WHEN issues <> '' AND status IN ('new', 'update') THEN 1 ELSE 0 END)"
        " AS warnings FROM import_row WHERE contact_import = $1",
        import_id,
    )
    # What the report needs stays: rejections and rows with ignored cells.
    await tx.execute(
        "DELETE FROM import_row WHERE contact_import = $1 AND status IN ('new', 'update')"
        " AND issues = ''",
        import_id,
    )
    finished = await tx.execute(
        "UPDATE contact_import SET status = 'done', imported = $1, updated = $2, rejected = $3,"
        " warnings = $4, finished_at = $5 WHERE id = $6 AND status = 'running'",
        inserted,
        updated,
        int((counts or {}).get("rejected") or 0),
        int((counts or {}).get("warnings") or 0),
        now,
        import_id,
    )
    if not finished:  # marked failed as stale meanwhile: its page already says so
        raise ImportAbandoned(import_id)
    return inserted + updated


# After this many contacts written, PostgreSQL's statistics no longer describe the table: until
# autovacuum comes round (never, for a big shared table that grew by a few percent), searches
# are planned as if the account's book were still small, several times slower.
ANALYZE_AFTER = 10_000


async def contacts_book_vacuum(written: int) -> None:
    """After a big import has committed (PostgreSQL; the worker's job and the shell command call
    it): VACUUM marks the new rows' pages all-visible, so a search walking the surname index
    reads the index alone, and ANALYZE re-reads the statistics, so searches are planned for the
    book as it now is. Autovacuum would do both, a minute or more later (never, for a big shared
    table that grew by a few percent). Housekeeping, not part of the import: its page already
    says it is done. A failure only leaves searches slower until autovacuum."""
    db = database()
    if db.kind != "postgres" or written < ANALYZE_AFTER:
        return
    try:
        # VACUUM cannot run inside a transaction: a connection of the pool as it is.
        async with db.reading(snapshot=False) as tx:
            await tx.execute("VACUUM (ANALYZE) contact, group_member")
    except Exception:
        log.warning("could not vacuum the address book after an import", exc_info=True)


async def analyze_book(tx: Tx) -> None:
    """PostgreSQL: re-read the statistics of the address book's tables."""
    await tx.execute("ANALYZE contact, group_member")
