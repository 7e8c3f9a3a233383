"""IMPORTARE I CONTATTI, the rules: which rows are refused and why (NUMERI IMPORTATI: the red
rows), cells left out, the two prefix choices, updates against inserts, groups, variables, the
manual paste (PROCEDURA MANUALE) and the download of the rejected rows."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from contacts_helpers import (
    NOTHING,
    collect,
    csv_bytes,
    describe,
    error_text,
    read_csv,
    run_import,
    stored,
    xlsx_openpyxl,
)

from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.importing import apply as apply_module
from corriere.platform.contacts.importing.queries import import_get, import_report
from corriere.platform.contacts.importing.report import rejected_rows_csv
from corriere.platform.contacts.importing.services import (
    ImportTarget,
    contact_import_run,
    contact_import_start,
)
from corriere.platform.contacts.queries import (
    ContactFilter,
    contact_by_mobile,
    contact_get,
    contacts_count,
    contacts_search,
    group_get,
    groups_list,
)
from corriere.platform.contacts.services import contact_create
from corriere.platform.contacts.variables import (
    variable_create,
    variable_delete,
    variable_set_active,
)
from corriere.platform.db import database
from corriere.platform.errors import NotFoundError, ValidationError

PARTLY_HEADER = ["Nome", "Cognome", "Cellulare", "DataNascita", "Provincia", "Email", "Sesso"]
PARTLY_ROWS = [
    ["Mario", "Rossi", "393351234567", "21/04/1978", "BO", "mario@example.com", "M"],  # 2
    ["Corto", "", "39335123", "", "", "", ""],  # 3: too few digits
    ["Fisso", "", "390612345678", "", "", "", ""],  # 4: a landline
    ["Vuoto", "Senza", "", "", "RM", "", ""],  # 5: no number
    ["Lettere", "", "tre tre cinque", "", "", "", ""],  # 6
    ["Lungo", "", "3933512345678901", "", "", "", ""],  # 7: too many digits
    ["Lucia", "Bianchi", "393351234568", "31/02/1980", "XX", "lucia@", "Z"],  # 8: cells left out
    ["", "", "", "", "", "", ""],  # 9: an empty row, skipped
    ["Anna", "", "+39 335 123 4569", "12/12/2099", "Bologna", "", "f"],  # 10
    ["=cmd|' /C calc'!A0", "", "39 06 1234567", "", "", "", ""],  # 11: a landline, and a trap
]


async def _partly(account_id, settings):
    data = csv_bytes(PARTLY_HEADER, PARTLY_ROWS, encoding="utf-8-sig")
    return await run_import(account_id, settings, data=data, filename="clienti.csv")


async def test_partly_invalid_file_imports_the_valid_rows_and_reports_the_rest(account, settings):
    job = await _partly(account.id, settings)
    assert job.status == "done", error_text(job)
    assert (job.imported, job.updated, job.rejected, job.warnings) == (3, 0, 6, 2)
    assert await contacts_count(account.id) == 3

    lines, total = await import_report(account.id, job.id, rejected=True)
    assert total == 6
    assert [(line.row_number, line.value, describe(line)) for line in lines] == [
        (3, "39335123", "Numero di cellulare non valido: numero non valido (manca il prefisso internazionale?)"),
        (4, "390612345678", "Numero di cellulare non valido: non è un numero di cellulare"),
        (5, "", "Manca il numero di cellulare"),
        (6, "tre tre cinque", "Numero di cellulare non valido: contiene caratteri non numerici"),
        (7, "3933512345678901", "Numero di cellulare non valido: numero non valido"),
        (11, "39 06 1234567", "Numero di cellulare non valido: non è un numero di cellulare"),
    ]  # fmt: skip
    assert all(line.rejected and line.status == "rejected" for line in lines)

    warned, total = await import_report(account.id, job.id, rejected=False)
    assert total == 2
    assert [(line.row_number, line.mobile, line.issues) for line in warned] == [
        (
            8,
            "+393351234568",
            [
                ("DataNascita", "31/02/1980", "data non valida (usa GG/MM/AAAA)"),
                ("Provincia", "XX", "provincia sconosciuta (usa la sigla, es. BO)"),
                ("Email", "lucia@", "indirizzo e-mail non valido"),
                ("Sesso", "Z", "sesso non riconosciuto (usa M o F)"),
            ],
        ),
        (10, "+393351234569", [("DataNascita", "12/12/2099", "la data di nascita è nel futuro")]),
    ]
    lucia = await contact_by_mobile(account.id, "+393351234568")
    assert lucia is not None
    assert (lucia.first_name, lucia.last_name) == ("Lucia", "Bianchi")  # the contact arrives
    assert (lucia.birth_date, lucia.province, lucia.email, lucia.gender) == (None, "", "", "")
    anna = await contact_by_mobile(account.id, "+393351234569")
    assert anna is not None and (anna.province, anna.gender, anna.birth_date) == ("BO", "F", None)
    mario = await contact_by_mobile(account.id, "+393351234567")
    assert mario is not None
    assert (mario.birth_date, mario.province, mario.email, mario.gender) == (
        date(1978, 4, 21),
        "BO",
        "mario@example.com",
        "M",
    )


async def test_rejected_rows_download_has_the_original_columns_row_and_reason(account, settings):
    job = await _partly(account.id, settings)
    data = await collect(rejected_rows_csv(job, describe=describe))
    rows = read_csv(data)
    assert rows[0] == [*PARTLY_HEADER, "Riga", "Motivo"]
    assert rows[1] == [
        "Corto",
        "",
        "39335123",
        "",
        "",
        "",
        "",
        "3",
        "Numero di cellulare non valido: numero non valido (manca il prefisso internazionale?)",
    ]
    assert rows[3] == ["Vuoto", "Senza", "", "", "RM", "", "", "5", "Manca il numero di cellulare"]
    assert [r[7] for r in rows[1:]] == ["3", "4", "5", "6", "7", "11"]
    # A formula in a rejected row goes back out harmless.
    assert rows[-1][0] == "'=cmd|' /C calc'!A0"
    assert rows[-1][2] == "39 06 1234567"
    # Labels in another language.
    english = read_csv(
        await collect(
            rejected_rows_csv(job, describe=describe, row_label="Row", reason_label="Reason")
        )
    )
    assert english[0][-2:] == ["Row", "Reason"]


async def test_rejected_rows_download_of_an_xlsx_keeps_number_cells_as_digits(account, settings):
    data = xlsx_openpyxl(["Cellulare", "Nome"], [[3933512, "Corto"], [393351234567, "Mario"]])
    job = await run_import(account.id, settings, data=data)
    assert (job.imported, job.rejected) == (1, 1)
    rows = read_csv(await collect(rejected_rows_csv(job, describe=describe)))
    assert rows[1][:3] == ["3933512", "Corto", "2"]


# ---------------------------------------------------------------------------- prefixes


async def test_complete_numbers_mode(account, settings):
    data = csv_bytes(
        ["Cellulare"], [["393351234567"], ["+393351234568"], ["00393351234569"], ["3351234570"]]
    )
    job = await run_import(account.id, settings, data=data, prefix="")
    assert (job.imported, job.rejected) == (3, 1)
    page = await contacts_search(account.id, sort="surname")
    assert sorted(c.mobile for c in page.rows) == [
        "+393351234567",
        "+393351234568",
        "+393351234569",
    ]
    lines, _ = await import_report(account.id, job.id, rejected=True)
    assert [(line.row_number, line.value, describe(line)) for line in lines] == [
        (
            5,
            "3351234570",
            "Numero di cellulare non valido: numero non valido (manca il prefisso internazionale?)",
        )
    ]


async def test_prefix_added_to_national_numbers_only(account, settings):
    data = csv_bytes(
        ["Cellulare"],
        [
            ["3351234567"],  # national: +39 added
            ["335 123 4568"],
            ["+447911123456"],  # already international: left as it is
            ["0041791234567"],
            ["393351234569"],  # already with 39
        ],
    )
    job = await run_import(account.id, settings, data=data, prefix="+39")
    assert (job.status, job.imported, job.rejected, job.prefix) == ("done", 5, 0, "39")
    page = await contacts_search(account.id)
    assert sorted(c.mobile for c in page.rows) == [
        "+393351234567",
        "+393351234568",
        "+393351234569",
        "+41791234567",
        "+447911123456",
    ]


async def test_prefix_of_a_country_with_a_trunk_zero(account, settings):
    job = await run_import(
        account.id, settings, data=csv_bytes(["Cellulare"], [["07911 123456"]]), prefix="44"
    )
    assert job.imported == 1
    assert await contact_by_mobile(account.id, "+447911123456") is not None


@pytest.mark.parametrize("prefix", ["3a9", "12345", "+39 1"])
async def test_bad_prefix_is_refused_at_start(account, settings, prefix):
    with pytest.raises(ValidationError) as refused:
        await contact_import_start(
            account_id=account.id,
            data=csv_bytes(["Cellulare"], [["3351234567"]]),
            prefix=prefix,
            settings=settings,
        )
    assert refused.value.message == "Prefisso internazionale non valido (es. 39)"
    assert refused.value.field == "prefix"
    assert await stored(account.id) == NOTHING


# ---------------------------------------------------------------------------- updates and groups


async def test_known_number_is_updated_only_where_the_file_says_something(account, settings):
    old_group = await group_create(account_id=account.id, name="Vecchio")
    clienti = await group_create(account_id=account.id, name="Clienti")
    await variable_create(account_id=account.id, name="polizza")
    await variable_create(account_id=account.id, name="targa")
    existing = await contact_create(
        account_id=account.id,
        values=ContactValues(
            mobile="+393351234567",
            first_name="Mario",
            last_name="Rossi",
            gender="M",
            address="Via Indipendenza 1",
            city="Bologna",
            province="BO",
            birth_date=date(1978, 4, 21),
            landline="051234567",
            email="mario@example.com",
            notes="cliente storico",
            birthday_sms=True,
            variables={"polizza": "P-OLD", "targa": "AB123CD"},
        ),
        group_ids=[old_group],
    )
    before = await contact_get(account.id, existing)
    assert before is not None
    header = ["Cellulare", "Nome", "Città", "Email", "DataNascita", "SMScompleanno", "Provincia"]
    header += ["Polizza", "Targa"]
    data = xlsx_openpyxl(
        header,
        [
            [393351234567, "Mariolino", "", "mario@", "", "", "RM", "P-NEW", ""],
            [393351234599, "Nuovo", "Roma", "", "", "", "", "", ""],
        ],
    )
    job = await run_import(account.id, settings, data=data, target=ImportTarget(group_id=clienti))
    assert (job.status, job.imported, job.updated, job.rejected, job.warnings) == (
        "done",
        1,
        1,
        0,
        1,
    )
    assert job.group_name == "Clienti"

    after = await contact_get(account.id, existing)
    assert after is not None
    assert after.first_name == "Mariolino"  # a cell present overwrites
    assert after.province == "RM"
    assert after.variables == {"polizza": "P-NEW", "targa": "AB123CD"}  # empty cell: kept
    # Empty cells, cells left out (the e-mail) and absent columns erase nothing.
    assert (after.last_name, after.gender, after.address, after.city) == (
        "Rossi",
        "M",
        "Via Indipendenza 1",
        "Bologna",
    )
    assert (after.birth_date, after.landline, after.email, after.notes, after.birthday_sms) == (
        date(1978, 4, 21),
        "051234567",
        "mario@example.com",
        "cliente storico",
        True,
    )
    assert after.source == "panel"
    assert after.updated_at >= before.updated_at
    assert [g.name for g in after.groups] == ["Clienti", "Vecchio"]  # joined, nothing left
    found = await contacts_search(account.id, ContactFilter(text="mariolino"))
    assert [c.id for c in found.rows] == [existing]  # the search key follows the name
    group = await group_get(account.id, clienti)
    assert group is not None and group.members == 2

    again = await run_import(account.id, settings, data=data, target=ImportTarget(group_id=clienti))
    assert (again.imported, again.updated) == (0, 2)
    group = await group_get(account.id, clienti)
    assert group is not None and group.members == 2
    assert await contacts_count(account.id) == 2


async def test_import_into_no_group(account, settings):
    job = await run_import(account.id, settings, data=csv_bytes(["Cellulare"], [["393351234567"]]))
    assert (job.imported, job.group_id, job.group_name) == (1, None, "")
    assert await groups_list(account.id) == []
    assert await contacts_count(account.id, ContactFilter(ungrouped=True)) == 1


async def test_new_group_is_created_only_when_the_import_succeeds(account, settings):
    failed = await run_import(
        account.id,
        settings,
        data=csv_bytes(["Nome"], [["Mario"]]),
        target=ImportTarget(new_group="  Fiera   2025 "),
    )
    assert failed.status == "failed"
    assert await groups_list(account.id) == []
    job = await run_import(
        account.id,
        settings,
        data=csv_bytes(["Cellulare"], [["393351234567"], ["393351234568"]]),
        target=ImportTarget(new_group="  Fiera   2025 "),
    )
    assert job.status == "done"
    groups = await groups_list(account.id)
    assert [(g.id, g.name, g.members) for g in groups] == [(job.group_id, "Fiera 2025", 2)]
    assert job.group_name == "Fiera 2025"


async def test_new_group_with_the_name_of_an_existing_group_uses_it(account, settings):
    clienti = await group_create(account_id=account.id, name="Clienti")
    job = await run_import(
        account.id,
        settings,
        data=csv_bytes(["Cellulare"], [["393351234567"]]),
        target=ImportTarget(new_group="clienti"),
    )
    assert (job.status, job.group_id, job.group_name) == ("done", clienti, "Clienti")
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [("Clienti", 1)]


async def test_two_waiting_imports_into_the_same_new_group(account, settings):
    """Both started before either ran (the worker queue): the second finds the group the first
    created and uses it."""
    ids = [
        await contact_import_start(
            account_id=account.id,
            data=csv_bytes(["Cellulare"], [[number]]),
            target=ImportTarget(new_group="Fiera"),
            settings=settings,
        )
        for number in ("393351234567", "393351234568")
    ]
    for import_id in ids:
        await contact_import_run(import_id=import_id, settings=settings)
    jobs = [await import_get(account.id, import_id) for import_id in ids]
    assert [(j.status, j.imported) for j in jobs if j] == [("done", 1), ("done", 1)], [
        error_text(j) for j in jobs if j
    ]
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [("Fiera", 2)]


async def test_two_imports_at_once_into_the_same_new_group(account, settings):
    ids = [
        await contact_import_start(
            account_id=account.id,
            data=csv_bytes(["Cellulare"], [[number], ["393351234599"]]),
            target=ImportTarget(new_group="Fiera"),
            settings=settings,
        )
        for number in ("393351234567", "393351234568")
    ]
    await asyncio.gather(
        *(contact_import_run(import_id=import_id, settings=settings) for import_id in ids)
    )
    jobs = [await import_get(account.id, import_id) for import_id in ids]
    assert sorted((j.status, j.imported, j.updated) for j in jobs if j) == [
        ("done", 1, 1),
        ("done", 2, 0),
    ], [error_text(j) for j in jobs if j]
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [("Fiera", 3)]
    assert await contacts_count(account.id) == 3


async def test_unknown_group_is_refused_at_start(account, settings, make_account):
    other = await make_account()
    foreign = await group_create(account_id=other.id, name="Altrui")
    for group_id in (foreign, 987654321):
        with pytest.raises(NotFoundError) as refused:
            await contact_import_start(
                account_id=account.id,
                data=csv_bytes(["Cellulare"], [["393351234567"]]),
                target=ImportTarget(group_id=group_id),
                settings=settings,
            )
        assert refused.value.message == "Gruppo inesistente"
    assert await stored(account.id) == NOTHING
    assert (await group_get(other.id, foreign)).members == 0  # type: ignore[union-attr]


async def test_number_repeated_in_the_file_the_last_row_wins(account, settings):
    await contact_create(
        account_id=account.id, values=ContactValues(mobile="+393351234570", first_name="Vecchio")
    )
    data = csv_bytes(
        ["Cellulare", "Nome"],
        [
            ["393351234567", "Primo"],  # 2
            ["393351234568", "Altro"],  # 3
            ["+39 335 123 4567", "Ultimo"],  # 4: the same number as row 2
            ["393351234570", "Prima modifica"],  # 5
            ["00393351234570", "Seconda modifica"],  # 6: the same as row 5, already known
        ],
    )
    job = await run_import(account.id, settings, data=data)
    assert (job.imported, job.updated, job.rejected) == (2, 1, 2)
    mario = await contact_by_mobile(account.id, "+393351234567")
    known = await contact_by_mobile(account.id, "+393351234570")
    assert mario is not None and mario.first_name == "Ultimo"
    assert known is not None and known.first_name == "Seconda modifica"
    lines, _ = await import_report(account.id, job.id, rejected=True)
    assert [(line.row_number, line.status, line.mobile, describe(line)) for line in lines] == [
        (2, "duplicate", "+393351234567", "Numero ripetuto nel file: vale la riga 4"),
        (5, "duplicate", "+393351234570", "Numero ripetuto nel file: vale la riga 6"),
    ]
    rows = read_csv(await collect(rejected_rows_csv(job, describe=describe)))
    assert [r[0] for r in rows[1:]] == ["393351234567", "393351234570"]
    assert [r[2:] for r in rows[1:]] == [
        ["2", "Numero ripetuto nel file: vale la riga 4"],
        ["5", "Numero ripetuto nel file: vale la riga 6"],
    ]


async def test_running_a_finished_import_again_changes_nothing(account, settings):
    job = await run_import(account.id, settings, data=csv_bytes(["Cellulare"], [["393351234567"]]))
    await contact_import_run(import_id=job.id, settings=settings)
    again = await import_get(account.id, job.id)
    assert again is not None and (again.status, again.imported, again.updated) == ("done", 1, 0)
    assert (await stored(account.id)).uploads == 0  # the file is gone once applied


# ---------------------------------------------------------------------------- variables


async def test_custom_variables(account, settings):
    await variable_create(account_id=account.id, name="polizza", description="N. polizza")
    targa = await variable_create(account_id=account.id, name="targa")
    await variable_set_active(account_id=account.id, variable_id=targa, active=False)
    data = csv_bytes(
        ["Cellulare", "POLIZZA", "Targa", "Colore"],
        [
            ["393351234567", "P-001", "AB123CD", "rosso"],
            ["393351234568", "", "EF456GH", ""],
            ["393351234569", "x" * 501, "", ""],
        ],
    )
    job = await run_import(account.id, settings, data=data)
    assert (job.status, job.imported, job.warnings) == ("done", 3, 1)
    assert job.understood == ["Cellulare", "POLIZZA"]
    assert job.inactive == ["Targa"]  # reported, not imported
    assert job.unknown == ["Colore"]
    first = await contact_by_mobile(account.id, "+393351234567")
    second = await contact_by_mobile(account.id, "+393351234568")
    third = await contact_by_mobile(account.id, "+393351234569")
    assert first is not None and first.variables == {"polizza": "P-001"}
    assert second is not None and second.variables == {}
    assert third is not None and third.variables == {}
    warned, _ = await import_report(account.id, job.id, rejected=False)
    assert [(line.row_number, line.issues[0][0], line.issues[0][2]) for line in warned] == [
        (4, "POLIZZA", "troppo lungo (al massimo 500 caratteri)")
    ]

    # Active again, the column is imported.
    await variable_set_active(account_id=account.id, variable_id=targa, active=True)
    job = await run_import(account.id, settings, data=data)
    assert (job.updated, job.inactive) == (3, [])
    first = await contact_by_mobile(account.id, "+393351234567")
    assert first is not None and first.variables == {"polizza": "P-001", "targa": "AB123CD"}

    # Deleting a variable deletes its values.
    assert await variable_delete(account_id=account.id, variable_id=targa) == 2
    first = await contact_by_mobile(account.id, "+393351234567")
    second = await contact_by_mobile(account.id, "+393351234568")
    assert first is not None and first.variables == {"polizza": "P-001"}
    assert second is not None and second.variables == {}
    job = await run_import(account.id, settings, data=data)
    assert job.unknown == ["Targa", "Colore"]


# ---------------------------------------------------------------------------- manual paste


async def test_manual_paste(account, settings):
    pasted = "393331234567\n393344567123, Mario\n\n   \n3351234567\nabc, Lucia\r\n393351234568 ,  Anna Maria, Rossi \n"
    job = await run_import(account.id, settings, pasted=pasted)
    assert (job.status, job.kind, job.imported, job.rejected) == ("done", "paste", 3, 2)
    mario = await contact_by_mobile(account.id, "+393344567123")
    anna = await contact_by_mobile(account.id, "+393351234568")
    bare = await contact_by_mobile(account.id, "+393331234567")
    assert mario is not None and mario.first_name == "Mario"
    assert anna is not None and anna.first_name == "Anna Maria, Rossi"
    assert bare is not None and bare.first_name == ""
    lines, _ = await import_report(account.id, job.id, rejected=True)
    assert [(line.row_number, line.value, describe(line)) for line in lines] == [
        (
            5,
            "3351234567",
            "Numero di cellulare non valido: numero non valido (manca il prefisso internazionale?)",
        ),
        (6, "abc", "Numero di cellulare non valido: contiene caratteri non numerici"),
    ]
    rows = read_csv(await collect(rejected_rows_csv(job, describe=describe)))
    assert rows[0] == ["Cellulare", "Nome", "Riga", "Motivo"]
    assert rows[2][:3] == ["abc", "Lucia", "6"]


async def test_manual_paste_with_the_prefix(account, settings):
    job = await run_import(
        account.id, settings, pasted="3331234567\n344 5671234, Mario", prefix="39"
    )
    assert (job.imported, job.rejected) == (2, 0)
    assert await contact_by_mobile(account.id, "+393445671234") is not None


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "Inserisci almeno un numero, uno per riga"),
        (" \n\n \t", "Inserisci almeno un numero, uno per riga"),
        (
            "393331234567\n" * 80_000,
            "Il testo incollato è troppo lungo: usa l'importazione da file",
        ),
    ],
)
async def test_bad_paste_is_refused_at_start(account, settings, pasted, message):
    with pytest.raises(ValidationError) as refused:
        await contact_import_start(
            account_id=account.id,
            pasted=pasted,
            target=ImportTarget(new_group="Fiera"),
            settings=settings,
        )
    assert refused.value.message == message
    assert refused.value.field == "pasted"
    assert await stored(account.id) == NOTHING


async def test_paste_of_a_name_without_number(account, settings):
    job = await run_import(account.id, settings, pasted="\n\n , Mario\n")
    assert job.status == "done"
    assert (job.imported, job.rejected) == (0, 1)
    assert await contacts_count(account.id) == 0


async def test_a_big_import_refreshes_the_planner_statistics(account, settings, monkeypatch):
    """After a big import PostgreSQL re-reads the book's statistics, so searches are planned
    for the book as it now is (a stale plan made them several times slower)."""
    db = database()
    if db.kind != "postgres":
        pytest.skip("PostgreSQL keeps planner statistics; SQLite plans from its indexes")
    monkeypatch.setattr(apply_module, "ANALYZE_AFTER", 2)
    job = await run_import(
        account.id,
        settings,
        data=csv_bytes(["Cellulare"], [["393351234567"], ["393351234568"], ["393351234569"]]),
    )
    assert job.imported == 3
    estimated = await db.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'contact'")
    assert estimated == await db.fetchval("SELECT count(*) FROM contact")
    # And every page of the book is marked all-visible (VACUUM): a search walking the surname
    # index reads the index alone instead of visiting the table for each entry.
    pages = await db.fetchrow(
        "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'contact'"
    )
    assert pages["relpages"] > 0 and pages["relallvisible"] == pages["relpages"]
