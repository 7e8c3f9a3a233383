"""Phone numbers: parse, validate (mobile only) and normalise to E.164 with `phonenumbers`.

Italian mobiles dominate the traffic, so they take a fast path that applies the same national
pattern phonenumbers' own metadata uses; everything else goes through phonenumbers in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_JUNK = re.compile(r"[\s\-./()\u00a0]")


@dataclass(frozen=True, slots=True)
class Mobile:
    e164: str
    country: str  # ISO 3166-1 alpha-2


class InvalidNumber(ValueError):
    """Why a value is not a usable mobile number (Italian text, shown to the user)."""


@lru_cache(maxsize=32)
def _fast_path(region: str) -> tuple[str, re.Pattern[str]] | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.mobile is None or not metadata.mobile.national_number_pattern:
        return None
    pattern = metadata.mobile.national_number_pattern
    if metadata.national_prefix_for_parsing or region != "IT":
        # Regions with national trunk prefixes need phonenumbers' full parsing.
        return None
    return str(metadata.country_code), re.compile(f"(?:{pattern})")


def normalise_mobile(raw: str, *, region: str = "IT") -> Mobile:
    """Return the E.164 form of a mobile number, or raise InvalidNumber with the reason."""
    value = _JUNK.sub("", raw or "")
    if not value:
        raise InvalidNumber("numero vuoto")
    if value.startswith("00"):
        value = "+" + value[2:]
    fast = _fast_path(region)
    if fast is not None:
        code, pattern = fast
        national = value
        if national.startswith("+" + code):
            national = national[len(code) + 1 :]
        elif national.startswith(code) and len(national) > 10:
            national = national[len(code) :]
        if national.isdigit() and pattern.fullmatch(national):
            return Mobile(e164=f"+{code}{national}", country=region)
    return _slow_path(value, region)


def _slow_path(value: str, region: str) -> Mobile:
    if not value.lstrip("+").isdigit():
        raise InvalidNumber("contiene caratteri non numerici")
    candidates = [value]
    if not value.startswith("+"):
        # "393351234567": the manual's "numbers already complete" form, country code included.
        candidates.append("+" + value)
    last_error = "numero non valido"
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            last_error = "numero non valido"
            continue
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            last_error = "non è un numero di cellulare"
            continue
        country = phonenumbers.region_code_for_number(number) or "ZZ"
        return Mobile(
            e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            country=country,
        )
    raise InvalidNumber(last_error)
