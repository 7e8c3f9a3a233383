"""IMPORTARE / ESPORTARE in the panel: the form (file or pasted numbers), the background run with
its progress page and report, the rejected rows' download, the example sheet, and exports."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import python_calamine
from litestar import Litestar
from openpyxl import Workbook
from signed_in import browser, error_of, signin_for_tests, text_of, token
from web_helpers import MakeApp

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.importing.services import contact_import_run
from corriere.platform.contacts.queries import ContactFilter, contacts_count, groups_list
from corriere.platform.contacts.services import contact_create, contact_values
from corriere.platform.settings import Settings

MakeAccount = Callable[..., Awaitable[AccountCreated]]


class BackgroundImports:
    """The Scheduler port running imports as background tasks of this process (the panel's
    worker does the same through SAQ): the page sees them pending, running, then done."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tasks: list[asyncio.Task[None]] = []

    async def dispatch_soon(self) -> None:
        return None

    async def mail_soon(self) -> None:
        return None

    async def import_contacts(self, import_id: int) -> None:
        self.tasks.append(
            asyncio.create_task(contact_import_run(import_id=import_id, settings=self.settings))
        )


@pytest.fixture
def imports(settings: Settings) -> BackgroundImports:
    return BackgroundImports(settings)


@pytest.fixture
def app(make_app: MakeApp, db: Any, imports: BackgroundImports) -> Litestar:
    return make_app(route_handlers=[signin_for_tests], scheduler=imports)


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient, files: dict[str, tuple[str, bytes, str]] | None = None, **form: str
) -> httpx.Response:
    data = {
        "_csrf_token": await token(client, "/rubrica/importa"),
        "mode": "complete",
        "target": "book",
        **form,
    }
    return await client.post("/rubrica/importa", data=data, files=files or {})


async def finished(client: httpx.AsyncClient, imports: BackgroundImports, url: str) -> str:
    await asyncio.gather(*imports.tasks)
    return (await client.get(url)).text


async def test_file_import_into_a_new_group_with_its_report(
    app: Litestar, make_account: MakeAccount, imports: BackgroundImports
) -> None:
    account = await make_account()
    sheet = xlsx(
        [
            ["Nome", "Cognome", "Cellulare", "Provincia", "Colore"],
            ["Anna", "Rossi", "393351234561", "BO", "rosso"],
            ["Bruno", "Bianchi", "393351234562", "Bologna", "blu"],
            ["Carla", "Verdi", "390612345678", "RM", ""],
            ["Dario", "Neri", "393351234563", "ZZ", ""],
        ]
    )
    async with browser(app, account.id) as client:
        page = (await client.get("/rubrica/importa")).text
        assert "Già completa di prefisso internazionale (Es. 393351234567)" in page
        started = await upload(
            client,
            {"file": ("rubrica.xlsx", sheet, "application/octet-stream")},
            target="new",
            new_group="Clienti 2026",
        )
        assert started.status_code == 303
        status_url = started.headers["location"]
        assert re.fullmatch(r"/rubrica/importa/\d+", status_url)
        report = await finished(client, imports, status_url)
        text = text_of(report)
        assert 'data-status="done"' in report
        assert re.search(r'data-count="imported">3<', report)
        assert re.search(r'data-count="rejected">1<', report)
        assert "Colonne non riconosciute, ignorate: Colore" in text
        assert "Numero di cellulare non valido: non è un numero di cellulare" in text
        assert '<tr data-row="4">' in report  # the sheet's row number
        assert (
            "provincia sconosciuta (usa la sigla, es. BO)" in text
        )  # Dario: imported, cell ignored
        download = await client.get(f"{status_url}/scartati.csv")
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]
        lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
        assert lines[0] == ["Nome", "Cognome", "Cellulare", "Provincia", "Colore", "Riga", "Motivo"]
        assert lines[1][:3] == ["Carla", "Verdi", "390612345678"] and lines[1][5] == "4"
        # The report is still there after a reload, and listed with the recent imports.
        assert "Importazione completata" in text_of((await client.get(status_url)).text)
        assert status_url in (await client.get("/rubrica/importazioni")).text
    groups = {g.name: g for g in await groups_list(account.id)}
    assert groups["Clienti 2026"].members == 3
    assert await contacts_count(account.id) == 3


async def test_progress_is_polled_until_done(
    app: Litestar, make_account: MakeAccount, settings: Settings
) -> None:
    account = await make_account()
    async with browser(app, account.id) as client:
        # A scheduler that does nothing yet: the import waits, the page polls.
        app.state["scheduler"] = None
        started = await upload(client, pasted="393351234561, Anna\n393351234562, Bruno")
        status_url = started.headers["location"]
        waiting = await client.get(
            status_url, headers={"hx-request": "true", "hx-target": "import-status"}
        )
        assert "<html" not in waiting.text
        assert 'hx-trigger="every 1s"' in waiting.text and 'data-status="pending"' in waiting.text
        import_id = int(status_url.rsplit("/", 1)[1])
        await contact_import_run(import_id=import_id, settings=settings)
        done = await client.get(
            status_url, headers={"hx-request": "true", "hx-target": "import-status"}
        )
        assert 'data-status="done"' in done.text and "every 1s" not in done.text
    assert await contacts_count(account.id) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "rubrica.xlsx",
            b"%PDF-1.7 fake",
            "Il file è un PDF, non un foglio di calcolo: usa .xlsx, .xls, .ods o .csv",
        ),
        ("rubrica.xlsx", b"", "Il file è vuoto"),
        (
            "rubrica.exe",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
            "Formato del file non riconosciuto: usa .xlsx, .xls, .ods o .csv",
        ),
    ],
)
async def test_files_refused_at_once(
    app: Litestar, make_account: MakeAccount, name: str, content: bytes, message: str
) -> None:
    account = await make_account()
    async with browser(app, account.id) as client:
        answer = await upload(client, {"file": (name, content, "application/octet-stream")})
    assert answer.status_code == 422
    assert error_of(answer.text, "file") == message
    assert await contacts_count(account.id) == 0


