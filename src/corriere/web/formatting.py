"""Numbers, money, credits and dates in a given language and time zone, with Babel.

Pure functions of (value, locale[, time zone]); the template filters in `templating.py` call them
with the request's locale and time zone. `None` formats as an empty string so optional values need
no `if` in templates.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from decimal import Decimal

from babel import dates, numbers

from corriere.platform.clock import as_utc
from corriere.platform.money import to_credits

Number = int | float | Decimal
DateStyle = str  # Babel's "short" | "medium" | "long" | "full" or a CLDR pattern


def format_number(value: Number | None, locale: str, *, digits: int | None = None) -> str:
    """1234.5 → "1.234,5" (it) / "1,234.5" (en); `digits` fixes the decimals."""
    if value is None:
        return ""
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
    amount = to_credits(value) if isinstance(value, int) else Decimal(value)
    return numbers.format_decimal(amount, format="#,##0.0000", locale=locale)


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
    return dates.format_datetime(_as_datetime(value), style, tzinfo=tz, locale=locale)


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
