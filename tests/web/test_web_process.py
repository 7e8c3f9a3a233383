"""The `corriere web` process: its settings and the database pool it serves pages from."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from corriere.cli import main
from corriere.commands.web import build_app, web_connections
from corriere.platform.db import current, use
from corriere.platform.settings import Settings


def test_a_bad_pool_size_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CORRIERE_WEB_DATABASE_POOL", "0")
    assert main(["web"]) == 2
    err = capsys.readouterr().err
    assert "CORRIERE_WEB_DATABASE_POOL = '0'" in err
    assert "Traceback" not in err


def test_a_malformed_setting_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CORRIERE_WEB_PORT", "ottanta")
    assert main(["migrate"]) == 2
    assert "CORRIERE_WEB_PORT = 'ottanta'" in capsys.readouterr().err


async def test_the_web_process_holds_as_many_connections_as_configured(
    settings: Settings, redis_url: str
) -> None:
    if not settings.effective_database_url.startswith("postgres"):
        pytest.skip("SQLite reads have no connection pool (CORRIERE_TEST_DATABASE_URL unset)")
    before = current()
    app = build_app(settings.model_copy(update={"web_database_pool": 3}), redis_url)
    try:
        async with AsyncTestClient(app) as client:
            assert (await client.get("/accesso")).status_code == 200
            db = current()
            assert db is not None and db is not before
            # Of 3: one for transactions, two for single reads (`web_connections`).
            pool: Any = getattr(db.engine, "pool", None)
            assert pool is not None and pool.get_max_size() == 1
            pids = await asyncio.gather(
                *(db.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.05)") for _ in range(5))
            )
            assert len(set(pids)) <= 2
    finally:
        if before is not None:
            use(before)


def test_the_web_process_spends_most_connections_on_reads() -> None:
    assert web_connections(50) == {"pool_size": 10, "readers": 40}
    assert web_connections(3) == {"pool_size": 1, "readers": 2}
    assert web_connections(1) == {"pool_size": 1, "readers": 0}
