"""A contact's fields as people type them (panel form, imported cells, the sign-up page): each
value is read into its stored form or refused with an Italian reason.

The same readers serve the panel (a refusal is an error next to the field) and imports (a
refused cell is left out and listed in the report; only the mobile number can reject a row).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import phonenumbers

from corriere.platform.clock import utcnow
from corriere.platform.phones import InvalidNumber, Mobile, normalise_mobile
from corriere.platform.validation import EMAIL

PROVINCES_FILE = Path(__file__).with_name("data") / "provinces.csv"

# The manual's import columns, in its order (the export writes the same headers).
FIELDS: tuple[tuple[str, str], ...] = (
    ("first_name", "Nome"),
    ("last_name", "Cognome"),
    ("mobile", "Cellulare"),
    ("gender", "Sesso"),
    ("address", "Indirizzo"),
    ("city", "Città"),
    ("province", "Provincia"),
    ("birth_date", "DataNascita"),
    ("landline", "Telefono"),
    ("email", "Email"),
    ("notes", "Note"),
    ("birthday_sms", "SMScompleanno"),
)
HEADERS = dict(FIELDS)
# The text fields and their stored length.
TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "address": 200,
    "city": 100,
    "landline": 32,
    "email": 254,
    "notes": 2000,
}
VARIABLE_VALUE_LIMIT = 500

# Other spellings of the headers people use (compared folded, without spaces or punctuation).
_HEADER_ALIASES = {
    "first_name": ("nome", "name", "firstname"),
    "last_name": ("cognome", "surname", "lastname"),
    "mobile": (
        "cellulare",
        "cell",
        "mobile",
        "telefonino",
        "numero",
        "numerocellulare",
        "numerodicellulare",
        "ncellulare",
        "numerocell",
        "telefonocellulare",
        "telefonomobile",
        "cellphone",
        "mobilephone",
        "mobilenumber",
    ),
    "gender": ("sesso", "genere", "gender", "sex"),
    "address": ("indirizzo", "address", "via"),
    "city": ("citta", "comune", "city", "localita"),
    "province": ("provincia", "prov", "province", "pr"),
    "birth_date": ("datanascita", "datadinascita", "nascita", "birthdate", "dateofbirth"),
    "landline": ("telefono", "telefonofisso", "fisso", "tel", "phone", "landline"),
    "email": ("email", "mail", "posta", "indirizzoemail"),
    "notes": ("note", "notes", "nota"),
    "birthday_sms": ("smscompleanno", "compleanno", "auguri", "birthdaysms"),
}

_TRUE = {"x", "si", "s", "yes", "y", "1", "true", "vero", "ok"}
_FALSE = {"no", "n", "0", "false", "falso", "-"}
_MALE = {"m", "maschio", "uomo", "male", "man"}
_FEMALE = {"f", "femmina", "donna", "female", "woman"}
_DATE_SHAPES = (
    re.compile(r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"),
    re.compile(r"(?P<y>\d{4})[/.\-](?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})(?:[ T].*)?"),
)
_EXCEL_EPOCH = date(1899, 12, 30)
_LANDLINE = re.compile(r"^\+?[0-9 ./()-]{4,32}$")
VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_NUMBER_JUNK = re.compile(r"[\s\-./()\u00a0]")
# C0 controls but tab, line feed and carriage return: what XML (so .xlsx) cannot contain.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class BadValue(ValueError):
    """A value that cannot be stored in its field; the argument is the Italian reason."""


def fold(text: str) -> str:
    """Lower case without accents, spaces collapsed: "  Nicolò  D'Àlba " → "nicolo d'alba"."""
    if text.isascii():  # most names: no decomposition to do
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def header_key(text: str) -> str:
    """A header as compared: folded, without spaces and punctuation ("Data Nascita" → "datanascita")."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@lru_cache(maxsize=1)
def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, aliases in _HEADER_ALIASES.items():
        for alias in (*aliases, HEADERS[name]):
            key = header_key(alias)
            # A header that two fields claim would fill whichever came last: never silently.
            if index.setdefault(key, name) != name:
                raise RuntimeError(f"header {alias!r} names both {index[key]} and {name}")
    return index


def standard_field_for(header: str) -> str | None:
    """The contact field a column header names, if any."""
    return _header_index().get(header_key(header))


def reserved_names() -> frozenset[str]:
    """Names a custom variable cannot take: they already mean a standard field or placeholder."""
    return frozenset(_header_index()) | {"firma", "cognome", "nome", "link", "sender", "mittente"}


@lru_cache(maxsize=1)
def provinces() -> dict[str, str]:
    """Code → name of the Italian provinces."""
    with PROVINCES_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh, delimiter=";")}


@lru_cache(maxsize=1)
def _province_lookup() -> dict[str, str]:
    lookup = {}
    for code, name in provinces().items():
        lookup[code.lower()] = code
        lookup[header_key(name)] = code
    return lookup


# ---------------------------------------------------------------------------- readers


def read_text(value: object, name: str) -> str:
    text = _cell_text(value)
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        raise BadValue(f"troppo lungo (al massimo {limit} caratteri)")
    return text


def read_email(value: object) -> str:
    text = _cell_text(value)
    if text and not EMAIL.match(text):
        raise BadValue("indirizzo e-mail non valido")
    if len(text) > TEXT_LIMITS["email"]:
        raise BadValue("troppo lungo (al massimo 254 caratteri)")
    return text


def read_landline(value: object) -> str:
    text = _cell_text(value)
    if text and not _LANDLINE.match(text):
        raise BadValue("numero di telefono non valido")
    return text


