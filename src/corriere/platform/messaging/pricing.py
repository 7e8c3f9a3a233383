"""Prices: parts × type rate × destination multiplier, from an editable CSV data file."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from corriere.platform.messaging.sms_types import RULES, SmsType

RATES_FILE = Path(__file__).with_name("data") / "country_rates.csv"
DEFAULT_KEY = "*"


@lru_cache(maxsize=4)
def country_multipliers(path: Path = RATES_FILE) -> dict[str, Decimal]:
    """ISO country → price multiplier; `*` is the multiplier for countries not listed."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        table = {row["country"].strip().upper(): Decimal(row["multiplier"]) for row in rows}
    table.setdefault(DEFAULT_KEY, Decimal("3"))
    return table


def message_price_units(sms_type: SmsType, parts: int, country: str) -> int:
    table = country_multipliers()
    multiplier = table.get(country, table[DEFAULT_KEY])
    raw = Decimal(RULES[sms_type].price_units * parts) * multiplier
    return int(raw.to_integral_value(rounding=ROUND_HALF_UP))
