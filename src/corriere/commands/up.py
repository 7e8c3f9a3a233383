"""`corriere up`: the whole platform in one command, on embedded defaults.

Migrates, starts the embedded Redis, then the SMSC simulator, a gateway, a worker and the web server
as child processes; creates a demo account on the first run. Ctrl-C stops them all.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from corriere.gateway.embedded_redis import stop_embedded_redis
from corriere.platform.accounts.queries import accounts_search
from corriere.platform.accounts.services import account_create
from corriere.platform.money import format_credits
from corriere.platform.settings import Settings
from corriere.runtime import open_database, redis_url

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-corriere-2026"


async def _prepare(settings: Settings) -> str | None:
    """Migrate, and create the demo account on first run; returns its balance if created."""
    db = await open_database(settings, run_migrations=True)
    try:
        if await accounts_search(DEMO_USER):
            return None
        created = await account_create(
            username=DEMO_USER,
            email="demo@example.com",
            mobile="+393331234567",
            first_name="Demo",
            last_name="Corriere",
            password=DEMO_PASSWORD,
            trial_credits=settings.trial_credits,
        )
        return format_credits(created.balance_units)
    finally:
        await db.close()


def demo_hints(settings: Settings, base: str) -> list[str]:
    """Where to see the SMS and the e-mail that stay on this machine: the demo pages when the
    web app serves them (the same rule as `create_app`), or else where to look instead."""
    pages = settings.demo_pages_enabled
    hints: list[str] = []
    if settings.uses_simulator:
        hints.append(
            f"and see it arrive on the simulated phones: {base}/simulatore"
            if pages
            else "The SMS go to the SMSC simulator; its simulated phones page is off"
            " (CORRIERE_DEMO_PAGES=true serves it)."
        )
    if settings.mail_is_kept:
        hints.append(
            f"E-mail stays on this machine: read it at {base}/posta"
            if pages
            else "E-mail stays on this machine (no SMTP server configured): read the outbox"
            " in the support console, `corriere tui` (Posta)."
        )
    return hints


def _spawn(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    print(f"  starting {name}", flush=True)
    # A session of its own: Ctrl-C reaches only `up`, which then stops the children in order.
    return subprocess.Popen(
        [sys.executable, "-m", "corriere", *args], env=env, start_new_session=True
    )


def up(settings: Settings, *, port: int | None = None) -> int:
    settings.home.mkdir(parents=True, exist_ok=True)
    print(f"Corriere: data in {settings.home}", flush=True)
    url = redis_url(settings)
    created = asyncio.run(_prepare(settings))
    env = dict(os.environ, CORRIERE_REDIS_URL=url, CORRIERE_HOME=str(settings.home))
    web_port = port or settings.web_port
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    if settings.uses_simulator:
        children.append(("smsc-sim", _spawn("the SMSC simulator", ["smsc-sim"], env)))
        time.sleep(0.5)
    children.append(("gateway", _spawn("the gateway", ["gateway"], env)))
    children.append(("worker", _spawn("the worker", ["worker"], env)))
    children.append(("web", _spawn("the web server", ["web", "--port", str(web_port)], env)))
    base = f"http://{settings.web_host}:{web_port}"
    print(f"\nCorriere is running on {base}", flush=True)
    if created is not None:
        print(
            f"Demo account created: username '{DEMO_USER}', password '{DEMO_PASSWORD}',"
            f" {created} trial credits."
        )
    else:
        print(f"Demo account: username '{DEMO_USER}', password '{DEMO_PASSWORD}'.")
    print("Send a test SMS from another terminal:")
    print(
        f"  corriere send --account {DEMO_USER} --to 3351234567 --sender Corriere"
        ' --text "Ciao da Corriere" --wait'
    )
    for line in demo_hints(settings, base):
        print(line)
    print(f"Sign in to the panel at {base}/accesso, or create an account at {base}/registrazione.")
    print("Press Ctrl-C to stop.\n", flush=True)

    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    code = 0
    try:
        while not stopping:
            for name, child in children:
                if child.poll() is not None:
                    print(f"{name} exited with code {child.returncode}: stopping", flush=True)
                    stopping = True
                    code = 1
            time.sleep(0.3)
    finally:
        print("stopping…", flush=True)
        # Web and worker first, then the gateway (it drains its window), the simulator last.
        for _, child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 25
        for _, child in reversed(children):
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if settings.uses_embedded_redis:
            stop_embedded_redis(settings.embedded_redis_socket)
        print("stopped.", flush=True)
    return code
