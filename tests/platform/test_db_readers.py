"""PostgreSQL's reader connections: the plain connections single-statement reads go through when
the process asks for some (the web process does), beside the pool that serves transactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from corriere.platform.db import Database


@pytest.fixture
async def readers_db(database_url: str) -> AsyncIterator[Database]:
    if not database_url.startswith("postgres"):
        pytest.skip("reader connections are PostgreSQL's (CORRIERE_TEST_DATABASE_URL unset)")
    database = Database(database_url)
    await database.start(pool_size=1, readers=2)
    yield database
    await database.close()


async def _gone(database_url: str, pids: set[int]) -> bool:
    """Whether none of `pids` is still a backend of the server, waiting up to 5 s."""
    admin = await asyncpg.connect(database_url)
    try:
        for _ in range(100):
            alive = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", list(pids)
            )
            if alive == 0:
                return True
            await asyncio.sleep(0.05)
        return False
    finally:
        await admin.close()


async def test_reads_reuse_their_connection(readers_db: Database) -> None:
    first = await readers_db.fetchval("SELECT pg_backend_pid()")
    again = await readers_db.lookup_values("SELECT pg_backend_pid()")
    assert again[0][0] == first


async def test_more_concurrent_reads_than_readers_wait_their_turn(readers_db: Database) -> None:
    rows = await asyncio.gather(
        *(
            readers_db.fetchrow(
                "SELECT pg_backend_pid() AS pid, $1::int AS n FROM pg_sleep(0.1)", n
            )
            for n in range(6)
        )
    )
    assert [row["n"] for row in rows if row] == list(range(6))
    assert len({row["pid"] for row in rows if row}) <= 2


async def test_a_cancelled_read_leaves_no_half_read_connection_behind(
    readers_db: Database,
) -> None:
    slow = asyncio.ensure_future(
        readers_db.fetch("SELECT n FROM generate_series(1, 3) n, pg_sleep(1)")
    )
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    # The next reads answer their own statements at once, not the cancelled one's rows.
    for n in range(4):
        async with asyncio.timeout(0.8):
            assert await readers_db.fetchval("SELECT $1::int * 10", n) == n * 10


async def test_a_connection_the_server_ended_is_replaced(
    readers_db: Database, database_url: str
) -> None:
    pid = await readers_db.fetchval("SELECT pg_backend_pid()")
    admin = await asyncpg.connect(database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    assert await _gone(database_url, {pid})
    await asyncio.sleep(0.2)  # the closed socket reaches the client
    assert await readers_db.fetchval("SELECT 7") == 7
    assert await readers_db.fetchval("SELECT pg_backend_pid()") != pid


async def test_closing_the_database_ends_its_readers(
    readers_db: Database, database_url: str
) -> None:
    rows = await asyncio.gather(
        *(readers_db.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.05)") for _ in range(2))
    )
    await readers_db.close()
    assert await _gone(database_url, set(rows))


async def test_a_read_inside_a_transaction_sees_its_changes(readers_db: Database) -> None:
    async with readers_db.transaction() as tx:
        await tx.execute("CREATE TEMPORARY TABLE probe (n int) ON COMMIT DROP")
        await tx.execute("INSERT INTO probe VALUES (5)")
        # Through the transaction's connection, not a reader (which could not see the table).
        assert await readers_db.fetchval("SELECT n FROM probe") == 5
