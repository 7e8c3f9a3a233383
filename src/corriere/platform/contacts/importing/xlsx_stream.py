"""A streaming reader for large .xlsx sheets: rows come out as the XML inflates, and the shared
strings (a million-row sheet can have millions) are kept packed in one buffer rather than as
Python strings. python-calamine is faster but holds the whole sheet in memory; openpyxl streams
but keeps every shared string as an object and reads a few thousand rows a second.

SpreadsheetML is regular enough for a few regular expressions: cells are `<c r= s= t=>` with a
`<v>` value or an inline `<is><t>` string; formulas (`<f>`) are skipped, their cached value read.
"""

from __future__ import annotations

import re
import zipfile
from array import array
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from html import unescape
from typing import IO, Any

_CHUNK = 1 << 20
_ROW = re.compile(rb"<row\b([^>]*)>(.*?)</row>|<row\b([^>]*)/>", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
# The common shape (attributes in Excel's order, a value or an inline string), read in one match;
# a row with any other shape of cell goes through the general `_CELL` path.
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([a-zA-Z]+)")?'
    rb"(?:\s*/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>)?"
    rb'(?:<is><t(?: xml:space="preserve")?>([^<]*)</t></is>|<is>(.*?)</is>)?</c>)',
    re.S,
)
_ATTR = re.compile(rb'\b(r|t|s)="([^"]*)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_TEXT = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>|<t\s*/>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_SI = re.compile(
    rb'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|<si>(.*?)</si>|<si\s*/>', re.S
)
_XF = re.compile(rb"<xf\b([^>]*)", re.S)
_NUMFMT = re.compile(rb'<numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', re.S)
_FMT_ID = re.compile(rb'numFmtId="(\d+)"')
_SHEET = re.compile(rb'<sheet\b[^>]*?r:id="([^"]+)"', re.S)
_REL = re.compile(rb"<Relationship\b([^>]*)/?>", re.S)
_REL_ATTR = re.compile(rb'\b(Id|Target)="([^"]*)"')
_DATE_FORMATS = {14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58}
_EPOCH = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)  # <workbookPr date1904="1"/>: old Excel for Mac
_DATE_1904 = re.compile(rb'<workbookPr\b[^>]*\bdate1904="(?:1|true)"')


class PackedStrings:
    """The shared strings table as one UTF-8 buffer and an array of offsets (4 bytes each: the
    zip limits of our uploads keep the table far below 4 GB)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("I")

    def append(self, text: bytes) -> None:
        self._data += text
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode("utf-8")


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while data := handle.read(_CHUNK):
        yield data


def _elements(
    handle: IO[bytes], pattern: re.Pattern[bytes], closing: bytes
) -> Iterator[re.Match[bytes]]:
    """Every match of `pattern` in a member, reading it a megabyte at a time; `closing` is the
    element's end tag, so a chunk is only searched up to its last complete element."""
    pending = b""
    for data in _chunks(handle):
        pending += data
        cut = pending.rfind(closing)
        if cut < 0:
            continue
        cut += len(closing)
        yield from pattern.finditer(pending, 0, cut)
        pending = pending[cut:]
    if pending:
        yield from pattern.finditer(pending)


def _text(xml: bytes) -> bytes:
    xml = _PHONETIC.sub(b"", xml)
    return b"".join(m.group(1) or b"" for m in _TEXT.finditer(xml))


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return unescape(text) if "&" in text else text


def _shared_strings(archive: zipfile.ZipFile, names: set[str]) -> PackedStrings:
    packed = PackedStrings()
    if "xl/sharedStrings.xml" not in names:
        return packed
    with archive.open("xl/sharedStrings.xml") as handle:
        for match in _elements(handle, _SI, b"</si>"):
            plain, rich = match.group(1, 2)
            text = plain if plain is not None else (_text(rich) if rich else b"")
            packed.append(_unescape(text).encode("utf-8") if b"&" in text else text)
    return packed


def _date_styles(archive: zipfile.ZipFile, names: set[str]) -> set[int]:
    """Indexes of the cell formats that show numbers as dates."""
    if "xl/styles.xml" not in names:
        return set()
    xml = archive.read("xl/styles.xml")
    custom = set()
    for fmt_id, code in _NUMFMT.findall(xml):
        bare = re.sub(rb'"[^"]*"|\[[^\]]*\]|\\.', b"", code.lower())
        if re.search(rb"[dmy]", bare) and not re.search(rb"^[#0.,% ]*$", bare):
            custom.add(int(fmt_id))
    start = xml.find(b"<cellXfs")
    end = xml.find(b"</cellXfs>", start)
    if start < 0:
        return set()
    dates = set()
    for index, match in enumerate(_XF.finditer(xml, start, end if end > 0 else len(xml))):
        found = _FMT_ID.search(match.group(1))
        fmt = int(found.group(1)) if found else 0
        if fmt in _DATE_FORMATS or fmt in custom:
            dates.add(index)
    return dates


