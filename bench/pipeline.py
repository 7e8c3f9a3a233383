"""Benchmark: create a campaign of N recipients and run it end to end through the real pipeline.

    python bench/pipeline.py --n 100000 --db sqlite
    python bench/pipeline.py --n 100000 --db postgres --pg-url postgresql://postgres@127.0.0.1/postgres

Creation is `campaign_create` in this process (validation, pricing, debit, bulk insert). End to end
runs `corriere worker`, `corriere gateway` and `corriere smsc-sim` as separate processes, as in
production, with a delivery receipt for every message; the clock runs from the dispatch request
until every message is `delivered`. The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from corriere.gateway.embedded_redis import ensure_embedded_redis, stop_embedded_redis
from corriere.jobs.queues import DEFAULT, SaqScheduler, make_queue
from corriere.platform.accounts.services import account_create
from corriere.platform.db import Database, use
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import SmsType
from corriere.platform.migrate import migrate


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def fresh_postgres(admin_url: str) -> str:
    name = f"corriere_bench_{os.getpid()}"
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "corriere", *args],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


async def run(opts: argparse.Namespace) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="corriere-bench-"))
    if opts.db == "postgres":
        url = await fresh_postgres(opts.pg_url)
    else:
        url = f"sqlite:///{home / 'bench.sqlite'}"
    sock = home / "redis" / "redis.sock"
    redis_url = opts.redis_url or ensure_embedded_redis(sock)
    db = Database(url)
    await db.start(pool_size=4)
    await migrate(db)
    use(db)

    account = await account_create(
        username="bench",
        email="bench@example.com",
        mobile="+393330000000",
        trial_credits=str(opts.n * 2),
    )
    recipients = [f"+3933{i:08d}" for i in range(opts.n)]
    started = time.perf_counter()
    created = await campaign_create(
        account_id=account.id,
        sms_type=SmsType.PRO,
        text="Il tuo appuntamento è confermato per domani alle 9:30.",
        recipients=recipients,
        sender="Corriere",
        route="sim",
    )
    create_s = time.perf_counter() - started
    assert created.recipients == opts.n

    smpp_port, control_port = free_port(), free_port()
    env = dict(
        os.environ,
        CORRIERE_HOME=str(home),
        CORRIERE_DATABASE_URL=url,
        CORRIERE_REDIS_URL=redis_url,
        CORRIERE_SMPP_ROUTES=(
            f"smpp://bench:pw@127.0.0.1:{smpp_port}/?name=sim&window={opts.window}&tps=0"
        ),
        CORRIERE_LOG_LEVEL="WARNING",
    )
    logs = home / "logs.txt"
    sim_args = ["smsc-sim", "--port", str(smpp_port), "--control-port", str(control_port)]
    sim_args += ["--receipt-delay-ms", str(opts.receipt_delay_ms)]
    processes = [spawn(sim_args, env, logs)]
    await asyncio.sleep(1.0)
    processes.append(spawn(["gateway"], env, logs))
    processes.append(spawn(["worker"], env, logs))
    queue = make_queue(redis_url, DEFAULT)
    await queue.connect()
    try:
        await asyncio.sleep(2.0)  # let the gateway bind before the clock starts
        started = time.perf_counter()
        await SaqScheduler(queue).dispatch_soon()
        delivered = 0
        deadline = started + opts.timeout
        while time.perf_counter() < deadline:
            delivered = int(
                await db.fetchval(
                    "SELECT count(*) FROM message WHERE campaign = $1 AND state = 'delivered'",
                    created.id,
                )
            )
            if delivered >= opts.n:
                break
            await asyncio.sleep(0.25)
        e2e_s = time.perf_counter() - started
    finally:
        await queue.disconnect()
        for p in processes[::-1]:
            p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        await db.close()
        if not opts.redis_url:
            stop_embedded_redis(sock)
    return {
        "n": opts.n,
        "db": opts.db,
        "create_s": round(create_s, 3),
        "create_per_s": round(opts.n / create_s),
        "delivered": delivered,
        "e2e_s": round(e2e_s, 3),
        "e2e_per_s": round(delivered / e2e_s),
        "window": opts.window,
        "receipt_delay_ms": opts.receipt_delay_ms,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--redis-url", default="", help="default: an embedded Redis")
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--receipt-delay-ms", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600)
    opts = parser.parse_args()
    print(f"pipeline benchmark: n={opts.n} db={opts.db} window={opts.window}", flush=True)
    result = asyncio.run(run(opts))
    print(
        f"created {opts.n} recipients in {result['create_s']} s; "
        f"{result['delivered']} delivered end to end in {result['e2e_s']} s",
        flush=True,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