def read_gender(value: object) -> str:
    text = fold(_cell_text(value))
    if not text:
        return ""
    if text in _MALE:
        return "M"
    if text in _FEMALE:
        return "F"
    raise BadValue("sesso non riconosciuto (usa M o F)")


def read_province(value: object) -> str:
    text = _cell_text(value)
    if not text:
        return ""
    code = _province_lookup().get(text.lower()) or _province_lookup().get(header_key(text))
    if code is None:
        raise BadValue("provincia sconosciuta (usa la sigla, es. BO)")
    return code


def read_flag(value: object) -> bool | None:
    """SMScompleanno: an X (or sì/yes/1) means yes; None when the cell is empty."""
    if isinstance(value, bool):
        return value
    text = fold(_cell_text(value))
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue("valore non riconosciuto (usa X per sì)")


def read_date(value: object, *, today: date | None = None) -> date | None:
    """A birth date: a spreadsheet date, 21/04/1978, 21-4-78, 1978-04-21 or an Excel serial."""
    today = today or utcnow().date()
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise BadValue("data non valida")
        found = _EXCEL_EPOCH + timedelta(days=int(value))
    else:
        text = _cell_text(value)
        if not text:
            return None
        found = _date_from_text(text, today)
    if found.year < 1900:
        raise BadValue("data non valida")
    if found > today:
        raise BadValue("la data di nascita è nel futuro")
    return found


def _date_from_text(text: str, today: date) -> date:
    for shape in _DATE_SHAPES:
        match = shape.fullmatch(text)
        if match is None:
            continue
        year = int(match["y"])
        if len(match["y"]) == 2:
            # Two-digit years: this century unless that would be in the future.
            year += 2000 if year <= today.year % 100 else 1900
        try:
            return date(year, int(match["m"]), int(match["d"]))
        except ValueError:
            break
    if text.isdigit():
        return read_date(int(text), today=today) or today
    raise BadValue("data non valida (usa GG/MM/AAAA)")


def read_variable(value: object) -> str:
    text = _cell_text(value)
    if len(text) > VARIABLE_VALUE_LIMIT:
        raise BadValue(f"troppo lungo (al massimo {VARIABLE_VALUE_LIMIT} caratteri)")
    return text


def _cell_text(value: object) -> str:
    """A cell as text: numbers without a trailing .0, a formula-guard apostrophe dropped (our
    exports put one before text that a spreadsheet would run), spaces trimmed, control
    characters (which no spreadsheet can hold) removed."""
    if type(value) is str:
        text = value.strip()
        if not text.isprintable():  # rare: newlines, tabs, control characters
            text = _CONTROL.sub("", text)
        if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
            return text[1:]
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).strip()
    if not text.isprintable():
        text = _CONTROL.sub("", text)
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        text = text[1:]
    return text


# ---------------------------------------------------------------------------- numbers


@lru_cache(maxsize=256)
def region_for_prefix(prefix: str) -> str:
    """The main region of a country calling code ("39" → "IT"), "" when unknown."""
    try:
        return phonenumbers.region_code_for_country_code(int(prefix)) or ""
    except ValueError:
        return ""


def read_mobile(value: object, prefix: str) -> Mobile:
    """A mobile number from a cell or a form, as the manual's two import choices read it:
    `prefix` "" means numbers already complete (393351234567); otherwise the country code to put
    before numbers written without one (3351234567). Numbers starting with + or 00 are complete
    either way."""
    if type(value) is int:  # a number cell, the usual case in spreadsheets
        digits = str(value)
    else:
        raw = _cell_text(value)
        digits = _NUMBER_JUNK.sub("", raw)
        if raw.startswith("'"):
            digits = digits.lstrip("'")
    if not digits:
        raise InvalidNumber("numero vuoto")
    international = digits.startswith("+") or digits.startswith("00")
    if prefix and not international:
        region = region_for_prefix(prefix)
        if region and region != "001":
            # phonenumbers drops the country's trunk prefix (UK 07…) on its own.
            return normalise_mobile(digits, region=region)
        return normalise_mobile(f"+{prefix}{digits}")
    if not international:
        digits = "+" + digits
    try:
        return normalise_mobile(digits)
    except InvalidNumber as exc:
        # A national number (3351234567) in "complete" mode; not for letters or junk.
        if not prefix and not international and len(digits) <= 11 and digits[1:].isdigit():
            raise InvalidNumber(f"{exc} (manca il prefisso internazionale?)") from exc
        raise


@dataclass(slots=True)
class ContactValues:
    """Every field of a contact, in stored form ("" / None where empty)."""

    mobile: str = ""
    first_name: str = ""
    last_name: str = ""
    gender: str = ""
    address: str = ""
    city: str = ""
    province: str = ""
    birth_date: date | None = None
    landline: str = ""
    email: str = ""
    notes: str = ""
    birthday_sms: bool | None = None
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def first_key(self) -> str:
        return fold(self.first_name)

    @property
    def last_key(self) -> str:
        return fold(self.last_name)


def read_field(name: str, value: object) -> object:
    """The stored form of `value` for the standard field `name` (not the mobile number)."""
    return _READERS[name](value)


def field_reader(name: str, *, today: date) -> Callable[[object], object]:
    """`read_field` for one field, with today's date fixed (imports read rows by the million)."""
    if name == "birth_date":
        return lambda value: read_date(value, today=today)
    return _READERS[name]


def _text_reader(name: str) -> Callable[[object], object]:
    return lambda value: read_text(value, name)


_READERS: dict[str, Callable[[object], object]] = {
    **{
        name: _text_reader(name) for name in ("first_name", "last_name", "address", "city", "notes")
    },
    "email": read_email,
    "landline": read_landline,
    "gender": read_gender,
    "province": read_province,
    "birth_date": read_date,
    "birthday_sms": read_flag,
}
