"""Browser tests: the whole platform started as a newcomer starts it (`corriere up`), driven by
Playwright in Debian's Chromium. Skipped, with the reason, where the browser is missing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("CORRIERE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.web_port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.env = dict(
            os.environ,
            CORRIERE_HOME=str(home),
            CORRIERE_SMSC_SIM_PORT=str(_free_port()),
            CORRIERE_SMSC_SIM_CONTROL_PORT=str(_free_port()),
            CORRIERE_SMSC_SIM_RECEIPT_DELAY_MS="10",
            CORRIERE_PUBLIC_BASE_URL=self.base_url,
            CORRIERE_LOG_LEVEL="WARNING",
        )
        for key in ("CORRIERE_DATABASE_URL", "CORRIERE_REDIS_URL", "CORRIERE_SMPP_ROUTES"):
            self.env.pop(key, None)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "corriere", "up", "--port", str(self.web_port)],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=(self.home / "up.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.home / "up.log").read_text())
            try:
                if httpx.get(self.base_url + "/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(
            "corriere up did not answer in 60 s:\n" + (self.home / "up.log").read_text()
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("browser-stack"))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, which the asyncio tests that follow could not share."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, stack: Stack) -> Iterator[object]:
    context = browser.new_context(base_url=stack.base_url, locale="it-IT")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()
