"""Numbers, money, credits and dates in a given language and time zone, with Babel.

Pure functions of (value, locale[, time zone]); the template filters in `templating.py` call them
with the request's locale and time zone. `None` formats as an empty string so optional values need
no `if` in templates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

from babel import Locale, dates, numbers

from corriere.platform.clock import as_utc
from corriere.platform.money import UNITS_PER_CREDIT

Number = int | float | Decimal
DateStyle = str  # Babel's "short" | "medium" | "long" | "full" or a CLDR pattern


# Small numbers as text, plain and zero-padded: formatting an int costs ten times an index.
_PLAIN = tuple(str(i) for i in range(1000))
_PADDED = tuple(f"{i:02d}" for i in range(100))
_PADDED3 = tuple(f"{i:03d}" for i in range(1000))


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=32)
def _separators(code: str) -> tuple[str, str]:
    """(decimal, group) of the locale's Latin digits, looked up once."""
    return numbers.get_decimal_symbol(code), numbers.get_group_symbol(code)


def _grouped(value: Decimal | int, decimals: int, code: str) -> str:
    """Python's own grouping, with the locale's symbols: pages show hundreds of amounts, and
    Babel's general formatter costs ten times as much for these fixed shapes."""
    decimal_sign, group = _separators(code)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", decimal_sign).replace("\0", group)


def format_number(value: Number | None, locale: str, *, digits: int | None = None) -> str:
    """1234.5 → "1.234,5" (it) / "1,234.5" (en); `digits` fixes the decimals."""
    if value is None:
        return ""
    if digits is None and isinstance(value, int) and not isinstance(value, bool):
        return _grouped(value, 0, locale)
    if digits is None:
        return numbers.format_decimal(value, locale=locale)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return numbers.format_decimal(value, format=pattern, locale=locale)


def format_money(value: Number | None, locale: str, currency: str = "EUR") -> str:
    """1234.56 → "1.234,56 €" (it) / "€1,234.56" (en)."""
    if value is None:
        return ""
    return numbers.format_currency(value, currency, locale=locale)


def format_credits(value: int | Decimal | str | None, locale: str) -> str:
    """Credits with 4 decimals. An `int` is a number of units (1/10000 credit, as stored by
    `corriere.platform.money`); a `Decimal` or a string is an amount of credits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("credits must be units (int) or an amount (Decimal/str)")
    if isinstance(value, int):
        return credits_formatter(locale)(value)
    return _grouped(Decimal(value), 4, locale)


@lru_cache(maxsize=32)
def credits_formatter(code: str) -> Callable[[int], str]:
    """`format_credits` for units in one locale, with the locale's symbols looked up once: a
    table formats two amounts per row. Units are exact, so integer arithmetic does it (a
    Decimal costs several times as much)."""
    decimal_sign, group = _separators(code)

    def fmt(units: int) -> str:
        sign = ""
        if units < 0:
            sign, units = "-", -units
        whole, fraction = divmod(units, UNITS_PER_CREDIT)
        if whole < 1000:
            grouped = _PLAIN[whole]
        elif whole < 1_000_000:
            grouped = f"{_PLAIN[whole // 1000]}{group}{_PADDED3[whole % 1000]}"
        else:
            grouped = f"{whole:,}".replace(",", group)
        # The four decimals of a credit, two at a time.
        return f"{sign}{grouped}{decimal_sign}{_PADDED[fraction // 100]}{_PADDED[fraction % 100]}"

    return fmt


_STYLES = ("short", "medium", "long")


@lru_cache(maxsize=64)
def _datetime_patterns(
    code: str, style: str
) -> tuple[str, dates.DateTimePattern, dates.DateTimePattern]:
    """Babel's patterns for a style, parsed once (format_datetime looks them up on every call)."""
    loc = _locale(code)
    combine = str(loc.datetime_formats[style])
    return (
        combine,
        dates.parse_pattern(loc.date_formats[style]),
        dates.parse_pattern(loc.time_formats[style]),
    )


