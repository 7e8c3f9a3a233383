"""From sheet rows to validated import rows: the header says which column is which field, each
row becomes a contact to store or a rejection with its reason.

Only the mobile number can reject a row. Any other cell that cannot be read (a date that is not
one, an unknown province…) is left out and listed with the row, so the contact still arrives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from corriere.platform.clock import utcnow
from corriere.platform.contacts.fields import (
    BadValue,
    field_reader,
    fold,
    header_key,
    read_mobile,
    read_variable,
    standard_field_for,
)
from corriere.platform.contacts.importing.readers import ImportRefused, Sheet, cell_value
from corriere.platform.phones import InvalidNumber

# import_row's columns, in the order `stage_row` produces them.
ROW_COLUMNS = (
    "contact_import",
    "row_number",
    "status",
    "mobile",
    "first_name",
    "last_name",
    "first_key",
    "last_key",
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
    "reason",
    "reason_params",
    "value",
    "issues",
    "original",
)
_FIELD_SLOTS = {
    "first_name": 4,
    "last_name": 5,
    "gender": 8,
    "address": 9,
    "city": 10,
    "province": 11,
    "birth_date": 12,
    "landline": 13,
    "email": 14,
    "notes": 15,
    "birthday_sms": 16,
}
_EMPTY: tuple[Any, ...] = (
    0, 0, "new", "", "", "", "", "", "", "", "", "", None, "", "", "", None, "", "", "", "", "", "",
)  # fmt: skip

MISSING_MOBILE = "Manca il numero di cellulare"
BAD_MOBILE = "Numero di cellulare non valido: %(reason)s"


@dataclass
class Layout:
    """What each column of the sheet holds."""

    header: list[str]
    mobile: int
    fields: list[tuple[int, str]]  # (column, contact field)
    variables: list[tuple[int, str]]  # (column, variable name)
    unknown: list[str] = field(default_factory=list)  # headers matched to nothing
    inactive: list[str] = field(default_factory=list)  # headers naming deactivated variables
    # (column, slot in the staged row, reader, header) of every standard field but the number
    readers: list[tuple[int, int, Callable[[object], object], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        today = utcnow().date()
        self.readers = [
            (column, _FIELD_SLOTS[name], field_reader(name, today=today), self.header[column])
            for column, name in self.fields
        ]

    @property
    def understood(self) -> list[str]:
        used = {self.mobile, *(c for c, _ in self.fields), *(c for c, _ in self.variables)}
        return [self.header[i] for i in sorted(used)]


def read_layout(
    header: Sequence[Any], *, active_variables: Sequence[str], inactive_variables: Sequence[str]
) -> Layout:
    """Match the header row to the contact fields and the account's active variables (case,
    accents, spaces and punctuation do not matter); or ImportRefused without a Cellulare column."""
    names = [str(cell_value(h)).strip() for h in header]
    by_key = {header_key(v): v for v in active_variables}
    inactive = {header_key(v): v for v in inactive_variables}
    mobile = -1
    fields: list[tuple[int, str]] = []
    variables: list[tuple[int, str]] = []
    unknown: list[str] = []
    off: list[str] = []
    taken: set[str] = set()
    for column, name in enumerate(names):
        if not name:
            continue
        standard = standard_field_for(name)
        key = header_key(name)
        if standard == "mobile" and mobile < 0:
            mobile = column
        elif standard and standard != "mobile" and standard not in taken:
            fields.append((column, standard))
            taken.add(standard)
        elif key in by_key and by_key[key] not in taken:
            variables.append((column, by_key[key]))
            taken.add(by_key[key])
        elif key in inactive:
            off.append(name)
        else:
            unknown.append(name)
    if mobile < 0:
        found = ", ".join(n for n in names if n) or "nessuna"
        raise ImportRefused(
            "Manca la colonna Cellulare: la prima riga del foglio deve contenere le intestazioni"
            " (Nome, Cognome, Cellulare…). Intestazioni trovate: %(found)s",
            params={"found": found[:300]},
        )
    return Layout(names, mobile, fields, variables, unknown, off)


def first_row(sheet: Sheet) -> tuple[int, list[Any]]:
    """The header: the first row with anything in it."""
    for number, row in sheet.rows:
        if any(str(cell_value(v)).strip() for v in row):
            return number, row
    raise ImportRefused("Il file è vuoto")


def stage_row(
    import_id: int, number: int, row: Sequence[Any], layout: Layout, prefix: str
) -> tuple[Any, ...] | None:
    """One sheet row as an import_row tuple (see ROW_COLUMNS); None for an empty row."""
    if not any(row):  # every cell empty (or zero)
        return None
    out = list(_EMPTY)
    out[0], out[1] = import_id, number
    width = len(row)
    raw = row[layout.mobile] if layout.mobile < width else ""
    try:
        out[3] = read_mobile(raw, prefix).e164
    except InvalidNumber as exc:
        text = str(cell_value(raw)).strip()
        out[2] = "rejected"
        if text:
            out[18], out[19] = BAD_MOBILE, json.dumps({"reason": str(exc)}, ensure_ascii=False)
        else:
            out[18] = MISSING_MOBILE
        out[20] = text[:100]
        out[22] = json.dumps([_plain(v) for v in row], ensure_ascii=False, default=str)
        return tuple(out)
    issues: list[list[str]] = []
    for column, slot, reader, header in layout.readers:
        value = row[column] if column < width else None
        if value == "" or value is None:
            continue
        try:
            out[slot] = reader(value)
        except BadValue as exc:
            issues.append([header, _plain(value), str(exc)])
    if layout.variables:
        found = {}
        for column, name in layout.variables:
            value = row[column] if column < width else ""
            if value in ("", None):
                continue
            try:
                text = read_variable(value)
            except BadValue as exc:
                issues.append([layout.header[column], _plain(value), str(exc)])
                continue
            if text:
                found[name] = text
        if found:
            out[17] = json.dumps(found, ensure_ascii=False)
    out[6], out[7] = fold(out[4]), fold(out[5])
    if issues:
        out[21] = json.dumps(issues, ensure_ascii=False)
    return tuple(out)


def _plain(value: Any) -> str:
    value = cell_value(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def staged_rows(
    sheet: Sheet,
    import_id: int,
    layout: Layout,
    prefix: str,
    *,
    max_rows: int,
    after: int,
) -> Iterator[tuple[Any, ...]]:
    """Every data row after the header (row `after`), staged; ImportRefused past `max_rows`."""
    count = 0
    for number, row in sheet.rows:
        if number <= after:
            continue
        staged = stage_row(import_id, number, row, layout, prefix)
        if staged is None:
            continue
        count += 1
        if count > max_rows:
            raise ImportRefused(
                "Il file ha più di %(limit)s righe: dividilo in più file e importali uno alla volta",
                params={"limit": f"{max_rows:,}".replace(",", ".")},
            )
        yield staged
