"""Gateways as real processes: killed mid-campaign, stopped politely, or two at once.

Every message ends delivered exactly once in the database; a killed gateway may leave at most
its window of submits in doubt (sent, answer not yet on record), which SMPP cannot deduplicate.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

from corriere.jobs.workers import default_worker
from corriere.platform.accounts.queries import account_get, ledger_sum
from corriere.platform.db import database
from corriere.platform.messaging.queries import campaign_state_counts
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import SmsType
from corriere.platform.settings import Settings
from e2e.conftest import Pipeline, wait_for

pytestmark = pytest.mark.slow

WINDOW = 20


def _gateway_env(settings: Settings, port: int, tps: int) -> dict[str, str]:
    return dict(
        os.environ,
        CORRIERE_HOME=str(settings.home),
        CORRIERE_DATABASE_URL=settings.effective_database_url,
        CORRIERE_REDIS_URL=settings.redis_url,
        CORRIERE_SMPP_ROUTES=f"smpp://corriere:sim@127.0.0.1:{port}/?name=sim&window={WINDOW}&tps={tps}",
        CORRIERE_LEASE_SECONDS="6",
        CORRIERE_LOG_LEVEL=os.environ.get("TEST_GATEWAY_LOG_LEVEL", "WARNING"),
    )


class Gateways:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "corriere", "gateway"], env=self.env, stdin=subprocess.DEVNULL
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
async def worker_only(
    settings: Settings, clean_redis: str, smsc: Any, db: Any
) -> AsyncIterator[Pipeline]:
    """The default worker in this process; gateways are started by the test as processes."""
    quick = settings.model_copy(update={"lease_seconds": 6})
    pipeline = Pipeline(quick, clean_redis)
    await pipeline.queue.connect()
    pipeline.workers = [default_worker(quick, clean_redis)]
    pipeline.tasks = [asyncio.create_task(w.start()) for w in pipeline.workers]
    yield pipeline
    await pipeline.stop()


@pytest.fixture
async def gateways(settings: Settings, smsc: Any) -> Any:
    def make(tps: int) -> Gateways:
        made = Gateways(_gateway_env(settings, smsc.port, tps))
        started.append(made)
        return made

    started: list[Gateways] = []
    yield make
    for g in started:
        await asyncio.to_thread(g.stop_all)


async def _campaign(pipeline: Pipeline, account_id: int, n: int, prefix: str) -> int:
    created = await campaign_create(
        account_id=account_id,
        sms_type=SmsType.PRO,
        sender="Negozio",
        text="Promemoria appuntamento",
        recipients=[f"+39{prefix}{i:07d}" for i in range(n)],
    )
    await pipeline.scheduler.dispatch_soon()
    return created.id


async def _delivered(campaign_id: int) -> int:
    return (await campaign_state_counts(campaign_id)).get("delivered", 0)


def _submits_per_number(smsc: Any, prefix: str) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for record in smsc.message_log.records:
        if record.direction == "mt" and record.destination.startswith("39" + prefix):
            counts[record.destination] += 1
    return counts


async def _check_books(campaign_id: int, account_id: int, n: int) -> None:
    assert await campaign_state_counts(campaign_id) == {"delivered": n}
    parts = await database().fetchval(
        "SELECT count(*) FROM message_part p JOIN message m ON m.id = p.message"
        " WHERE m.campaign = $1",
        campaign_id,
    )
    assert parts == n  # one part on record per message, never two
    row = await account_get(account_id)
    assert row is not None and await ledger_sum(account_id) == row.balance_units


async def test_gateway_killed_mid_campaign(worker_only, gateways, make_account, smsc):
    n = 1200
    account = await make_account(credits="2000")
    campaign_id = await _campaign(worker_only, account.id, n, "338")
    group = gateways(tps=200)
    first = group.start()
    await wait_for(lambda: _at_least(campaign_id, 200), timeout=30)
    first.send_signal(signal.SIGKILL)
    await asyncio.to_thread(first.wait)
    assert await _delivered(campaign_id) < n
    group.start()
    await wait_for(lambda: _at_least(campaign_id, n), timeout=90, interval=0.5)
    await _check_books(campaign_id, account.id, n)
    submits = _submits_per_number(smsc, "338")
    assert len(submits) == n  # every phone got its message
    doubled = sum(c - 1 for c in submits.values())
    assert doubled <= 2 * WINDOW, f"{doubled} submits repeated after the crash"


async def test_gateway_stopped_politely_sends_nothing_twice(
    worker_only, gateways, make_account, smsc
):
    n = 800
    account = await make_account(credits="2000")
    campaign_id = await _campaign(worker_only, account.id, n, "339")
    group = gateways(tps=200)
    first = group.start()
    await wait_for(lambda: _at_least(campaign_id, 150), timeout=30)
    first.send_signal(signal.SIGTERM)
    # Wait in a thread: the simulator lives on this event loop and must keep answering.
    assert await asyncio.to_thread(first.wait, 30) == 0
    group.start()
    await wait_for(lambda: _at_least(campaign_id, n), timeout=60, interval=0.5)
    await _check_books(campaign_id, account.id, n)
    submits = _submits_per_number(smsc, "339")
    assert len(submits) == n and set(submits.values()) == {1}


async def test_two_gateways_and_two_workers_never_double_send(
    worker_only, gateways, make_account, smsc
):
    n = 600
    account = await make_account(credits="2000")
    binds_before = smsc.stats()["binds"]
    second = default_worker(worker_only.workers[0].context["settings"], worker_only.redis_url)
    worker_only.workers.append(second)
    worker_only.tasks.append(asyncio.create_task(second.start()))
    group = gateways(tps=300)
    group.start()
    group.start()
    campaign_id = await _campaign(worker_only, account.id, n, "340")
    await wait_for(lambda: _at_least(campaign_id, n), timeout=60, interval=0.5)
    await _check_books(campaign_id, account.id, n)
    assert smsc.stats()["binds"] - binds_before == 1  # the second process stood by
    submits = _submits_per_number(smsc, "340")
    assert len(submits) == n and set(submits.values()) == {1}


async def _at_least(campaign_id: int, n: int) -> bool:
    return await _delivered(campaign_id) >= n