# Numeric CLDR fields as f-string replacement fields reading the moment `m`.
_NUMERIC_FIELDS: dict[str, str] = {
    "d": "{P[m.day]}",
    "dd": "{T[m.day]}",
    "M": "{P[m.month]}",
    "MM": "{T[m.month]}",
    "yy": "{T[m.year % 100]}",
    "y": "{m.year}",
    "yyyy": "{m.year:04d}",
    "H": "{P[m.hour]}",
    "HH": "{T[m.hour]}",
    "h": "{P[m.hour % 12 or 12]}",
    "hh": "{T[m.hour % 12 or 12]}",
    "mm": "{T[m.minute]}",
    "ss": "{T[m.second]}",
    "a": "{am if m.hour < 12 else pm}",
}


@lru_cache(maxsize=64)
def _numeric_template(code: str, style: str) -> tuple[str, dict[str, Any]] | None:
    """A style made only of numeric fields and the am/pm marker (tables show "short" dates by
    the hundred) as the source of one f-string on the local moment `m`, whose fields index
    tables of two-digit strings, and the names it reads. None where the pattern needs Babel
    (month names, zones…)."""
    if style != "short":
        return None
    loc = _locale(code)
    periods = loc.day_periods["format"]["abbreviated"]
    parts: list[str] = []
    combine = str(loc.datetime_formats[style])
    for chunk in re.split(r"(\{[01]\})", combine):
        if chunk not in ("{0}", "{1}"):
            parts.append(chunk.replace("{", "{{").replace("}", "}}"))
            continue
        pattern = (loc.time_formats if chunk == "{0}" else loc.date_formats)[style].pattern
        for match in re.finditer(r"'([^']*)'|(([a-zA-Z])\3*)|([^a-zA-Z']+)", pattern):
            literal, field, _, other = match.groups()
            if field:
                if field not in _NUMERIC_FIELDS:
                    return None
                parts.append(_NUMERIC_FIELDS[field])
            else:
                text = literal if literal is not None else other
                parts.append(text.replace("{", "{{").replace("}", "}}"))
    # Our own field expressions (no quotes) in the locale's literal text, whose repr makes it a
    # string literal whatever characters it holds.
    source = f"f{''.join(parts)!r}"
    return source, {"T": _PADDED, "P": _PLAIN, "am": str(periods["am"]), "pm": str(periods["pm"])}


@lru_cache(maxsize=64)
def datetime_formatter(
    code: str, tz: tzinfo, style: DateStyle = "short"
) -> Callable[[datetime], str]:
    """`format_datetime` for aware datetimes (naive ones are UTC) in one locale, time zone and
    style, resolved once for a table's worth of them. A numeric style is compiled with the move
    to the zone into one function: a call per value, not three."""
    template = _numeric_template(code, style)
    if template is None:
        return lambda moment: format_datetime(moment, code, tz, style)
    source, names = template
    namespace = {**names, "tz": tz, "UTC": UTC}
    exec(  # our own source: see _numeric_template
        "def fmt(u):\n"
        "    m = (u if u.tzinfo is not None else u.replace(tzinfo=UTC)).astimezone(tz)\n"
        f"    return {source}\n",
        namespace,
    )
    return cast("Callable[[datetime], str]", namespace["fmt"])


def _as_datetime(value: datetime | str) -> datetime:
    """Aware UTC datetime; naive values and ISO strings without offset are taken as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def format_datetime(
    value: datetime | str | None, locale: str, tz: tzinfo, style: DateStyle = "medium"
) -> str:
    """A moment shown in the user's time zone: "1 giu 2025, 12:00:00" / "Jun 1, 2025, 12:00:00 PM"."""
    if value is None or value == "":
        return ""
    if _numeric_template(locale, style) is not None:
        return datetime_formatter(locale, tz, style)(_as_datetime(value))
    moment = _as_datetime(value).astimezone(tz)
    if style not in _STYLES:
        return dates.format_datetime(moment, style, tzinfo=tz, locale=_locale(locale))
    combine, date_pattern, time_pattern = _datetime_patterns(locale, style)
    loc = _locale(locale)
    return combine.replace("{1}", date_pattern.apply(moment, loc)).replace(
        "{0}", time_pattern.apply(moment, loc)
    )


def format_date(
    value: date | datetime | str | None, locale: str, tz: tzinfo, style: DateStyle = "medium"
) -> str:
    """A calendar date; a datetime is first moved to the user's time zone (its day may change)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = _as_datetime(value) if "T" in value or " " in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = _as_datetime(value).astimezone(tz).date()
    return dates.format_date(value, style, locale=locale)


def format_time(
    value: datetime | time | str | None, locale: str, tz: tzinfo, style: DateStyle = "short"
) -> str:
    """A time of day; a datetime is shown in the user's time zone, a bare time as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, time):
        return dates.format_time(value, style, locale=locale)
    return dates.format_time(_as_datetime(value), style, tzinfo=tz, locale=locale)


