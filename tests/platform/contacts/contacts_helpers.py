"""Files to import, built the way the programs people use build them (openpyxl, xlwt, odfpy) or
by hand where a test needs exact XML (formulas, formatted empty rows, a zip bomb), and the few
steps every import test repeats: start and run an import, read its message, count what is stored.
"""

from __future__ import annotations

import csv
import functools
import io
import zipfile
import zlib
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from corriere.platform.contacts.importing.apply import contacts_book_vacuum
from corriere.platform.contacts.importing.queries import ImportRow, ReportLine, import_get
from corriere.platform.contacts.importing.services import (
    ImportTarget,
    contact_import_run,
    contact_import_start,
)
from corriere.platform.db import database
from corriere.platform.settings import Settings

# ---------------------------------------------------------------------------- the manual's sheet

MANUAL_HEADER = [
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
]
# The example of MODALITA' DI IMPORTAZIONE AUTOMATICA, its cells as the manual shows them (the
# manual's e-mail column is cut short by the column width: completed here).
MANUAL_ROWS: list[list[Any]] = [
    ["Primo", "Contatto", 39345678910, "M", "Via non so quale", "Bologna", "BO",
     date(1978, 4, 21), "051234567", "Esempio@dominio.it", "Nota 1", "X"],
    ["Secondo", "Riferimento", 39345678911, "M", "Via come prima", "Roma", "RM",
     date(1968, 12, 6), "0612345678", "Esempio@dominio.it", "Nota 2", ""],
    ["Terza", "Persona", 39345678912, "F", "Viale dell'sms, 34", "Venezia", "VE",
     date(1912, 12, 12), "0412345678", "Esempio@dominio.it", "Nota 3", ""],
    ["", "", 39345678913, "", "", "", "", None, "", "", "", ""],
    ["Antonio", "", 39345678914, "", "", "", "", None, "", "", "", ""],
    ["Gustavo", "", 39345678915, "M", "", "", "", None, "", "", "", ""],
]  # fmt: skip


