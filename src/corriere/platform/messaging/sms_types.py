"""The SMS types on sale, with their rules and their price per part."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from corriere.platform.money import to_units


class SmsType(StrEnum):
    SMART = "SMART"
    PRO = "PRO"
    REPLY = "REPLY"


@dataclass(frozen=True, slots=True)
class TypeRule:
    label: str
    price_units: int  # per part, for Italian destinations
    max_parts: int
    custom_sender: bool
    delivery_report: bool
    reply_window_hours: int = 0


RULES: dict[SmsType, TypeRule] = {
    SmsType.SMART: TypeRule(
        "SMART", to_units("0.625"), 1, custom_sender=False, delivery_report=False
    ),
    SmsType.PRO: TypeRule("PRO", to_units("1"), 4, custom_sender=True, delivery_report=True),
    SmsType.REPLY: TypeRule(
        "REPLY PRO",
        to_units("1"),
        1,
        custom_sender=False,
        delivery_report=True,
        reply_window_hours=48,
    ),
}


def parse_sms_type(value: str) -> SmsType:
    try:
        return SmsType(value.strip().upper())
    except ValueError:
        from corriere.platform.errors import ValidationError

        raise ValidationError(
            f"Tipologia SMS sconosciuta: {value!r} (ammesse: SMART, PRO, REPLY)", field="sms_type"
        ) from None
