"""Credits: Decimal with 4 places in Python, integer ten-thousandths in the database.

Integers keep the conditional debit exact on SQLite, which has no decimal type.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

UNITS_PER_CREDIT = 10_000
_QUANTUM = Decimal("0.0001")


def to_units(amount: Decimal | str | int) -> int:
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:
        raise ValueError(f"not a number of credits: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a number of credits: {amount!r}")
    return int((value * UNITS_PER_CREDIT).to_integral_value(rounding=ROUND_HALF_UP))


def to_credits(units: int) -> Decimal:
    return (Decimal(units) / UNITS_PER_CREDIT).quantize(_QUANTUM)


def format_credits(units: int) -> str:
    return f"{to_credits(units):.4f}"
