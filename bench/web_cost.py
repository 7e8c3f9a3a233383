"""Benchmark: what one panel page costs, in CPU instructions per request (steady where seconds are not).

    python bench/web_cost.py                      # SQLite, the home page and the credit history
    python bench/web_cost.py --db postgres --pages /bacheca/storico

`bench/web.py` measures requests per second, which on this machine moves by a third within
minutes. This counts instructions instead, under valgrind's callgrind (Debian package
`valgrind`): the same code gives the same count, whatever else the machine is doing, so a
change of a few percent shows. One signed-in account, with the ledger `bench/web.py` gives each
of its accounts; the Litestar app is called in-process as granian's worker calls it (sessions in
an embedded Redis, the real middleware, templates and queries), 30 requests to warm up, then
`--requests` counted ones.
Granian's own work is not included. It takes about three minutes a page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx

from corriere.gateway.embedded_redis import ensure_embedded_redis, stop_embedded_redis

sys.path.insert(0, str(Path(__file__).parent))
from web import PASSWORD, prepare

WARM_UP = 30


async def child(page: str, requests: int) -> None:
    """Runs under callgrind; `breakpoint()` (a no-op here) marks where the counted part starts
    and ends, and callgrind dumps its counters at each call."""
    from corriere.commands.web import build_app
    from corriere.platform.settings import Settings

    settings = Settings()
    (username,) = await prepare(settings.effective_database_url, sessions=1)
    app = build_app(settings, os.environ["CORRIERE_REDIS_URL"])
    transport = httpx.ASGITransport(app)
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://x") as client,
    ):
        form = await client.get("/accesso")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert token, "no CSRF token on the login page"
        done = await client.post(
            "/accesso",
            data={"username": username, "password": PASSWORD, "_csrf_token": token.group(1)},
        )
        assert done.status_code == 303, done.status_code
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items()).encode()
        path, _, query = page.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie), (b"accept", b"*/*")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        statuses: set[int] = set()

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                statuses.add(int(message["status"]))  # type: ignore[call-overload]

        for _ in range(WARM_UP):
            await app(dict(scope, state={}), receive, send)  # type: ignore[arg-type]
        breakpoint()
        for _ in range(requests):
            await app(dict(scope, state={}), receive, send)  # type: ignore[arg-type]
        breakpoint()
        assert statuses == {200}, f"{page} answered {statuses}"


def count(page: str, requests: int, env: dict[str, str], out: Path) -> int:
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=builtin_breakpoint",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            page,
            str(requests),
        ],
        env={**env, "PYTHONBREAKPOINT": "0", "PYTHONHASHSEED": "0"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    counted = Path(f"{out}.2").read_text()  # part 1: start-up; part 2: the counted requests
    summary = re.search(r"^summary: (\d+)$", counted, re.M)
    assert summary, "callgrind wrote no summary"
    return int(summary.group(1)) // requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--pages", nargs="+", default=["/", "/bacheca/storico"])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--child", nargs=2, metavar=("PAGE", "REQUESTS"), help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        asyncio.run(child(opts.child[0], int(opts.child[1])))
        return
    if not shutil.which("valgrind"):
        sys.exit("valgrind is needed: apt-get install valgrind")
    home = Path(tempfile.mkdtemp(prefix="corriere-webcost-"))
    sock = home / "redis" / "redis.sock"
    env = dict(
        os.environ,
        CORRIERE_HOME=str(home),
        CORRIERE_REDIS_URL=ensure_embedded_redis(sock),
        CORRIERE_LOG_LEVEL="WARNING",
        CORRIERE_SMPP_ROUTES="smpp://bench:pw@127.0.0.1:9/?name=sim",
    )
    result: dict[str, object] = {"db": opts.db}
    try:
        for page in opts.pages:
            name = f"corriere_webcost_{os.getpid()}"
            if opts.db == "postgres":
                asyncio.run(_database(opts.pg_url, f'CREATE DATABASE "{name}"'))
                env["CORRIERE_DATABASE_URL"] = opts.pg_url.rsplit("/", 1)[0] + f"/{name}"
            else:
                db_file = home / f"cost-{len(result)}.sqlite"
                env["CORRIERE_DATABASE_URL"] = f"sqlite:///{db_file}"
            try:
                per_request = count(page, opts.requests, env, home / f"cg-{len(result)}.out")
            finally:
                if opts.db == "postgres":
                    asyncio.run(
                        _database(opts.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    )
            result[page] = per_request
            print(f"{page}: {per_request:,} instructions per request", flush=True)
    finally:
        stop_embedded_redis(sock)
        shutil.rmtree(home, ignore_errors=True)
    result["how"] = (
        f"callgrind, in-process ASGI calls, {WARM_UP} warm-up then {opts.requests} counted"
        f" requests, Python {sys.version.split()[0]}"
    )
    print(json.dumps(result))


async def _database(pg_url: str, sql: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
