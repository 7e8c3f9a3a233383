"""Benchmark: the panel's home page and ledger history under 50 concurrent signed-in sessions.

    python bench/web.py --db sqlite
    python bench/web.py --db postgres --pg-url postgresql://postgres@127.0.0.1/postgres

One `corriere web` process (granian, one worker) on a prepared database: 50 accounts with a
ledger of 60 entries each, each signed in through the real login form. `wrk` (Debian package
`wrk`) then loads each page for `--seconds` with 50 connections, every request carrying one of the
50 session cookies in turn. The last line is one JSON object with requests/s and p50/p99 (ms).

Before the panel, the same load measures the issue's reference page (`web_reference.py`: a bare
Litestar app with a 50-row Jinja table, also under granian with one worker; the issue had it at
about 3 000 req/s, p99 23 ms): the machine's speed varies from hour to hour, and the reference
tells what the panel's figures mean at that moment. `--no-reference` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from corriere.commands.web import web_connections
from corriere.gateway.embedded_redis import ensure_embedded_redis, stop_embedded_redis
from corriere.platform.accounts.services import account_create
from corriere.platform.db import Database, use
from corriere.platform.migrate import migrate
from corriere.platform.settings import settings_load

SESSIONS = 50
LEDGER_ROWS = 60
PASSWORD = "Bench-Password-2026"
WARM_UP_S = 3
LUA = """
local cookies = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do table.insert(cookies, line) end
end
request = function()
  i = i + 1
  return wrk.format("GET", nil, {["Cookie"] = cookies[(i % #cookies) + 1]})
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def prepare(url: str, sessions: int = SESSIONS) -> list[str]:
    """Migrate the database at `url` and make `sessions` accounts, each with a ledger of
    LEDGER_ROWS entries; their usernames (the password is PASSWORD)."""
    db = Database(url)
    await db.start()
    await migrate(db)
    use(db)
    usernames = []
    for i in range(sessions):
        created = await account_create(
            username=f"bench{i:02d}",
            email=f"bench{i:02d}@example.com",
            mobile=f"+39333{i:07d}",
            password=PASSWORD,
            trial_credits="1000",
        )
        usernames.append(created.username)
        now = datetime.now(UTC)
        async with db.transaction() as tx:
            await tx.insert_many(
                "ledger_entry",
                ("account", "kind", "amount", "balance_after", "reason", "created_at"),
                [
                    (
                        created.id,
                        "campaign_debit",
                        -10_000,
                        10_000_000,
                        f"Invio PRO a {n} destinatari",
                        now,
                    )
                    for n in range(LEDGER_ROWS - 1)
                ],
            )
    await db.close()
    return usernames


async def sign_in(base: str, usernames: list[str]) -> list[str]:
    cookies = []
    for username in usernames:
        async with httpx.AsyncClient(base_url=base) as client:
            page = await client.get("/accesso")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
            assert token, "no CSRF token on the login page"
            done = await client.post(
                "/accesso",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "next": "/",
                    "_csrf_token": token.group(1),
                },
            )
            assert done.status_code == 303, f"sign-in failed for {username}: {done.status_code}"
            cookies.append("; ".join(f"{k}={v}" for k, v in client.cookies.items()))
    return cookies


def _cpu_ticks() -> tuple[int, int, int]:
    """The machine's CPU ticks since boot: busy, stolen by the host, all."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    steal = fields[7] if len(fields) > 7 else 0
    total = sum(fields[:8])
    return total - idle - steal, steal, total


def wrk(url: str, cookie_file: Path, script: Path, seconds: int) -> dict[str, float]:
    """Load `url` for `seconds`; also how busy the machine's cores were, and the share the
    host took from them (steal), which moves the figures without showing in the reference."""
    before = _cpu_ticks()
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{SESSIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
            "--",
            str(cookie_file),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    busy, steal, total = (b - a for a, b in zip(before, _cpu_ticks(), strict=True))

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rps, out
    return {
        "rps": round(float(rps.group(1))),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
        "cpu_busy": round(busy / total, 2) if total else 0.0,
        "cpu_steal": round(steal / total, 2) if total else 0.0,
    }


def _kill_leftovers(program: str, marker: str) -> None:
    """granian's worker can outlive the server process: end every process of this run."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if program in cmdline and marker in cmdline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(proc.name), signal.SIGKILL)


def _await_answer(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _end(process: subprocess.Popen[bytes], port: int, program: str) -> None:
    group = process.pid  # the session leader's pid names the group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    _kill_leftovers(program, f"--port {port} ")


@contextlib.contextmanager
def reference_server() -> Iterator[str]:
    """The reference page (`web_reference.py`) under granian, one worker; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory"]
    command += ["--workers", "1", "--log-level", "warning", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "web_reference:app"],
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).parent)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        _await_answer(base)
        yield base
    finally:
        _end(process, port, "granian")


def measure_reference(seconds: int, cookie_file: Path, script: Path) -> dict[str, float]:
    with reference_server() as base:
        wrk(base, cookie_file, script, WARM_UP_S)
        return wrk(base, cookie_file, script, seconds)


@contextlib.contextmanager
def web_server(url: str, home: Path, *, server: str = "granian") -> Iterator[str]:
    """One `corriere web` process on `url` (and an embedded Redis under `home`), started and
    answering; yields its base URL and ends it, granian's worker included."""
    sock = home / "redis" / "redis.sock"
    redis_url = ensure_embedded_redis(sock)
    port = free_port()
    env = dict(
        os.environ,
        CORRIERE_HOME=str(home),
        CORRIERE_DATABASE_URL=url,
        CORRIERE_REDIS_URL=redis_url,
        CORRIERE_LOG_LEVEL="WARNING",
        CORRIERE_SMPP_ROUTES="smpp://bench:pw@127.0.0.1:9/?name=sim",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "corriere", "web", "--port", str(port), "--server", server],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _await_answer(base + "/accesso")
        yield base
    finally:
        _end(process, port, "corriere web")
        stop_embedded_redis(sock)


async def drop_database(pg_url: str, name: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="granian")
    parser.add_argument("--no-reference", action="store_true", help="skip the bare reference page")
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    home = Path(tempfile.mkdtemp(prefix="corriere-webbench-"))
    if opts.db == "postgres":
        name = f"corriere_webbench_{os.getpid()}"

        async def create() -> None:
            conn = await asyncpg.connect(opts.pg_url)
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()

        asyncio.run(create())
        url = opts.pg_url.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{home / 'bench.sqlite'}"
    cookie_file, script = home / "cookies.txt", home / "rotate.lua"
    script.write_text(LUA)
    reference = None
    try:
        if not opts.no_reference:
            cookie_file.write_text("none=0\n")
            reference = measure_reference(opts.seconds, cookie_file, script)
        usernames = asyncio.run(prepare(url))
        with web_server(url, home, server=opts.server) as base:
            cookies = asyncio.run(sign_in(base, usernames))
            cookie_file.write_text("\n".join(cookies) + "\n")
            # Each page is warmed up first: its template compiles on the first view, and on
            # PostgreSQL each pooled connection prepares (and plans) the page's queries anew.
            results = {}
            for page in ("/", "/bacheca/storico"):
                wrk(base + page, cookie_file, script, WARM_UP_S)
                results[page] = wrk(base + page, cookie_file, script, opts.seconds)
            home_page, history = results["/"], results["/bacheca/storico"]
    finally:
        if opts.db == "postgres":
            asyncio.run(drop_database(opts.pg_url, name))
        shutil.rmtree(home, ignore_errors=True)
    result = {
        "db": opts.db,
        "server": f"{opts.server}, 1 worker",
        "sessions": SESSIONS,
        # The web process's PostgreSQL connections (CORRIERE_WEB_DATABASE_POOL, split between
        # single reads and transactions); SQLite has none.
        "db_pool": (
            web_connections(settings_load().web_database_pool) if opts.db == "postgres" else None
        ),
        "reference": reference,
        "home": home_page,
        "history": history,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "load": f"wrk -t2 -c{SESSIONS} -d{opts.seconds}s, cookies rotated per request",
    }
    print(f"reference: {reference}\nhome: {home_page}\nhistory: {history}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
