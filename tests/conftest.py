"""Shared fixtures: a real database (SQLite, or PostgreSQL when CORRIERE_TEST_DATABASE_URL is set),
a real Redis (CORRIERE_TEST_REDIS_URL, or the embedded server), the SMSC simulator over TCP."""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis.asyncio as aioredis

from corriere.gateway.embedded_redis import ensure_embedded_redis, stop_embedded_redis
from corriere.gateway.smsc_sim.config import SmscSimConfig
from corriere.gateway.smsc_sim.server import SmscSimulator
from corriere.platform.accounts.services import AccountCreated, account_create
from corriere.platform.db import Database, use
from corriere.platform.migrate import migrate
from corriere.platform.settings import Settings

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corriere")


async def _fresh_postgres(admin_url: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A new, empty database for this test session on the server the URL points at."""
    import asyncpg

    name = f"corriere_test_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    parts = urlsplit(admin_url)
    url = urlunsplit(parts._replace(path=f"/{name}"))

    async def drop() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    return url, drop


@pytest.fixture(scope="session")
async def database_url(home: Path) -> AsyncIterator[str]:
    admin = os.environ.get("CORRIERE_TEST_DATABASE_URL")
    if not admin:
        yield f"sqlite:///{home / 'test.sqlite'}"
        return
    url, drop = await _fresh_postgres(admin)
    yield url
    await drop()


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.start()
    await migrate(database)
    use(database)
    yield database
    await database.close()


@pytest.fixture(scope="session")
def redis_url(home: Path) -> Iterator[str]:
    url = os.environ.get("CORRIERE_TEST_REDIS_URL")
    if url:
        yield url
        return
    sock = Path("/tmp") / f"corriere-test-{os.getpid()}" / "redis.sock"
    yield ensure_embedded_redis(sock)
    stop_embedded_redis(sock)


@pytest.fixture
async def clean_redis(redis_url: str) -> str:
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()
    return redis_url


@pytest.fixture(scope="session")
async def smsc_session() -> AsyncIterator[SmscSimulator]:
    sim = SmscSimulator(SmscSimConfig(port=0, control_port=0, receipt_delay_ms=10))
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def smsc(smsc_session: SmscSimulator) -> SmscSimulator:
    """The simulator with default outcomes and no records (tests change them freely)."""
    smsc_session.message_log.clear()
    smsc_session.config.update(
        {
            "reject_prefixes": [],
            "undeliverable_prefixes": [],
            "expire_prefixes": [],
            "receipt_before_resp_prefixes": [],
            "throttle_tps": 0,
            "receipt_delay_ms": 10,
            "receipt_style": "both",
        }
    )
    return smsc_session


@pytest.fixture
def settings(
    home: Path, database_url: str, redis_url: str, smsc_session: SmscSimulator
) -> Settings:
    return Settings(
        home=home,
        database_url=database_url,
        redis_url=redis_url,
        smpp_routes=f"smpp://corriere:sim@127.0.0.1:{smsc_session.port}/?name=sim&window=50&tps=0",
        secret_key="test-secret",
        lease_seconds=60,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def make_account(db: Database) -> Callable[..., Awaitable[AccountCreated]]:
    async def make(credits: str = "100", **fields: Any) -> AccountCreated:
        n = next(_counter)
        values: dict[str, Any] = {
            "username": f"user{n}_{secrets.token_hex(3)}",
            "email": f"user{n}@example.com",
            "mobile": f"+39333{n:07d}",
            "first_name": "Mario",
            "last_name": "Rossi",
            "trial_credits": credits,
        }
        values.update(fields)
        return await account_create(**values)

    return make