def xlsx_openpyxl(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, extra_sheets: int = 0
) -> bytes:
    """An .xlsx as Excel saves it (shared strings, styles), dates formatted DD/MM/YYYY."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Rubrica"
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    for n in range(extra_sheets):
        other = workbook.create_sheet(f"Altro {n + 1}")
        other.append(["Cellulare", "Nome"])
        other.append([393399999990 + n, "Non importare"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xls_xlwt(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An Excel 97-2003 .xls: numbers as numbers, dates as date cells."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Rubrica")
    dated = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for c, title in enumerate(header):
        sheet.write(0, c, title)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, date):
                sheet.write(r, c, value, dated)
            else:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_odfpy(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An OpenDocument spreadsheet as LibreOffice saves it: typed float, date and text cells."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Rubrica")

    def cell(value: Any) -> TableCell:
        if value is None or value == "":
            return TableCell()
        if isinstance(value, date):
            found = TableCell(valuetype="date", datevalue=value.isoformat())
            found.addElement(P(text=value.strftime("%d/%m/%Y")))
        elif isinstance(value, int | float):
            found = TableCell(valuetype="float", value=str(value))
            found.addElement(P(text=str(value)))
        else:
            found = TableCell(valuetype="string")
            found.addElement(P(text=str(value)))
        return found

    for row in [list(header), *rows]:
        line = TableRow()
        for value in row:
            line.addElement(cell(value))
        table.addElement(line)
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            ["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, date) else v for v in row]
        )
    return buffer.getvalue().encode(encoding)


# ---------------------------------------------------------------------------- hand-made .xlsx

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Rubrica" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
# Style 0: plain; 1: thin borders (the "formatted" empty cells); 2: a DD/MM/YYYY date.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/>'
    "<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _shared_strings(items: Sequence[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{len(items)}" uniqueCount="{len(items)}">' + "".join(items) + "</sst>"
    )


def xlsx_by_hand(
    sheet_data: bytes,
    *,
    strings: Sequence[str] = (),
    rich_strings: Sequence[str] = (),
    dimension: str = "",
    date1904: bool = False,
) -> bytes:
    """An .xlsx around `sheet_data` (the XML inside <sheetData>), with the styles above and the
    shared strings `strings` (cells refer to them by index), or `rich_strings`: each the XML
    inside one <si>."""
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    items = [f"<si><t>{escape(s)}</t></si>" for s in strings]
    items += [f"<si>{xml}</si>" for xml in rich_strings]
    workbook = (
        _WORKBOOK.replace("<sheets>", '<workbookPr date1904="1"/><sheets>')
        if date1904
        else _WORKBOOK
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/sharedStrings.xml", _shared_strings(items))
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            SHEET_START + dim + b"<sheetData>" + sheet_data + b"</sheetData></worksheet>",
        )
    return out.getvalue()


def header_row(titles: Sequence[str]) -> bytes:
    """Row 1 as inline strings."""
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{escape(t)}</t></is></c>'
        for i, t in enumerate(titles)
    )
    return f'<row r="1">{cells}</row>'.encode()


def million_rows_xlsx(rows: int) -> bytes:
    """Cellulare and Nome on `rows` data rows (in a second or so: straight XML)."""
    body = header_row(["Cellulare", "Nome"]) + b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="s"><v>0</v></c></row>'
        % (n, n, 393300000000 + n, n)
        for n in range(2, rows + 2)
    )
    return xlsx_by_hand(body, strings=["Cliente"])


def formatted_down_xlsx(last_row: int) -> bytes:
    """Three contacts, then bordered empty cells down to `last_row` (what selecting A1:C1000000
    and adding borders saves)."""
    body = (
        header_row(["Nome", "Cellulare", "DataNascita"])
        + b'<row r="2"><c r="A2" s="1" t="s"><v>0</v></c><c r="B2" s="1"><v>393351234561</v></c>'
        b'<c r="C2" s="1"/></row>'
        b'<row r="3"><c r="A3" s="1" t="s"><v>1</v></c><c r="B3" s="1"><v>393351234562</v></c>'
        b'<c r="C3" s="2"><v>28601</v></c></row>'
        b'<row r="4"><c r="A4" s="1"/><c r="B4" s="1"><v>393351234563</v></c><c r="C4" s="1"/></row>'
        + b"".join(
            b'<row r="%d" spans="1:3" s="1" customFormat="1"><c r="A%d" s="1"/><c r="B%d" s="1"/>'
            b'<c r="C%d" s="1"/></row>' % (n, n, n, n)
            for n in range(5, last_row + 1)
        )
    )
    return xlsx_by_hand(body, strings=["Anna", "Bruno"], dimension=f"A1:C{last_row}")


@functools.cache
def _deflated_bomb(megabytes: int) -> tuple[bytes, int, int]:
    """The raw deflate stream of the bomb's member, its CRC and its inflated size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"a" * (1 << 20)
    crc = zlib.crc32(SHEET_START)
    parts = [compressor.compress(SHEET_START)]
    for _ in range(megabytes):
        parts.append(compressor.compress(block))
        crc = zlib.crc32(block, crc)
    parts.append(compressor.flush())
    return b"".join(parts), crc, len(SHEET_START) + megabytes * len(block)


