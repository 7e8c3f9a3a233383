#!/usr/bin/env python3
"""Corriere's bootstrap: everything from a fresh clone with nothing but Python 3.11+ and pip.

    python3 dev.py up       run the whole platform on embedded defaults (http://127.0.0.1:8000)
    python3 dev.py test     run the test suite (extra arguments go to pytest)
    python3 dev.py lint     ruff, ruff-format check, mypy --strict, import-linter
    python3 dev.py ARGS…    any other `corriere` command, e.g. `python3 dev.py send --help`

The first run installs uv into var/bootstrap with pip, then the locked dependencies into .venv.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BOOTSTRAP = ROOT / "var" / "bootstrap"
STAMP = VENV / ".corriere-synced"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, env=env)


def ensure_environment() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before any version check
        sys.exit(f"Corriere needs Python 3.11 or newer (this is {sys.version.split()[0]}).")
    uv = VENV / "bin" / "uv"
    if not uv.exists():
        uv = BOOTSTRAP / "bin" / "uv"
        if not uv.exists():
            print("installing uv (first run only)…", flush=True)
            _run(
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                BOOTSTRAP,
                "uv",
            )
    inputs = [ROOT / "uv.lock", ROOT / "pyproject.toml"]
    if not STAMP.exists() or any(p.stat().st_mtime > STAMP.stat().st_mtime for p in inputs):
        print("installing the locked dependencies into .venv…", flush=True)
        env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(VENV))
        _run(uv, "sync", "--frozen", "--python", sys.executable, "--project", ROOT, env=env)
        STAMP.touch()
    return VENV / "bin"


def main() -> None:
    args = sys.argv[1:] or ["up"]
    bin_dir = ensure_environment()
    python = bin_dir / "python"
    os.chdir(ROOT)
    os.environ.setdefault("CORRIERE_LAUNCHER", "python3 dev.py")
    if args[0] == "test":
        command = [str(python), "-m", "pytest", *args[1:]]
    elif args[0] == "lint":
        command = [str(bin_dir / "just"), "lint"]
    else:
        command = [str(bin_dir / "corriere"), *args]
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
