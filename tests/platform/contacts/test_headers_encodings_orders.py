"""Files as people save them and lists as they see them: the header spellings that name each
field (never two fields at once), CSV saved by Excel as "Unicode text" (UTF-16 with its byte
order mark, tab separated), and exports in the order the list shows."""

from __future__ import annotations

import io
from datetime import date

import pytest
import python_calamine
from contacts_helpers import collect, read_csv, run_import

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.contacts import exporting
from corriere.platform.contacts.exporting import export_csv, export_xlsx, file_chunks
from corriere.platform.contacts.fields import (
    _HEADER_ALIASES,
    HEADERS,
    header_key,
    reserved_names,
    standard_field_for,
)
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.queries import ContactFilter, contact_by_mobile
from corriere.platform.contacts.services import contact_create, contact_values
from corriere.platform.settings import Settings

# ---------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Telefono cellulare", "mobile"),
        ("Cell", "mobile"),
        ("Cell.", "mobile"),
        ("Mobile", "mobile"),
        ("Numero di cellulare", "mobile"),
        ("Numero", "mobile"),
        ("Telefono mobile", "mobile"),
        ("N. cellulare", "mobile"),
        ("N° cellulare", "mobile"),
        ("CELLULARE", "mobile"),
        ("Data di nascita", "birth_date"),
        ("Nascita", "birth_date"),
        ("Data nascita", "birth_date"),
        ("Fisso", "landline"),
        ("Telefono fisso", "landline"),
        ("Telefono", "landline"),
        ("Compleanno", "birthday_sms"),
        ("SMS compleanno", "birthday_sms"),
        ("E-mail", "email"),
        ("Mail", "email"),
        ("e-mail ", "email"),
        ("Città", "city"),
    ],
)
def test_header_spellings(header: str, field: str) -> None:
    assert standard_field_for(header) == field


def test_no_header_names_two_fields() -> None:
    claimed: dict[str, str] = {}
    for name, aliases in _HEADER_ALIASES.items():
        for alias in (*aliases, HEADERS[name]):
            key = header_key(alias)
            assert claimed.setdefault(key, name) == name, f"{alias!r}: {claimed[key]} and {name}"
    # Unknown headers name nothing: they become variables or are reported.
    for header in ("Telefono 2", "Cellulare ufficio", "Note interne", "Numero tessera", ""):
        assert standard_field_for(header) is None, header
    # A custom variable cannot take a field's spelling.
    assert {"telefonocellulare", "numerodicellulare", "telefonomobile"} <= reserved_names()


async def test_a_sheet_with_the_other_spellings_imports_every_field(
    account: AccountCreated, settings: Settings
) -> None:
    data = (
        b"Nome;Telefono cellulare;Data di nascita;Telefono fisso;E-mail;SMS compleanno\r\n"
        b"Mario;3351234567;21/04/1978;051 234567;mario@example.com;X\r\n"
    )
    job = await run_import(account.id, settings, data=data, filename="rubrica.csv", prefix="39")
    assert (job.status, job.imported, job.unknown) == ("done", 1, [])
    found = await contact_by_mobile(account.id, "+393351234567")
    assert found is not None
    assert (found.first_name, found.birth_date, found.landline, found.email) == (
        "Mario",
        date(1978, 4, 21),
        "051 234567",
        "mario@example.com",
    )
    assert found.birthday_sms is True


# ---------------------------------------------------------------------------- UTF-16


UNICODE_TEXT = (
    "Nome\tCognome\tCellulare\tCittà\tNote\r\n"
    "Nicolò\tD'Àlba\t393351234567\tForlì\tcaffè ☕\r\n"
    "Zoë\tŁukasz\t393351234568\tAosta\t\r\n"
)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
    ids=["little-endian", "big-endian"],
)
async def test_excel_unicode_text_imports(
    account: AccountCreated, settings: Settings, bom: bytes, codec: str
) -> None:
    data = bom + UNICODE_TEXT.encode(codec)
    job = await run_import(account.id, settings, data=data, filename="rubrica.txt")
    assert (job.status, job.kind, job.imported, job.rejected) == ("done", "csv", 2, 0)
    first = await contact_by_mobile(account.id, "+393351234567")
    second = await contact_by_mobile(account.id, "+393351234568")
    assert first is not None and second is not None
    assert (first.first_name, first.last_name, first.city, first.notes) == (
        "Nicolò",
        "D'Àlba",
        "Forlì",
        "caffè ☕",
    )
    assert (second.first_name, second.last_name) == ("Zoë", "Łukasz")


async def test_utf16_without_its_mark_or_with_binary_is_still_refused(
    account: AccountCreated, settings: Settings
) -> None:
    from corriere.platform.contacts.importing.readers import ImportRefused, sniff_kind

    with pytest.raises(ImportRefused) as excinfo:
        sniff_kind(UNICODE_TEXT.encode("utf-16-le"))  # no BOM: NUL bytes, as any binary
    assert excinfo.value.message.startswith("Formato del file non riconosciuto")
    with pytest.raises(ImportRefused):
        sniff_kind(b"\xff\xfe" + "Cellulare\0\0\0".encode("utf-16-le"))
    with pytest.raises(ImportRefused) as excinfo:
        sniff_kind(b"\xff\xfe" + "<html><body>".encode("utf-16-le"))
    assert "pagina web" in excinfo.value.message


# ---------------------------------------------------------------------------- export orders


async def _book(account_id: int) -> int:
    soci = await group_create(account_id=account_id, name="Soci")
    people = [  # in the order they are added
        ("3351230001", "Anna", "Rossi"),
        ("3351230002", "Bruno", "Bianchi"),
        ("3351230003", "anna", "rossi"),  # same keys as the first: the number decides
        ("3351230004", "Carla", ""),
        ("3351230005", "Dario", "Àlberti"),
    ]
    for mobile, first, last in people:
        values = contact_values(
            {"mobile": mobile, "first_name": first, "last_name": last}, prefix="39"
        )
        await contact_create(account_id=account_id, values=values, group_ids=(soci,))
    return soci


@pytest.mark.parametrize("chunk", [2, 5000])
async def test_exports_follow_the_lists_order(
    account: AccountCreated, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Each order read a chunk at a time continues where the previous chunk ended."""
    monkeypatch.setattr(exporting, "CHUNK", chunk)
    soci = await _book(account.id)

    async def numbers(flt: ContactFilter, sort: str | None) -> list[str]:
        rows = read_csv(await collect(export_csv(account.id, flt, [], sort=sort)))  # type: ignore[arg-type]
        return [r[2][-1] for r in rows[1:]]

    everyone = ContactFilter()
    assert await numbers(everyone, None) == ["1", "2", "3", "4", "5"]  # as added
    assert await numbers(everyone, "recent") == ["5", "4", "3", "2", "1"]
    assert await numbers(everyone, "surname") == ["4", "5", "2", "1", "3"]
    assert await numbers(ContactFilter(text="anna", group_id=soci), "surname") == ["1", "3"]
    assert await numbers(ContactFilter(text="anna"), "recent") == ["3", "1"]
    xlsx = await collect(file_chunks(await export_xlsx(account.id, everyone, [], sort="surname")))
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_index(0)
    assert [str(r[2])[-1] for r in sheet.to_python()[1:]] == ["4", "5", "2", "1", "3"]
