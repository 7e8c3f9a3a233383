"""Amounts and dates in e-mails, in the recipient's language and time zone (Babel).

The web panel has its own formatters (`corriere.web.formatting`), which the platform may not
import; these give the same shapes: credits with four decimals (10,0000 / 10.0000), amounts as
typed (1.234,5 / 1,234.5), and a moment as a long date with the time and the zone it is in.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, numbers

from corriere.platform.clock import as_utc
from corriere.platform.money import to_credits

Credits = int | Decimal | str


def _amount(value: Credits) -> Decimal:
    """An `int` is a number of units (1/10000 credit, as stored); a Decimal or a string (as
    `money.format_credits` writes it) is an amount of credits."""
    if isinstance(value, bool):
        raise TypeError("credits must be units (int) or an amount (Decimal/str)")
    return to_credits(value) if isinstance(value, int) else Decimal(value)


def mail_credits(value: Credits, locale: str) -> str:
    """A balance: 1234.5 → "1.234,5000" (it) / "1,234.5000" (en)."""
    return numbers.format_decimal(_amount(value), format="#,##0.0000", locale=locale)


def mail_amount(value: Credits, locale: str) -> str:
    """An amount as the user typed it, without trailing zeros: "1.234,5" / "1,234.5"."""
    return numbers.format_decimal(_amount(value), format="#,##0.####", locale=locale)


@lru_cache(maxsize=64)
def mail_timezone(name: str, default: str = "Europe/Rome") -> ZoneInfo:
    """The account's zone, or `default` for a name the system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def mail_datetime(moment: datetime, locale: str, tz: ZoneInfo) -> str:
    """ "5 dicembre 2026 09:44 (Ora Italia)" / "December 5, 2026, 9:44 AM (Italy Time)"."""
    local = as_utc(moment).astimezone(tz)
    loc = Locale.parse(locale)
    combine = str(loc.datetime_formats["long"])
    text = combine.replace("{1}", dates.format_date(local, "long", locale=loc)).replace(
        "{0}", dates.format_time(local, "short", tzinfo=tz, locale=loc)
    )
    return f"{text} ({dates.get_timezone_location(tz, locale=loc)})"