def first_sheet_path(archive: zipfile.ZipFile, names: set[str]) -> str:
    """The member holding the workbook's first sheet (as listed in workbook.xml)."""
    workbook = archive.read("xl/workbook.xml")
    first = _SHEET.search(workbook)
    if first and "xl/_rels/workbook.xml.rels" in names:
        rels = archive.read("xl/_rels/workbook.xml.rels")
        for rel in _REL.finditer(rels):
            attrs = dict(_REL_ATTR.findall(rel.group(1)))
            if attrs.get(b"Id") == first.group(1):
                target = attrs.get(b"Target", b"").decode()
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if path in names:
                    return path
    candidates = sorted(n for n in names if n.startswith("xl/worksheets/sheet"))
    if not candidates:
        raise KeyError("no worksheet")
    return candidates[0]


def sheet_count(archive: zipfile.ZipFile) -> int:
    return len(_SHEET.findall(archive.read("xl/workbook.xml")))


def _column(ref: bytes) -> int:
    index = 0
    for byte in ref:
        if 65 <= byte <= 90:
            index = index * 26 + byte - 64
        elif 97 <= byte <= 122:
            index = index * 26 + byte - 96
        else:
            break
    return index - 1


def _number(raw: bytes, is_date: bool, epoch: datetime = _EPOCH) -> Any:
    text = raw.decode("ascii", errors="replace").strip()
    try:
        value = float(text)
    except ValueError:
        return text
    if is_date and 0 < value < 2958466:
        moment = epoch + timedelta(days=value)
        return moment.date() if moment.time() == datetime.min.time() else moment
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def iter_rows(archive: zipfile.ZipFile, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of every row of `sheet`; values are str, int, float, bool or date."""
    names = set(archive.namelist())
    strings = _shared_strings(archive, names)
    dates = _date_styles(archive, names)
    epoch = _EPOCH_1904 if _DATE_1904.search(archive.read("xl/workbook.xml")) else _EPOCH
    expected = 0
    with archive.open(sheet) as handle:
        for row in _elements(handle, _ROW, b"</row>"):
            attrs, body = (
                (row.group(1), row.group(2)) if row.group(2) is not None else (row.group(3), b"")
            )
            numbered = _ROW_NUMBER.search(attrs or b"")
            expected = int(numbered.group(1)) if numbered else expected + 1
            body = body or b""
            fast = _FAST_CELL.findall(body)
            if len(fast) == body.count(b"<c ") + body.count(b"<c>"):
                values = _fast_values(fast, strings, dates, epoch)
            else:
                values = _general_values(body, strings, dates, epoch)
            yield expected, values


_COLUMNS: dict[bytes, int] = {}


def _fast_values(
    cells: list[tuple[bytes, bytes, bytes, bytes, bytes, bytes]],
    strings: PackedStrings,
    dates: set[int],
    epoch: datetime,
) -> list[Any]:
    values: list[Any] = []
    for ref, style, kind, raw, plain, inline in cells:
        column = _COLUMNS.get(ref)
        if column is None:
            column = _COLUMNS[ref] = _column(ref)
        if kind == b"s":
            value: Any = strings[int(raw)] if raw else ""
        elif not kind or kind == b"n":
            value = _number(raw, bool(style) and int(style) in dates, epoch) if raw else ""
        elif kind == b"inlineStr":
            value = _unescape(plain) if plain or not inline else _unescape(_text(inline))
        else:
            value = _typed(kind, raw)
        if column >= len(values):
            values.extend([""] * (column - len(values) + 1))
        values[column] = value
    return values


def _typed(kind: bytes, raw: bytes) -> Any:
    if not raw or kind == b"e":
        return ""
    if kind == b"str":
        return _unescape(raw)
    if kind == b"b":
        return raw.strip() == b"1"
    if kind == b"d":
        text = raw.decode("ascii", errors="replace")
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return text
    return _unescape(raw)


def _general_values(
    body: bytes, strings: PackedStrings, dates: set[int], epoch: datetime
) -> list[Any]:
    values: list[Any] = []
    for cell in _CELL.finditer(body):
        info = dict(_ATTR.findall(cell.group(1)))
        ref = info.get(b"r")
        column = _column(ref) if ref else len(values)
        if column < 0 or column > 16383:
            continue
        content = cell.group(2) or b""
        kind = info.get(b"t", b"n")
        value: Any
        if kind == b"inlineStr":
            value = _unescape(_text(content))
        else:
            found = _VALUE.search(content)
            raw = found.group(1) if found else b""
            if kind == b"s":
                try:
                    value = strings[int(raw)] if raw else ""
                except (ValueError, IndexError):
                    value = ""
            elif kind == b"n":
                style = info.get(b"s")
                value = _number(raw, bool(style) and int(style or 0) in dates, epoch) if raw else ""
            else:
                value = _typed(kind, raw)
        if column >= len(values):
            values.extend([""] * (column - len(values) + 1))
        values[column] = value
    return values
