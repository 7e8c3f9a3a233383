"""ESPORTARE I CONTATTI: an export imports back unchanged (into another account), and what it
writes is never run as a formula by the spreadsheet that opens it."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from contacts_helpers import collect, error_text, read_csv, run_import

from corriere.platform.contacts.exporting import (
    export_csv,
    export_filename,
    export_headers,
    export_xlsx,
    file_chunks,
)
from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.importing.services import ImportTarget
from corriere.platform.contacts.queries import (
    ContactFilter,
    contact_by_mobile,
    contacts_search,
    groups_list,
)
from corriere.platform.contacts.services import contact_create
from corriere.platform.contacts.variables import variable_create

FORMULA = '=HYPERLINK("http://x","y")'
VARIABLES = ["polizza", "targa"]
BOOK = [
    ContactValues(
        mobile="+393351234567",
        first_name="Nicolò",
        last_name="D'Àlba",
        gender="M",
        address="Via dell'Indipendenza, 1",
        city="Forlì",
        province="FC",
        birth_date=date(1978, 4, 21),
        landline="+39 0543 123456",
        email="nicolo@example.it",
        notes='Nota su\ndue righe; con "virgolette" e punto e virgola',
        birthday_sms=True,
        variables={"polizza": "P-001", "targa": "=AB123"},
    ),
    ContactValues(
        mobile="+447911123456",
        first_name=FORMULA,
        last_name="@Bianchi",
        gender="F",
        address="-",
        city="London",
        province="",
        birth_date=date(1912, 12, 12),
        landline="",
        email="",
        notes="-3 giorni +2",
        birthday_sms=False,
        variables={"polizza": "+42"},
    ),
    ContactValues(mobile="+393351234569"),
    ContactValues(
        mobile="+393351234570",
        first_name="Zoë",
        last_name="Ünal",
        city="Cantù",
        province="CO",
        birth_date=date(2000, 2, 29),
        notes="'apostrofo iniziale",
    ),
]
_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "address",
    "city",
    "province",
    "birth_date",
    "landline",
    "email",
    "notes",
    "birthday_sms",
    "variables",
)


@pytest.fixture
async def book(make_account):
    """An address book with groups, variables, dates, accents and formula-looking text."""
    account = await make_account()
    for name in VARIABLES:
        await variable_create(account_id=account.id, name=name)
    clienti = await group_create(account_id=account.id, name="Clienti")
    fornitori = await group_create(account_id=account.id, name="Fornitori")
    memberships = [[clienti], [clienti, fornitori], [], [fornitori]]
    for values, groups in zip(BOOK, memberships, strict=True):
        await contact_create(account_id=account.id, values=values, group_ids=groups)
    return account, {"Clienti": clienti, "Fornitori": fornitori}


async def _fresh(make_account):
    account = await make_account()
    for name in VARIABLES:
        await variable_create(account_id=account.id, name=name)
    return account


async def _assert_same(account_id: int, wanted: list[ContactValues]) -> None:
    page = await contacts_search(account_id)
    assert sorted(c.mobile for c in page.rows) == sorted(v.mobile for v in wanted)
    for values in wanted:
        found = await contact_by_mobile(account_id, values.mobile)
        assert found is not None
        got = {name: getattr(found, name) for name in _FIELDS}
        expected = {name: getattr(values, name) for name in _FIELDS}
        expected["birthday_sms"] = bool(expected["birthday_sms"])
        assert got == expected, values.mobile
        assert found.source == "import"


async def _xlsx(account_id: int, flt: ContactFilter = ContactFilter()) -> bytes:  # noqa: B008
    handle = await export_xlsx(account_id, flt, VARIABLES)
    return await collect(file_chunks(handle))


async def test_xlsx_export_imports_back_unchanged(book, make_account, settings, xlsx_reader):
    account, _ = book
    data = await _xlsx(account.id)
    other = await _fresh(make_account)
    job = await run_import(other.id, settings, data=data, filename="rubrica.xlsx")
    assert (job.status, job.imported, job.rejected, job.warnings) == ("done", 4, 0, 0), error_text(
        job
    )
    assert job.understood == export_headers(VARIABLES)
    await _assert_same(other.id, BOOK)


async def test_csv_export_imports_back_unchanged(book, make_account, settings):
    account, _ = book
    data = await collect(export_csv(account.id, ContactFilter(), VARIABLES))
    other = await _fresh(make_account)
    job = await run_import(other.id, settings, data=data, filename="rubrica.csv")
    assert (job.status, job.imported, job.rejected, job.warnings) == ("done", 4, 0, 0), error_text(
        job
    )
    await _assert_same(other.id, BOOK)


async def test_export_over_its_own_book_updates_every_contact_and_changes_nothing(book, settings):
    account, _ = book
    data = await _xlsx(account.id)
    job = await run_import(account.id, settings, data=data)
    assert (job.imported, job.updated, job.rejected) == (0, 4, 0)
    for values in BOOK:
        found = await contact_by_mobile(account.id, values.mobile)
        assert found is not None
        assert {n: getattr(found, n) for n in _FIELDS} == {
            n: bool(getattr(values, n)) if n == "birthday_sms" else getattr(values, n)
            for n in _FIELDS
        }


async def test_group_export_holds_its_members_and_imports_into_a_group(
    book, make_account, settings
):
    account, groups = book
    flt = ContactFilter(group_id=groups["Fornitori"])
    data = await collect(export_csv(account.id, flt, VARIABLES))
    rows = read_csv(data)
    assert sorted(r[2] for r in rows[1:]) == ["393351234570", "447911123456"]
    other = await _fresh(make_account)
    job = await run_import(
        other.id, settings, data=data, target=ImportTarget(new_group="Fornitori")
    )
    assert (job.imported, job.group_name) == (2, "Fornitori"), (job, error_text(job))
    assert [(g.name, g.members) for g in await groups_list(other.id)] == [("Fornitori", 2)]
    await _assert_same(other.id, [BOOK[1], BOOK[3]])


async def test_csv_export_layout_and_formula_guard(book):
    account, _ = book
    rows = read_csv(await collect(export_csv(account.id, ContactFilter(), VARIABLES)))
    assert rows[0] == [
        "Nome",
        "Cognome",
        "Cellulare",
        "Sesso",
        "Indirizzo",
        "Città",
        "Provincia",
        "DataNascita",
        "Telefono",
        "Email",
        "Note",
        "SMScompleanno",
        "polizza",
        "targa",
    ]
    first, second = rows[1], rows[2]
    assert first[:3] == ["Nicolò", "D'Àlba", "393351234567"]
    assert (first[7], first[8], first[11]) == ("21/04/1978", "'+39 0543 123456", "X")
    assert first[12:] == ["P-001", "'=AB123"]
    # Nothing a spreadsheet would run: each of these starts with an apostrophe.
    assert second[0] == "'" + FORMULA
    assert (second[1], second[4], second[10], second[12]) == (
        "'@Bianchi",
        "'-",
        "'-3 giorni +2",
        "'+42",
    )
    assert rows[4][10] == "'apostrofo iniziale"  # an apostrophe of its own is kept as it is


async def test_xlsx_export_holds_text_never_formulas(book):
    from openpyxl import load_workbook

    account, _ = book
    data = await _xlsx(account.id)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert cells["'" + FORMULA].data_type == "s"
    birth = sheet["H2"]
    assert birth.is_date and birth.number_format.lower() == "dd/mm/yyyy"
    assert sheet["C2"].value == "393351234567"


async def test_control_characters_never_break_the_xlsx_export(account, settings, make_account):
    """A name pasted from somewhere with a control character in it: the import keeps the text
    without it, and a contact stored with one (before this rule) still exports."""
    data = b"Cellulare;Nome;Note\r\n393351234567;Ma\x0brio;riga\x07uno\r\n"
    job = await run_import(account.id, settings, data=data, filename="rubrica.csv")
    assert job.imported == 1
    found = await contact_by_mobile(account.id, "+393351234567")
    assert found is not None and (found.first_name, found.notes) == ("Mario", "rigauno")
    await contact_create(
        account_id=account.id,
        values=ContactValues(mobile="+393351234568", first_name="Lu\x01cia", notes="a\x1bb"),
    )
    data = await _xlsx(account.id)
    other = await _fresh(make_account)
    job = await run_import(other.id, settings, data=data)
    assert (job.status, job.imported) == ("done", 2), error_text(job)
    lucia = await contact_by_mobile(other.id, "+393351234568")
    assert lucia is not None and (lucia.first_name, lucia.notes) == ("Lucia", "ab")


async def test_export_of_an_empty_book_is_just_the_header(account):
    rows = read_csv(await collect(export_csv(account.id, ContactFilter(), [])))
    assert rows == [export_headers([])]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(await _xlsx(account.id))).active
    assert sheet is not None and sheet.max_row == 1


@pytest.mark.parametrize(
    ("base", "extension", "expected"),
    [
        ("Fiera 2025", "xlsx", "Fiera-2025.xlsx"),
        ("", "csv", "rubrica.csv"),
        ("../../etc/passwd", "csv", "etc-passwd.csv"),
        ('Clienti "VIP"\r\n', "xlsx", "Clienti--VIP.xlsx"),
    ],
)
def test_export_filename_is_safe(base, extension, expected):
    assert export_filename(base, extension) == expected
