"""Reading an uploaded address book: what the file really is (by its content, not its name), and
its first sheet as rows, without trusting it.

- .xlsx: python-calamine while the sheet is small enough to hold in memory (fast); beyond that,
  our own streaming reader (`xlsx_stream`), so a million rows stay well inside the worker's
  memory.
- .xls and .ods: python-calamine (.xls holds at most 65 536 rows; a huge .ods is refused).
- .csv: the standard library, streaming; delimiter and encoding (UTF-8, UTF-16 with its byte
  order mark, or Windows-1252) detected.

Refusals raise `ImportRefused` with an Italian message template: nothing has been stored yet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, BinaryIO

from corriere.platform.errors import ValidationError

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: .xls, or an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
# Above this much sheet XML (and shared strings), calamine's in-memory copy of the sheet (about
# 1.2 times the XML) would take more than a worker should spend on one import: stream instead.
CALAMINE_SHEET_LIMIT = 128 * 1024 * 1024
ODS_CONTENT_LIMIT = 64 * 1024 * 1024
SUSPICIOUS_RATIO = 200  # uncompressed / compressed, for members above a few MB


class ImportRefused(ValidationError):
    """The file cannot be imported at all (its message says why)."""

    code = "import_refused"


@dataclass
class Sheet:
    """The first sheet: its rows (each with its number in the sheet) and a size estimate."""

    kind: str
    rows: Iterator[tuple[int, list[Any]]]
    estimate: int
    other_sheets: int = 0


def sniff_kind(data: bytes) -> str:
    """xlsx / xls / ods / csv from the bytes themselves, or ImportRefused."""
    if not data.strip():
        raise ImportRefused("Il file è vuoto")
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                mimetype = (
                    archive.read("mimetype")[:100].decode("ascii", "replace")
                    if "mimetype" in names
                    else ""
                )
                manifest = (
                    archive.read(_ODF_MANIFEST)
                    if _ODF_MANIFEST in names and archive.getinfo(_ODF_MANIFEST).file_size < 1 << 20
                    else b""
                )
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ImportRefused("Il file è danneggiato: non si riesce ad aprirlo") from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "opendocument.spreadsheet" in mimetype:
            # A password-protected .ods lists how each of its encrypted parts was encrypted.
            if b"encryption-data" in manifest:
                raise ImportRefused(_PROTECTED)
            return "ods"
        if "word/document.xml" in names or "opendocument.text" in mimetype:
            raise ImportRefused(
                "Il file è un documento di testo, non un foglio di calcolo: usa .xlsx, .xls,"
                " .ods o .csv"
            )
        raise ImportRefused("Formato del file non riconosciuto: usa .xlsx, .xls, .ods o .csv")
    if data.startswith(CFB_MAGIC):
        # An encrypted .xlsx is an OLE container with these two streams (names in UTF-16).
        if "EncryptedPackage".encode("utf-16-le") in data[:1_000_000] or _xls_encrypted(data):
            raise ImportRefused(_PROTECTED)
        return "xls"
    if data.startswith(b"%PDF"):
        raise ImportRefused(
            "Il file è un PDF, non un foglio di calcolo: usa .xlsx, .xls, .ods o .csv"
        )
    head = data[:65536]
    utf16 = _utf16_encoding(head)
    if utf16:
        # Excel's "Unicode text": UTF-16 with its byte order mark, tab separated.
        head = head[2:].decode(utf16, "ignore").encode("utf-8")
    if b"\0" in head:
        raise ImportRefused("Formato del file non riconosciuto: usa .xlsx, .xls, .ods o .csv")
    lowered = head.removeprefix(codecs.BOM_UTF8).lstrip()[:200].lower()
    if lowered.startswith(_MARKUP):
        raise ImportRefused(
            "Il file è una pagina web o un XML, non un foglio di calcolo: salvalo in .xlsx o .csv"
        )
    return "csv"


_PROTECTED = "Il file è protetto da password: toglila e riprova"
_ODF_MANIFEST = "META-INF/manifest.xml"
# An .xls workbook stream opens with the BOF record of its globals (BIFF8: record 0x0809 of 16
# bytes, version 0x0600, type 0x0005); a FilePass record (0x002F) right after it means the
# workbook is encrypted (RC4, or the old XOR obfuscation). calamine only says it cannot tell
# the file's format.
_XLS_GLOBALS_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"


def _xls_encrypted(data: bytes) -> bool:
    start = data.find(_XLS_GLOBALS_BOF)
    while start >= 0:
        if start % 64 == 0:  # a stream starts on a sector (512 or 4096 bytes) or mini sector (64)
            return data[start + 20 : start + 22] == b"\x2f\x00"
        start = data.find(_XLS_GLOBALS_BOF, start + 1)
    return False


# How web pages (also the tables sites export as ".xls") and XML files begin.
_MARKUP = (b"<!doctype html", b"<html", b"<?xml", b"<table", b"<head", b"<body", b"<meta")


def _check_zip(data: BinaryIO, *, max_uncompressed: int) -> dict[str, zipfile.ZipInfo]:
    """The members of an .xlsx/.ods, refusing archives that would inflate beyond reason."""
    try:
        with zipfile.ZipFile(data) as archive:
            members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused("Il file è danneggiato: non si riesce ad aprirlo") from exc
    finally:
        data.seek(0)
    total = sum(info.file_size for info in members.values())
    if total > max_uncompressed:
        raise ImportRefused(_BOMB)
    for info in members.values():
        # Python's zipfile never inflates past the declared size; the declared size and ratio
        # are what to judge.
        if info.file_size > 8 * 1024 * 1024 and info.file_size > SUSPICIOUS_RATIO * max(
            info.compress_size, 1
        ):
            raise ImportRefused(_BOMB)
    return members


_BOMB = (
    "Il file si espande in modo anomalo una volta aperto (possibile «zip bomb»):"
    " non è stato importato"
)


def open_sheet(data: BinaryIO, kind: str, *, max_uncompressed: int) -> Sheet:
    """The first sheet of the file `data` (seekable, already sniffed as `kind`), read from the
    file as it goes rather than from a copy in memory where the format allows."""
    if kind == "csv":
        return _csv_sheet(data)
    if kind == "xlsx":
        members = _check_zip(data, max_uncompressed=max_uncompressed)
        sheet_size = max(
            (i.file_size for n, i in members.items() if n.startswith("xl/worksheets/")),
            default=0,
        ) + sum(i.file_size for n, i in members.items() if n == "xl/sharedStrings.xml")
        if sheet_size > CALAMINE_SHEET_LIMIT:
            return _streamed_sheet(data)
        return _calamine_sheet(data, kind)
    if kind == "ods":
        members = _check_zip(data, max_uncompressed=max_uncompressed)
        content = members.get("content.xml")
        if content is not None and content.file_size > ODS_CONTENT_LIMIT:
            raise ImportRefused(
                "Il file .ods è troppo grande per essere letto: salvalo in .xlsx o .csv e riprova"
            )
        return _calamine_sheet(data, kind)
    return _calamine_sheet(data, kind)


def _calamine_sheet(data: BinaryIO, kind: str) -> Sheet:
    import python_calamine as calamine

    try:
        workbook = calamine.CalamineWorkbook.from_filelike(data)
        names = workbook.sheet_names
        if not names:
            raise ImportRefused("Il file non contiene fogli di lavoro")
        sheet = workbook.get_sheet_by_index(0)
    except calamine.PasswordError as exc:
        raise ImportRefused(_PROTECTED) from exc
    except ImportRefused:
        raise
    except Exception as exc:  # calamine's errors: zip, XML, or an unreadable .xls
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ImportRefused(_PROTECTED) from exc
        raise ImportRefused("Il file è danneggiato o non è un foglio di calcolo leggibile") from exc

    def rows() -> Iterator[tuple[int, list[Any]]]:
        start = sheet.start[0] if sheet.start else 0
        for index, row in enumerate(sheet.iter_rows(), start + 1):
            yield index, list(row)

    return Sheet(kind=kind, rows=rows(), estimate=int(sheet.height), other_sheets=len(names) - 1)


def _streamed_sheet(data: BinaryIO) -> Sheet:
    from corriere.platform.contacts.importing import xlsx_stream

    try:
        archive = zipfile.ZipFile(data)
        names = set(archive.namelist())
        path = xlsx_stream.first_sheet_path(archive, names)
        sheets = xlsx_stream.sheet_count(archive)
        estimate = archive.getinfo(path).file_size // 200  # bytes of XML per row, roughly
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused("Il file è danneggiato o non è un foglio di calcolo leggibile") from exc

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from xlsx_stream.iter_rows(archive, path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ImportRefused("Il file è danneggiato: la lettura si è interrotta") from exc
        finally:
            archive.close()

    return Sheet(kind="xlsx", rows=rows(), estimate=estimate, other_sheets=max(0, sheets - 1))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.time() == time():
        return value.date()
    return "" if value is None else value


def _utf16_encoding(head: bytes) -> str:
    """The UTF-16 codec for text that starts with its byte order mark, else ""."""
    if head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return ""


def _encoding(data: BinaryIO) -> tuple[str, int]:
    """UTF-16 when the file starts with its byte order mark (Excel's "Unicode text"); else UTF-8
    (with or without BOM) when every byte decodes as such, else Windows-1252; and how many lines
    the file has (the progress bar's estimate). Reads the file once, a megabyte at a time."""
    head = data.read(4)
    data.seek(0)
    if utf16 := _utf16_encoding(head):
        newline = "\n".encode(utf16)
        lines = 1
        while block := data.read(1 << 20):
            lines += block.count(newline)  # about right: a block may split one in two
        data.seek(0)
        return "utf-16", lines  # the codec reads the mark and skips it
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid = True
    lines = 1
    while block := data.read(1 << 20):
        lines += block.count(b"\n")
        if valid:
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                valid = False
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    data.seek(0)
    if not valid:
        return "cp1252", lines
    return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), lines


def _delimiter(sample: str) -> str:
    """The separator the header line uses most, outside quotes (";" when it has none: one
    column). Not csv.Sniffer: it guesses from quoted cells, and a cell like
    '=HYPERLINK("http://x","y") or an apostrophe-guarded value misleads it."""
    first = next((line for line in sample.splitlines() if line.strip()), "")
    first = re.sub(r'"[^"]*"', "", first)
    best = max(";,\t|", key=first.count)
    return best if first.count(best) else ";"


# A note may run over a few lines inside its quotes; a record over more is an unclosed quote.
CSV_MAX_LINES_PER_ROW = 20


def _csv_sheet(data: BinaryIO) -> Sheet:
    encoding, lines = _encoding(data)
    sample = data.read(65536).decode(encoding, errors="ignore")
    data.seek(0)
    delimiter = _delimiter(sample)
    text = io.TextIOWrapper(data, encoding=encoding, errors="replace", newline="")
    # A cell bigger than this is not a contact field: csv stops with an error instead.
    csv.field_size_limit(1 << 20)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        reader = csv.reader(text, delimiter=delimiter)
        ended = 0  # the physical line the previous record ended on
        try:
            for index, row in enumerate(reader, 1):
                if reader.line_num - ended > CSV_MAX_LINES_PER_ROW:
                    # An unclosed quote: every line after it would end up in one cell, and
                    # those contacts would be lost without a word.
                    raise ImportRefused(
                        "Virgolette non chiuse alla riga %(row)s del file CSV: le righe che"
                        " seguono finirebbero in una sola cella. Correggi il file e riprova",
                        params={"row": str(ended + 1)},
                    )
                ended = reader.line_num
                yield index, list(row)
        except csv.Error as exc:
            raise ImportRefused(
                "Il file CSV non è leggibile: controlla virgolette e separatori"
            ) from exc

    return Sheet(kind="csv", rows=rows(), estimate=lines)


def pasted_sheet(text: str) -> Sheet:
    """INSERIMENTO MANUALE: one number per line, optionally followed by a comma and a name."""

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield 0, ["Cellulare", "Nome"]
        for index, line in enumerate(text.splitlines(), 1):
            number, _, name = line.partition(",")
            yield index, [number.strip(), name.strip()]

    return Sheet(kind="paste", rows=rows(), estimate=text.count("\n") + 1)


def cell_value(value: Any) -> Any:
    """Calamine gives dates as date/datetime, numbers as float/int, text as str."""
    if isinstance(value, datetime) and value.time() == time():
        return value.date()
    if isinstance(value, date | int | float | str):
        return value
    return "" if value is None else str(value)