async def test_a_file_without_a_number_column_fails_and_changes_nothing(
    app: Litestar, make_account: MakeAccount, imports: BackgroundImports
) -> None:
    account = await make_account()
    async with browser(app, account.id) as client:
        started = await upload(
            client,
            {"file": ("lista.csv", b"Nome;Cognome\nMario;Rossi\n", "text/csv")},
            target="new",
            new_group="Mai creato",
        )
        report = await finished(client, imports, started.headers["location"])
    assert 'data-status="failed"' in report
    assert "Manca la colonna Cellulare" in text_of(
        report
    ) and "Intestazioni trovate: Nome, Cognome" in text_of(report)
    assert "Nessun contatto è stato importato o modificato." in text_of(report)
    assert await contacts_count(account.id) == 0
    assert await groups_list(account.id) == []


async def test_form_mistakes(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with browser(app, account.id) as client:
        nothing = await upload(client)
        assert nothing.status_code == 422
        assert error_of(nothing.text, "file") == "Scegli un file da importare o incolla i numeri."
        both = await upload(
            client,
            {"file": ("a.csv", b"Cellulare\n393351234561\n", "text/csv")},
            pasted="393351234562",
        )
        assert (
            error_of(both.text, "pasted") == "Scegli un file oppure incolla i numeri, non entrambi."
        )
        no_group = await upload(client, pasted="393351234562", target="group")
        assert error_of(no_group.text, "group") == "Scegli il gruppo."
    assert await contacts_count(account.id) == 0


async def test_paste_into_an_existing_group_with_a_prefix(
    app: Litestar, make_account: MakeAccount, imports: BackgroundImports
) -> None:
    account = await make_account()
    group_id = await group_create(account_id=account.id, name="Squadra")
    async with browser(app, account.id) as client:
        started = await upload(
            client,
            pasted="3351234561\n3351234562, Mario\n12",
            mode="prefix",
            prefix="39",
            target="group",
            group=str(group_id),
        )
        report = await finished(client, imports, started.headers["location"])
    assert re.search(r'data-count="imported">2<', report) and re.search(
        r'data-count="rejected">1<', report
    )
    assert await contacts_count(account.id, ContactFilter(group_id=group_id)) == 2


async def test_another_account_cannot_see_an_import(
    app: Litestar, make_account: MakeAccount, imports: BackgroundImports
) -> None:
    owner = await make_account()
    other = await make_account()
    async with browser(app, owner.id) as client:
        started = await upload(client, pasted="393351234561\nnope")
        status_url = started.headers["location"]
        await finished(client, imports, status_url)
    async with browser(app, other.id) as client:
        assert (await client.get(status_url)).status_code == 404
        assert (await client.get(f"{status_url}/scartati.csv")).status_code == 404
        assert status_url not in (await client.get("/rubrica/importazioni")).text


async def test_exports_and_the_example_sheet(
    app: Litestar, make_account: MakeAccount, imports: BackgroundImports
) -> None:
    account = await make_account()
    group_id = await group_create(account_id=account.id, name="Soci")
    for i, name in enumerate(("Anna", "=SOMMA(1;2)", "Carla")):
        values = contact_values({"mobile": f"335123456{i}", "first_name": name}, prefix="39")
        await contact_create(
            account_id=account.id, values=values, group_ids=(group_id,) if i else ()
        )
    async with browser(app, account.id) as client:
        as_csv = await client.get(
            "/rubrica/esporta", params={"formato": "csv", "gruppo": str(group_id)}
        )
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
        assert 'filename="gruppo-Soci-' in as_csv.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:3] == ["Nome", "Cognome", "Cellulare"]
        assert sorted(r[0] for r in rows[1:]) == ["'=SOMMA(1;2)", "Carla"]
        as_xlsx = await client.get("/rubrica/esporta", params={"formato": "xlsx", "q": "anna"})
        sheet = (
            python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(as_xlsx.content))
            .get_sheet_by_index(0)
            .to_python()
        )
        assert sheet[1][:3] == ["Anna", "", "393351234560"]
        example = await client.get("/rubrica/importa/esempio.xlsx")
        started = await upload(
            client, {"file": ("esempio.xlsx", example.content, "application/octet-stream")}
        )
        report = await finished(client, imports, started.headers["location"])
    assert re.search(r'data-count="imported">6<', report), text_of(report)
