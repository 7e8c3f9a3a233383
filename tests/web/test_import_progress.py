"""The import's status page while it runs (its percentage and rows, polled), once it has stopped
without finishing (the stale-imports task's message, no more polling), and when the workers'
queue cannot be reached at all."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, signin_for_tests, text_of, token
from web_helpers import MakeApp

from corriere.jobs.queues import DEFAULT, SaqScheduler, make_queue
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.clock import utcnow
from corriere.platform.contacts.importing.queries import ImportRow, import_get, imports_list
from corriere.platform.contacts.importing.services import (
    CHUNK,
    contact_import_run,
    contact_import_start,
)
from corriere.platform.contacts.importing.stale import INTERRUPTED, contact_imports_reap
from corriere.platform.contacts.queries import contacts_count
from corriere.platform.db import database
from corriere.platform.settings import Settings

MakeAccount = Callable[..., Awaitable[AccountCreated]]
ROWS = 12 * CHUNK
FRAGMENT = {"hx-request": "true", "hx-target": "import-status"}


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


def _big_csv() -> bytes:
    lines = [b"Cellulare;Nome"] + [b"39340%07d;Nome %d" % (n, n) for n in range(ROWS)]
    return b"\r\n".join(lines) + b"\r\n"


def _italian(number: int) -> str:
    return f"{number:,}".replace(",", ".")


async def _job(account_id: int, import_id: int) -> ImportRow:
    job = await import_get(account_id, import_id)
    assert job is not None
    return job


async def _killed_mid_run(account_id: int, settings: Settings) -> ImportRow:
    """An import whose job stopped (as SAQ's timeout cancels it) after storing some rows."""
    import_id = await contact_import_start(
        account_id=account_id, filename="clienti.csv", data=_big_csv(), settings=settings
    )
    task = asyncio.create_task(contact_import_run(import_id=import_id, settings=settings))
    while (await _job(account_id, import_id)).processed_rows == 0:
        assert not task.done()
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return await _job(account_id, import_id)


async def test_running_import_shows_its_percentage_and_polls_until_it_stops(
    app: Litestar, make_account: MakeAccount, settings: Settings
) -> None:
    account = await make_account()
    job = await _killed_mid_run(account.id, settings)
    assert job.status == "running" and ROWS <= job.total_rows <= ROWS + 1  # lines, roughly
    assert 0 < job.percent < 100 and job.percent == job.processed_rows * 100 // job.total_rows
    url = f"/rubrica/importa/{job.id}"
    async with browser(app, account.id) as client:
        running = (await client.get(url, headers=FRAGMENT)).text
        assert "<html" not in running
        assert 'data-status="running"' in running
        assert 'hx-trigger="every 1s"' in running  # it keeps polling
        assert f'<progress max="100" value="{job.percent}"' in running
        text = text_of(running)
        assert "Importazione in corso…" in text
        assert f"{job.percent}%" in text
        assert (
            f"Righe lette: {_italian(job.processed_rows)} di circa {_italian(job.total_rows)}"
            in text
        ), text
        page = (await client.get(url)).text
        assert 'http-equiv="refresh"' in page  # without JavaScript, too

        # The stale-imports task finds it has not moved: the page says so and stops polling.
        later = utcnow() + timedelta(minutes=settings.import_stale_minutes + 1)
        assert job.id in await contact_imports_reap(settings=settings, now=later)
        failed = (await client.get(url, headers=FRAGMENT)).text
        assert 'data-status="failed"' in failed
        assert "hx-trigger" not in failed and "every 1s" not in failed
        assert INTERRUPTED in text_of(failed)
        assert "Nessun contatto è stato importato o modificato." in text_of(failed)
        assert 'http-equiv="refresh"' not in (await client.get(url)).text
    assert await contacts_count(account.id) == 0


async def test_finished_import_stops_polling(
    app: Litestar, make_account: MakeAccount, settings: Settings
) -> None:
    account = await make_account()
    import_id = await contact_import_start(
        account_id=account.id, pasted="393351234561\n393351234562", settings=settings
    )
    await contact_import_run(import_id=import_id, settings=settings)
    async with browser(app, account.id) as client:
        done = (await client.get(f"/rubrica/importa/{import_id}", headers=FRAGMENT)).text
    assert 'data-status="done"' in done
    assert "hx-trigger" not in done and "<progress" not in done
    assert re.search(r'data-count="imported">2<', done)


async def _upload_pasted(client: httpx.AsyncClient, pasted: str) -> httpx.Response:
    data = {
        "_csrf_token": await token(client, "/rubrica/importa"),
        "mode": "complete",
        "target": "book",
        "pasted": pasted,
    }
    return await client.post("/rubrica/importa", data=data, files={})


async def test_queue_unreachable_says_so_and_fails_the_import(
    make_app: MakeApp, db: Any, make_account: MakeAccount
) -> None:
    nowhere = make_queue("redis://127.0.0.1:1", DEFAULT)  # nothing listens on port 1
    app = make_app(route_handlers=[signin_for_tests], scheduler=SaqScheduler(nowhere))
    account = await make_account()
    async with browser(app, account.id) as client:
        answer = await _upload_pasted(client, "393351234561, Anna")
    assert answer.status_code == 503
    assert "Non è stato possibile avviare l'importazione: riprova tra qualche minuto" in text_of(
        answer.text
    )
    assert "393351234561, Anna" in answer.text  # the numbers are still there to send again
    # Not left pending for ever: failed at once, its stored text deleted.
    [job] = await imports_list(account.id)
    assert (job.status, job.error) == (
        "failed",
        "Non è stato possibile avviare l'importazione: riprova tra qualche minuto",
    )
    uploads = await database().fetchval(
        "SELECT count(*) FROM import_upload WHERE contact_import = $1", job.id
    )
    assert uploads == 0
    assert await contacts_count(account.id) == 0
