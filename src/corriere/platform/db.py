"""The database: one Piccolo engine per process, plus a thin raw-SQL layer for hot paths.

Raw SQL is written once with PostgreSQL's numbered placeholders (`$1`); on SQLite they become `?1`.
Bulk inserts use `executemany` on SQLite and `COPY` on PostgreSQL: the ORM's row-by-row INSERT is an
order of magnitude slower on the pipeline's hot path.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from corriere.platform.clock import as_utc
from corriere.platform.errors import ConfigurationError

Kind = Literal["sqlite", "postgres"]


def _timestamptz_out(value: bytes) -> datetime:
    """Piccolo's converter, minus its str/bytes dispatch and its `replace()` (slow, and needless:
    the stored text carries "+00:00"). Pages read dozens of these."""
    return as_utc(datetime.fromisoformat(value.decode()))


# Piccolo reads every INTEGER column back through `int(Decimal(text))` (for the odd float stored
# there). Ours hold integers, which sqlite3 returns natively at a fraction of the cost.
sqlite3.converters.pop("INTEGER", None)
sqlite3.register_converter("TIMESTAMPTZ", _timestamptz_out)
_PLACEHOLDER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=1024)
def sqlite_sql(sql: str) -> str:
    """`$1` placeholders as SQLite's `?1`, converted once per statement text: a page's queries
    are the same few strings on every view (the values travel apart, as parameters)."""
    return _PLACEHOLDER.sub(r"?\1", sql)


_COPY_THRESHOLD = 64  # below this, COPY's set-up costs more than plain INSERTs


class _SQLiteEngine(SQLiteEngine):
    """SQLite tuned for a server: WAL (set once), a busy timeout and NORMAL sync per connection."""

    async def get_connection(self) -> Any:
        connection = await super().get_connection()
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection


class Tx:
    """A connection inside a transaction, with the few raw operations the hot paths need."""

    def __init__(self, kind: Kind, connection: Any) -> None:
        self.kind = kind
        self.connection = connection

    def _sql(self, sql: str) -> str:
        return sqlite_sql(sql) if self.kind == "sqlite" else sql

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        if self.kind == "sqlite":
            # One trip to aiosqlite's thread instead of three (execute, fetch, close).
            rows: list[dict[str, Any]] = list(
                await self.connection.execute_fetchall(self._sql(sql), args)
            )
            return rows
        return [dict(r) for r in await self.connection.fetch(sql, *args)]

    async def fetch_values(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """`fetch()` with each row as the sequence of its columns, in the SELECT's order."""
        if self.kind == "sqlite":
            return [tuple(r.values()) for r in await self.fetch(sql, *args)]
        return list(await self.connection.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else next(iter(row.values()))

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; returns the number of rows it touched."""
        if self.kind == "sqlite":
            async with self.connection.execute(self._sql(sql), args) as cursor:
                return int(cursor.rowcount)
        status: str = await self.connection.execute(sql, *args)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    def typed(self, placeholder: str, pg_type: str) -> str:
        """A parameter PostgreSQL cannot type from its place (a SELECT list): `$3::bigint`.
        SQLite takes values as they come (and a CAST there would change their affinity)."""
        return f"{placeholder}::{pg_type}" if self.kind == "postgres" else placeholder

    def ids(self, values: Sequence[int]) -> Any:
        """A list of ids as one parameter; pair with `in_ids()` in the SQL."""
        return list(values) if self.kind == "postgres" else json.dumps(list(values))

    def in_ids(self, placeholder: str) -> str:
        """`IN (…)` over a list passed with `ids()`: an array on PostgreSQL, JSON on SQLite."""
        if self.kind == "postgres":
            return f"= ANY({placeholder}::bigint[])"
        return f"IN (SELECT value FROM json_each({placeholder}))"

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.kind == "sqlite":
            await self.connection.executemany(self._sql(sql), rows)
        else:
            await self.connection.executemany(sql, rows)

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows at once: executemany on SQLite, binary COPY on PostgreSQL."""
        if not rows:
            return
        if self.kind == "sqlite" or len(rows) < _COPY_THRESHOLD:
            marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
            cols = ", ".join(f'"{c}"' for c in columns)
            await self.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        else:
            await self.connection.copy_records_to_table(table, records=rows, columns=list(columns))


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.kind: Kind
        self.engine: Engine[Any]
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            self.kind = "sqlite"
            # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy has it.
            path = unquote(url.split("://", 1)[1])[1:]
            if not path.startswith("/"):
                path = str(Path(path).resolve())
            self.path = Path(path)
            self.engine = _SQLiteEngine(path=str(self.path), timeout=30)
        elif parts.scheme in ("postgres", "postgresql"):
            self.kind = "postgres"
            self.engine = PostgresEngine(config={"dsn": url})
        else:
            raise ConfigurationError(f"unsupported database URL: {url!r}")
        self._started = False
        # SQLite: reads reuse a few open connections (opening one costs a thread and a file
        # open, more than most panel queries themselves).
        self._readers: list[Any] = []
        self._reader_slots = asyncio.Semaphore(8)
        # SQLite: one plain connection per thread for `lookup()` (see there).
        self._inline = threading.local()
        self._inline_all: list[sqlite3.Connection] = []
        # PostgreSQL: plain connections for single-statement reads, when `start()` is given
        # some (see `_pg_reader()`).
        self._pg_idle: list[Any] = []
        self._pg_slots: asyncio.Semaphore | None = None

    async def start(self, *, pool_size: int = 10, readers: int = 0) -> None:
        """Open the database. On PostgreSQL, `pool_size` connections serve transactions and
        `readers` more serve single statements outside them (with none, the pool serves both)."""
        if self._started:
            return
        engine: Any = self.engine  # piccolo's base Engine types hide the subclasses' methods
        if self.kind == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = await engine.get_connection()
            try:
                await connection.execute("PRAGMA journal_mode = WAL")
            finally:
                await connection.close()
        else:
            await engine.start_connection_pool(
                min_size=1, max_size=pool_size, reset=_keep_session_state
            )
            self._pg_slots = asyncio.Semaphore(readers) if readers > 0 else None
        self._started = True

    async def close(self) -> None:
        inline, self._inline_all = self._inline_all, []
        self._inline = threading.local()
        for plain in inline:
            plain.close()
        readers, self._readers = self._readers, []
        for connection in readers:
            await connection.close()
        self._pg_slots = None  # readers still out are closed as they come back
        idle, self._pg_idle = self._pg_idle, []
        for plain in idle:
            plain.terminate()
        if self._started and self.kind == "postgres":
            engine: Any = self.engine
            await engine.close_connection_pool()
        self._started = False

    def bind(self, tables: Iterable[type[Table]]) -> None:
        for table in tables:
            table._meta.db = self.engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction (IMMEDIATE on SQLite, so writers queue instead of deadlocking)."""
        if self.kind == "sqlite":
            async with self.engine.transaction(transaction_type=TransactionType.immediate) as tx:
                yield Tx(self.kind, tx.connection)
        else:
            async with self.engine.transaction() as tx:
                yield Tx(self.kind, tx.connection)

    @asynccontextmanager
    async def reading(self, *, snapshot: bool = True) -> AsyncIterator[Tx]:
        """A read-only connection: a consistent snapshot across its statements (`snapshot=False`
        for a single statement, which SQLite runs in a snapshot of its own anyway)."""
        if self.kind == "sqlite":
            if self.engine.current_transaction.get() is not None:
                # Inside a write transaction: read through it, it sees its own changes.
                async with self.engine.transaction() as tx:
                    yield Tx(self.kind, tx.connection)
                return
            async with self._reader_slots:
                engine: Any = self.engine
                connection = self._readers.pop() if self._readers else await engine.get_connection()
                try:
                    if snapshot:
                        await connection.execute("BEGIN DEFERRED")
                    try:
                        yield Tx(self.kind, connection)
                    finally:
                        if snapshot:
                            await connection.execute("COMMIT")
                except BaseException:
                    await connection.close()
                    raise
                self._readers.append(connection)
        elif not snapshot and self.engine.current_transaction.get() is None:
            if self._pg_slots is not None:
                async with self._pg_reader(self._pg_slots) as connection:
                    yield Tx(self.kind, connection)
                return
            pool = getattr(self.engine, "pool", None)
            if pool is None:
                async with self.engine.transaction() as tx:
                    yield Tx(self.kind, tx.connection)
                return
            async with pool.acquire() as connection:
                yield Tx(self.kind, connection)
        else:
            async with self.engine.transaction() as tx:
                yield Tx(self.kind, tx.connection)

    @asynccontextmanager
    async def _pg_reader(self, slots: asyncio.Semaphore) -> AsyncIterator[Any]:
        """A plain asyncpg connection for one statement outside a transaction. asyncpg's pool
        spends more Python on each acquire and release (a proxy, a shielded task, a timeout)
        than a page's indexed query costs: with two reads per page, the history page served
        about an eighth more requests per process this way (bench/web.py)."""
        async with slots:
            while self._pg_idle and self._pg_idle[-1].is_closed():
                self._pg_idle.pop()  # the server ended it (a restart): open another
            if self._pg_idle:
                connection = self._pg_idle.pop()
            else:
                connection = await asyncpg.connect(self.url)
            try:
                yield connection
            except BaseException:
                # Cancelled or failed mid-statement, its state is unknown: never reuse it.
                connection.terminate()
                raise
            if self._pg_slots is not slots or connection.is_in_transaction():
                connection.terminate()  # the database was closed meanwhile, or a stray BEGIN
            elif not connection.is_closed():
                self._pg_idle.append(connection)

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        async with self.reading(snapshot=False) as tx:
            return await tx.fetch(sql, *args)

    async def lookup(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """`fetch()` for an indexed query that returns a page of rows or fewer (the session
        check, a page of a list). On SQLite it runs right here in the event loop's thread: the
        hop to aiosqlite's thread and back costs more than such a query. Anything that may scan
        a table belongs in `fetch()`, whose thread lets the loop serve others meanwhile."""
        inline = self._lookup_inline(sql, args)
        if inline is None:
            return await self.fetch(sql, *args)
        cursor, found = inline
        names = [column[0] for column in cursor.description]  # once, not per row
        return [dict(zip(names, row, strict=True)) for row in found]

    async def lookup_values(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        """`lookup()` with each row as the sequence of its columns in the SELECT's order (a
        tuple, or asyncpg's Record): building a dict for each row of a page cost a third of
        its query."""
        inline = self._lookup_inline(sql, args)
        if inline is not None:
            return inline[1]
        async with self.reading(snapshot=False) as tx:
            return await tx.fetch_values(sql, *args)

    def _lookup_inline(
        self, sql: str, args: tuple[Any, ...]
    ) -> tuple[sqlite3.Cursor, list[Any]] | None:
        """The query run in this thread on SQLite outside a transaction (see `lookup()`), or
        None: PostgreSQL, an open transaction, or a busy file, where it waits in a thread."""
        if self.kind != "sqlite" or self.engine.current_transaction.get() is not None:
            return None
        connection = getattr(self._inline, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                str(self.path),
                detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES,
                isolation_level=None,
                check_same_thread=False,  # only its own thread uses it; close() may not
                timeout=0.05,  # WAL readers never wait for writers; a checkpoint may
            )
            self._inline.connection = connection
            self._inline_all.append(connection)
        try:
            cursor = connection.execute(sqlite_sql(sql), args)
            return cursor, cursor.fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            return None  # rare: wait in a thread, not in the loop

    async def lookup_row(self, sql: str, *args: Any) -> dict[str, Any] | None:
        rows = await self.lookup(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self.reading(snapshot=False) as tx:
            return await tx.fetchval(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None:
        async with self.reading(snapshot=False) as tx:
            return await tx.fetchrow(sql, *args)


async def _keep_session_state(connection: Any) -> None:
    """asyncpg's pool `reset`: nothing beyond what the pool always does on release (roll back an
    open transaction, drop listeners). Its default sends a query resetting the session (settings,
    cursors, LISTEN, session advisory locks), a round trip per released connection, and two per
    signed-in page; Corriere changes none of that state (its one advisory lock is per transaction).
    """


_current: Database | None = None


def database() -> Database:
    if _current is None:
        raise ConfigurationError("database not configured: call corriere.platform.db.use() first")
    return _current


def current() -> Database | None:
    return _current


def use(db: Database) -> Database:
    """Make `db` the process's database and bind every table to it."""
    global _current
    from corriere.platform.schema import TABLES

    _current = db
    db.bind(TABLES)
    return db
