"""`corriere contacts import`, run as the operator runs it: a separate process on the test
database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from contacts_helpers import PDF, csv_bytes, stored, xlsx_openpyxl

from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.queries import contact_by_mobile, groups_list
from corriere.platform.contacts.services import contact_create
from corriere.platform.settings import Settings


async def _corriere(settings: Settings, cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRIERE_")}
    env |= {
        "CORRIERE_DATABASE_URL": settings.database_url,
        "CORRIERE_HOME": str(settings.home),
        "CORRIERE_REDIS_URL": settings.redis_url,
        "CORRIERE_SECRET_KEY": settings.secret_key,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "corriere",
        *args,
        cwd=cwd,  # no .env of the project's
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_import_prints_the_three_counts(account, settings, tmp_path):
    await contact_create(
        account_id=account.id, values=ContactValues(mobile="+393351234567", first_name="Mario")
    )
    path = tmp_path / "clienti.xlsx"
    path.write_bytes(
        xlsx_openpyxl(
            ["Nome", "Cellulare", "Provincia", "Colore"],
            [
                ["Mariolino", "3351234567", "BO", "blu"],  # known: updated
                ["Lucia", "335 123 4568", "XX", ""],  # new, with a cell left out
                ["Anna", 3351234569, "", ""],
                ["Fisso", "0612345678", "", ""],  # rejected
            ],
        )
    )
    code, out, err = await _corriere(
        settings,
        tmp_path,
        "contacts",
        "import",
        "--account",
        account.username,
        "--group",
        "Fiera",
        "--prefix",
        "39",
        str(path),
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:6] == [
        "importati: 2",
        "aggiornati: 1",
        "scartati: 1",
        "con dati ignorati: 1",
        "colonne ignorate: Colore",
        "gruppo: Fiera",
    ]
    assert lines[6].startswith("(importazione n. ")
    mario = await contact_by_mobile(account.id, "+393351234567")
    assert mario is not None and mario.first_name == "Mariolino"
    assert [g.name for g in mario.groups] == ["Fiera"]
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [("Fiera", 3)]


async def test_import_without_options_wants_complete_numbers(account, settings, tmp_path):
    path = tmp_path / "numeri.csv"
    path.write_bytes(csv_bytes(["Cellulare"], [["393351234567"], ["3351234568"]]))
    code, out, err = await _corriere(
        settings, tmp_path, "contacts", "import", "--account", account.username, str(path)
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[:3] == ["importati: 1", "aggiornati: 0", "scartati: 1"]
    assert "gruppo:" not in out
    assert await groups_list(account.id) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "rubrica.xlsx",
            PDF,
            "errore: Il file è un PDF, non un foglio di calcolo: usa .xlsx, .xls, .ods o .csv",
        ),
        (
            "rubrica.csv",
            b"Nome;Telefono\r\nMario;051234567\r\n",
            "errore: Manca la colonna Cellulare: la prima riga del foglio deve contenere le"
            " intestazioni (Nome, Cognome, Cellulare…). Intestazioni trovate: Nome, Telefono",
        ),
        ("vuoto.csv", b"", "errore: Il file è vuoto"),
    ],
)
async def test_bad_file_exits_with_the_message_and_imports_nothing(
    account, settings, tmp_path, name, data, message
):
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = await _corriere(
        settings,
        tmp_path,
        "contacts",
        "import",
        "--account",
        account.username,
        "--group",
        "Fiera",
        str(path),
    )
    assert code == 2
    assert err.strip() == message
    assert "importati" not in out
    found = await stored(account.id)
    assert (found.contacts, found.groups, found.import_rows, found.uploads) == (0, 0, 0, 0)


async def test_missing_file_or_account(account, settings, tmp_path):
    code, out, err = await _corriere(
        settings,
        tmp_path,
        "contacts",
        "import",
        "--account",
        account.username,
        str(tmp_path / "non-esiste.xlsx"),
    )
    assert code == 2
    assert f"il file {tmp_path / 'non-esiste.xlsx'} non esiste" in out + err
    path = tmp_path / "numeri.csv"
    path.write_bytes(csv_bytes(["Cellulare"], [["393351234567"]]))
    code, out, err = await _corriere(
        settings, tmp_path, "contacts", "import", "--account", "nessuno-cosi", str(path)
    )
    assert code == 2
    assert err.strip() == "errore: Account 'nessuno-cosi' inesistente"
    assert (await stored(account.id)).contacts == 0