# ---------------------------------------------------------------------------- reading amounts

MAX_DECIMALS = 4  # credits are kept to the ten-thousandth
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)
# In a list, a comma with three digits after it (1,500) reads as a thousands separator too.
_THOUSANDS_COMMA = re.compile(r"\d,\d{3}(?!\d)")


class AmountError(ValueError):
    """Typed text that is not an amount in the reader's locale. `reason`: "malformed",
    "ambiguous" (`readings`: the two numbers the text could mean, in the locale's notation),
    "decimals" (more than MAX_DECIMALS) or "list" (a list whose commas may be thousands)."""

    def __init__(self, text: str, reason: str, readings: tuple[str, ...] = ()) -> None:
        super().__init__(text)
        self.text, self.reason, self.readings = text, reason, readings


def parse_amount(text: str, locale: str) -> Decimal:
    """An amount as the reader writes it: "1.500,5" (it) and "1,500.5" (en) are 1500.5; a text
    the locale's notation reads two ways ("1.5" in Italian: 15 or 1,5?) is refused, as are
    letters, exponents and more than MAX_DECIMALS decimals."""
    text = text.strip()
    # Babel also reads "1e3", "NaN" and "Infinity": nobody types those as an amount.
    if not text or any(c.isalpha() for c in text):
        raise AmountError(text, "malformed")
    try:
        value = numbers.parse_decimal(text, locale, strict=True)
    except numbers.NumberFormatError as exc:
        readings = tuple(getattr(exc, "suggestions", None) or ())
        if len(readings) == 2:
            raise AmountError(text, "ambiguous", readings) from None
        raise AmountError(text, "malformed") from None
    if not value.is_finite():
        raise AmountError(text, "malformed")
    if value != value.quantize(_QUANTUM):
        raise AmountError(text, "decimals")
    return value


def parse_amount_list(text: str, locale: str) -> list[tuple[str, Decimal]]:
    """Several amounts, each with the text it was read from. Separated by ";" when the text has
    one (then commas belong to the numbers), otherwise by commas, as the manual writes
    thresholds ("100,500" is two); where the comma is also the thousands separator (en), a
    comma followed by three digits could be either, and is refused."""
    if ";" in text:
        parts = text.split(";")
    else:
        if _separators(locale)[1] == "," and (match := _THOUSANDS_COMMA.search(text)):
            raise AmountError(_around(text, match), "list")
        parts = text.split(",")
    return [(part.strip(), parse_amount(part, locale)) for part in parts if part.strip()]


def _around(text: str, match: re.Match[str]) -> str:
    """The whole number a match sits in (its run of digits, commas and points)."""
    start, end = match.start(), match.end()
    while start > 0 and (text[start - 1].isdigit() or text[start - 1] in ",."):
        start -= 1
    while end < len(text) and (text[end].isdigit() or text[end] in ",."):
        end += 1
    return text[start:end]


def format_amount(value: Decimal | int, locale: str, *, grouped: bool = True) -> str:
    """An amount as the reader would type it back (up to MAX_DECIMALS decimals, no trailing
    zeros): what a form shows so that sending it again reads the same number."""
    pattern = ("#,##0." if grouped else "0.") + "#" * MAX_DECIMALS
    return numbers.format_decimal(value, format=pattern, locale=locale)


def format_amount_list(values: list[Decimal], locale: str) -> str:
    """Amounts for a list field that `parse_amount_list` reads back: without thousands
    separators, joined by "; " when one has decimals (in Italian a decimal comma would split
    the list), by ", " otherwise."""
    texts = [format_amount(v, locale, grouped=False) for v in values]
    joiner = "; " if any(v != v.to_integral_value() for v in values) else ", "
    return joiner.join(texts)


def collation_key(text: str) -> tuple[str, str]:
    """A sort key for names as a reader expects them in Italian or English (accents and case
    do not come first: "Côte d’Ivoire" sorts among the Co…); Babel has no collation."""
    folded = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold(), text


# Letters that NFKD does not split into a base letter and an accent.
_LETTERS = str.maketrans(
    {"Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "ß": "ss", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l"}
)
