"""Benchmark: address book import, export and search.

    python bench/contacts.py --db sqlite
    python bench/contacts.py --db postgres --pg-url postgresql://postgres@127.0.0.1/postgres

1. Import an N-row .xlsx (default 100 000; written as Excel writes it, text in the shared strings
   table, the manual's twelve columns) into a new group: reading, checking and storing, timed
   from the upload to the committed import, in a process that does only that (as a worker).
   The worker's VACUUM of the book after the import (PostgreSQL) is timed apart.
2. The same for 1 000 000 rows (`--million 0` skips it), with the process's peak resident memory
   (VmHWM, read from the kernel).
3. Export the N contacts to .xlsx (and .csv), timed to the last byte.
4. Search through the page: one `corriere web` process (granian, one worker) on the N-contact
   book, signed in through the login form; HTMX requests for the results block one after
   another: 300 finished words (partial names, surnames, numbers), then 300 requests as typing
   and browsing send them (the one- and two-character beginnings search-as-you-type sends
   first, the group filter, the sort by surname, later pages); then `wrk -c10` rotating all of
   them. Latency p50 / p99 in milliseconds, for both sets together and each apart.

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

from corriere.platform.accounts.services import account_create
from corriere.platform.contacts.exporting import export_csv, export_xlsx
from corriere.platform.contacts.importing.apply import contacts_book_vacuum
from corriere.platform.contacts.importing.queries import import_get
from corriere.platform.contacts.importing.services import (
    ImportTarget,
    contact_import_run,
    contact_import_start,
)
from corriere.platform.contacts.queries import ContactFilter
from corriere.platform.db import Database, use
from corriere.platform.migrate import migrate
from corriere.platform.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from sheets import write_xlsx_shared
from web import sign_in, web_server

HEADER = [
    "Nome", "Cognome", "Cellulare", "Sesso", "Indirizzo", "Città", "Provincia", "DataNascita",
    "Telefono", "Email", "Note", "SMScompleanno",
]  # fmt: skip
NAMES = ["Marco", "Giulia", "Luca", "Sara", "Paolo", "Anna", "Nicolò", "Chiara", "Davide", "Elena"]
SURNAMES = [
    "Rossi",
    "Bianchi",
    "Esposito",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
]
PROVINCES = ["BO", "RM", "MI", "NA", "TO", "VE", "FI", "BA", "PA", "GE"]
PASSWORD = "Bench-Password-2026"


def rows(n: int, seed: int = 7) -> object:
    rnd = random.Random(seed)
    for i in range(n):
        name, surname = rnd.choice(NAMES), rnd.choice(SURNAMES)
        yield [
            name,
            f"{surname}{i % 997}",
            393300000000 + i,
            "M" if i % 2 else "F",
            f"Via Roma {i % 300}",
            "Bologna",
            PROVINCES[i % 10],
            date(1940 + i % 60, 1 + i % 12, 1 + i % 28).strftime("%d/%m/%Y"),
            f"051{i:07d}",
            f"cliente{i}@example.com",
            "cliente fedele" if i % 5 == 0 else "",
            "X" if i % 7 == 0 else "",
        ]


async def fresh_database(kind: str, pg_url: str, home: Path) -> tuple[str, object]:
    if kind == "sqlite":
        return f"sqlite:///{home / 'bench.sqlite'}", None
    name = f"corriere_contactsbench_{os.getpid()}"
    conn = await asyncpg.connect(pg_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(pg_url)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    return pg_url.rsplit("/", 1)[0] + f"/{name}", drop


async def import_file(url: str, path: Path, account_id: int, group: str) -> dict[str, object]:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    data = await asyncio.to_thread(path.read_bytes)
    started = time.perf_counter()
    import_id = await contact_import_start(
        account_id=account_id,
        filename=path.name,
        data=data,
        target=ImportTarget(new_group=group),
        settings=settings,
    )
    del data
    written = await contact_import_run(import_id=import_id, settings=settings)
    seconds = time.perf_counter() - started
    job = await import_get(account_id, import_id)
    assert job is not None and job.status == "done", job
    # The worker's housekeeping after the committed import (PostgreSQL), timed apart: the
    # searches below then read what a book reads once its import is over.
    started = time.perf_counter()
    await contacts_book_vacuum(written)
    vacuum = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "imported": job.imported,
        "rejected": job.rejected,
        "vacuum_after_s": round(vacuum, 2),
    }


async def prepare(url: str, username: str) -> int:
    db = Database(url)
    await db.start()
    await migrate(db)
    use(db)
    created = await account_create(
        username=username,
        email=f"{username}@example.com",
        mobile="+393330000000",
        password=PASSWORD,
        trial_credits="1",
    )
    await db.close()
    return created.id


def import_in_child(url: str, path: Path, account_id: int) -> dict[str, object]:
    """Run an import in a process of its own, as a worker would: its figures are its own."""
    child = subprocess.run(
        [sys.executable, __file__, "--child-import", url, str(path), str(account_id)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(child.stdout.strip().splitlines()[-1])
    result["file_mb"] = round(path.stat().st_size / 1e6, 1)
    return result


async def export(url: str, account_id: int) -> dict[str, object]:
    db = Database(url)
    await db.start()
    use(db)
    try:
        started = time.perf_counter()
        handle = await export_xlsx(account_id, ContactFilter(), [])
        size = len(handle.read())
        handle.close()
        xlsx_s = time.perf_counter() - started
        started = time.perf_counter()
        csv_bytes = 0
        async for chunk in export_csv(account_id, ContactFilter(), []):
            csv_bytes += len(chunk)
        csv_s = time.perf_counter() - started
    finally:
        await db.close()
    return {
        "export_xlsx_s": round(xlsx_s, 2),
        "export_xlsx_mb": round(size / 1e6, 1),
        "export_csv_s": round(csv_s, 2),
    }


def child_import(url: str, path: str, account_id: int) -> None:
    """`--child-import`: only the import, as a worker would run it; prints its peak memory."""

    async def run() -> dict[str, object]:
        db = Database(url)
        await db.start()
        use(db)
        try:
            return await import_file(url, Path(path), account_id, "Bench")
        finally:
            await db.close()

    result = asyncio.run(run())
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def peak_rss_mb() -> int:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux keeps that
    across fork and exec, so a child would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def searches(n: int) -> list[str]:
    """300 finished words (3+ characters: names, surnames, surname+digits, number parts)."""
    rnd = random.Random(11)
    words: list[str] = []
    for _ in range(300):
        pick = rnd.randrange(4)
        if pick == 0:
            words.append(rnd.choice(NAMES)[: rnd.randint(3, 6)].lower())
        elif pick == 1:
            words.append(f"{rnd.choice(SURNAMES)[:4].lower()}{rnd.randrange(997)}")
        elif pick == 2:
            words.append(str(393300000000 + rnd.randrange(n))[2 : 2 + rnd.randint(5, 9)])
        else:
            words.append(rnd.choice(SURNAMES)[: rnd.randint(3, 5)].lower())
    return words


def typed_queries(words: list[str], group_id: int) -> list[str]:
    """What the page is asked while someone types and browses: the one- and two-character
    beginnings search-as-you-type sends first, the group filter, the sort by surname and later
    pages, besides the finished words."""
    rnd = random.Random(12)
    queries: list[str] = []
    for word in words:
        kind = rnd.randrange(6)
        if kind == 0:
            queries.append(urlencode({"q": word[:1]}))
        elif kind == 1:
            queries.append(urlencode({"q": word[:2]}))
        elif kind == 2:
            queries.append(urlencode({"q": word, "gruppo": group_id}))
        elif kind == 3:
            queries.append(urlencode({"q": word[:3], "ordina": "cognome"}))
        elif kind == 4:
            queries.append(urlencode({"q": "", "pagina": rnd.randint(2, 40)}))
        else:
            queries.append(urlencode({"q": word, "ordina": "cognome", "gruppo": group_id}))
    return queries


def _percentiles(latencies: list[float]) -> dict[str, object]:
    latencies = sorted(latencies)
    return {
        "requests": len(latencies),
        "p50_ms": round(latencies[len(latencies) // 2], 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "max_ms": round(latencies[-1], 2),
    }


def _timed(client: httpx.Client, queries: list[str]) -> list[float]:
    for query in queries[:20]:  # warm-up
        client.get(f"/rubrica?{query}")
    latencies = []
    for query in queries:
        started = time.perf_counter()
        answer = client.get(f"/rubrica?{query}")
        latencies.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200 and (
            "Risultati" in answer.text or "Nessun" in answer.text
        ), (query, answer.status_code)
    return latencies


async def bench_group_id(url: str, account_id: int) -> int:
    db = Database(url)
    await db.start()
    try:
        return int(await db.fetchval("SELECT id FROM contact_group WHERE account = $1", account_id))
    finally:
        await db.close()


def search_through_the_page(
    url: str, home: Path, username: str, account_id: int, n: int, seconds: int
) -> dict[str, object]:
    words = searches(n)
    finished = [urlencode({"q": word}) for word in words]
    typed = typed_queries(words, asyncio.run(bench_group_id(url, account_id)))
    with web_server(url, home) as base:
        (cookie,) = asyncio.run(sign_in(base, [username]))
        headers = {"Cookie": cookie, "HX-Request": "true", "HX-Target": "results"}
        with httpx.Client(base_url=base, headers=headers) as client:
            words_ms = _timed(client, finished)
            typed_ms = _timed(client, typed)
        script = home / "search.lua"
        paths = home / "paths.txt"
        paths.write_text("\n".join(f"/rubrica?{q}" for q in finished + typed) + "\n")
        script.write_text(
            "local paths = {}\nlocal i = 0\ninit = function(args)\n"
            "  for line in io.lines(args[1]) do table.insert(paths, line) end\nend\n"
            "request = function()\n  i = i + 1\n"
            '  return wrk.format("GET", paths[(i % #paths) + 1], {["Cookie"] = "'
            + cookie.replace('"', '\\"')
            + '", ["HX-Request"] = "true", ["HX-Target"] = "results"})\nend\n'
        )
        concurrent = wrk_search(base, script, paths, seconds)
    return {
        "sequential": _percentiles(words_ms + typed_ms),
        "words": _percentiles(words_ms),
        "typing_filters_pages": _percentiles(typed_ms),
        "wrk_c10": concurrent,
    }


def wrk_search(base: str, script: Path, paths: Path, seconds: int) -> dict[str, object]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c10",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            base + "/",
            "--",
            str(paths),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import re

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    return {"rps": round(float(rps.group(1))), "p50_ms": latency("50"), "p99_ms": latency("99")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument(
        "--n", type=int, default=100_000, help="rows of the import, export and search book"
    )
    parser.add_argument(
        "--million", type=int, default=1_000_000, help="rows of the memory run (0 skips it)"
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration")
    parser.add_argument(
        "--child-import", nargs=3, metavar=("URL", "FILE", "ACCOUNT"), help=argparse.SUPPRESS
    )
    opts = parser.parse_args()
    if opts.child_import:
        url, path, account = opts.child_import
        child_import(url, path, int(account))
        return
    home = Path(tempfile.mkdtemp(prefix="corriere-contactsbench-"))
    started = time.perf_counter()
    book = home / f"rubrica-{opts.n}.xlsx"
    write_xlsx_shared(book, HEADER, rows(opts.n))  # type: ignore[arg-type]
    print(
        f"{book.name}: {book.stat().st_size / 1e6:.1f} MB written in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    url, drop = asyncio.run(fresh_database(opts.db, opts.pg_url, home))
    result: dict[str, object] = {"db": opts.db, "n": opts.n}
    try:
        account_id = asyncio.run(prepare(url, "rubricabench"))
        result["import"] = import_in_child(url, book, account_id)
        result.update(asyncio.run(export(url, account_id)))
        print(f"import and export: {result}", flush=True)
        result["search"] = search_through_the_page(
            url, home, "rubricabench", account_id, opts.n, opts.seconds
        )
        print(f"search: {result['search']}", flush=True)
        if opts.million:
            big = home / f"rubrica-{opts.million}.xlsx"
            write_xlsx_shared(big, HEADER, rows(opts.million, seed=8))  # type: ignore[arg-type]
            other = asyncio.run(prepare_more(url, "milionebench"))
            result["million"] = import_in_child(url, big, other)
            print(f"million: {result['million']}", flush=True)
    finally:
        if drop is not None:
            asyncio.run(drop())  # type: ignore[operator]
        shutil.rmtree(home, ignore_errors=True)  # the sheets and the SQLite book: up to 1 GB
    result["machine"] = (
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    result["how"] = (
        "each import in a process of its own; the export in the benchmark's process;"
        " search through one granian web process: 300 finished words, then 300 typed beginnings"
        " (1-2 characters), group filters, surname sorts and later pages, one after another,"
        " then all of them with wrk -t2 -c10"
    )
    print(json.dumps(result))


async def prepare_more(url: str, username: str) -> int:
    db = Database(url)
    await db.start()
    use(db)
    created = await account_create(
        username=username,
        email=f"{username}@example.com",
        mobile="+393330000001",
        trial_credits="1",
    )
    await db.close()
    return created.id


if __name__ == "__main__":
    main()