def zip_bomb(megabytes: int, *, declared_size: int | None = None, kind: str = "xlsx") -> bytes:
    """An .xlsx-shaped (or .ods-shaped) zip whose sheet inflates to `megabytes` MB of one
    repeated byte (a few hundred KB on disk). `declared_size` makes its headers lie about the
    inflated size."""
    deflated, crc, size = _deflated_bomb(megabytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if kind == "ods":
            archive.writestr(
                zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
            )
            member = "content.xml"
        else:
            archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
            archive.writestr("_rels/.rels", _RELS)
            archive.writestr("xl/workbook.xml", _WORKBOOK)
            archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            member = "xl/worksheets/sheet1.xml"
        # The sheet's already deflated bytes go in as they are, with the sizes we choose.
        info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.CRC = crc
        info.compress_size = len(deflated)
        info.file_size = size if declared_size is None else declared_size
        info.header_offset = archive.start_dir
        archive.fp.seek(archive.start_dir)  # type: ignore[union-attr]
        archive.fp.write(info.FileHeader(zip64=False))  # type: ignore[union-attr]
        archive.fp.write(deflated)  # type: ignore[union-attr]
        archive.start_dir = archive.fp.tell()  # type: ignore[union-attr]
        archive.filelist.append(info)
        archive.NameToInfo[info.filename] = info
        archive._didModify = True
    return out.getvalue()


def encrypted_xlsx(plain: bytes, password: str = "segreta") -> bytes:
    """`plain` protected with a password, as Excel's «Proteggi con password» saves it."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word document (what people pick by mistake)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Cellulare'
            " 393351234567</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# An Excel "Pagina Web" saved with the .xls extension.
HTML_XLS = (
    b'<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:'
    b'office:excel"><head><meta charset="utf-8"></head><body><table><tr><td>Nome</td>'
    b"<td>Cellulare</td></tr><tr><td>Mario</td><td>393351234567</td></tr></table></body></html>"
)


# ---------------------------------------------------------------------------- running imports


async def run_import(
    account_id: int,
    settings: Settings,
    *,
    data: bytes | None = None,
    pasted: str | None = None,
    filename: str = "rubrica.xlsx",
    prefix: str = "",
    target: ImportTarget = ImportTarget(),  # noqa: B008 - frozen
) -> ImportRow:
    """Start and run an import as the panel and the worker do; its record afterwards."""
    import_id = await contact_import_start(
        account_id=account_id,
        filename=filename,
        data=data,
        pasted=pasted,
        target=target,
        prefix=prefix,
        settings=settings,
    )
    written = await contact_import_run(import_id=import_id, settings=settings)
    await contacts_book_vacuum(written)  # the worker's job does this after the import
    job = await import_get(account_id, import_id)
    assert job is not None
    return job


def error_text(job: ImportRow) -> str:
    return job.error % job.error_params if job.error_params else job.error


def describe(line: ReportLine) -> str:
    return line.reason % line.reason_params if line.reason_params else line.reason


@dataclass(frozen=True)
class Stored:
    """What an account has in its address book and import tables."""

    contacts: int
    groups: int
    members: int
    imports: int
    import_rows: int
    uploads: int


async def stored(account_id: int) -> Stored:
    db = database()

    async def count(sql: str) -> int:
        return int(await db.fetchval(sql, account_id))

    return Stored(
        contacts=await count("SELECT count(*) FROM contact WHERE account = $1"),
        groups=await count("SELECT count(*) FROM contact_group WHERE account = $1"),
        members=await count(
            "SELECT count(*) FROM group_member m JOIN contact c ON c.id = m.contact"
            " WHERE c.account = $1"
        ),
        imports=await count("SELECT count(*) FROM contact_import WHERE account = $1"),
        import_rows=await count(
            "SELECT count(*) FROM import_row r JOIN contact_import i ON i.id = r.contact_import"
            " WHERE i.account = $1"
        ),
        uploads=await count(
            "SELECT count(*) FROM import_upload u JOIN contact_import i ON i.id = u.contact_import"
            " WHERE i.account = $1"
        ),
    )


NOTHING = Stored(contacts=0, groups=0, members=0, imports=0, import_rows=0, uploads=0)
FAILED_ONLY = Stored(contacts=0, groups=0, members=0, imports=1, import_rows=0, uploads=0)


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def read_csv(data: bytes) -> list[list[str]]:
    """A CSV as our downloads write it (UTF-8 with BOM, semicolons)."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
