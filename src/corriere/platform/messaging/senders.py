"""Sender rules: a mobile number with its international prefix, or an alphanumeric alias."""

from __future__ import annotations

import re

from corriere.platform.errors import SenderError
from corriere.platform.messaging.sms_types import RULES, SmsType
from corriere.platform.phones import InvalidNumber, normalise_mobile

ALIAS = re.compile(r"^[A-Za-z0-9 ._-]{4,11}$")

# Fixed senders of the types whose sender cannot be chosen (SMART, REPLY): the platform's numbers.
FIXED_SENDERS: dict[SmsType, str] = {
    SmsType.SMART: "393399949900",
    SmsType.REPLY: "393399949901",
}


def sender_resolve(sms_type: SmsType, sender: str | None) -> str:
    """The sender a message of this type will carry, or a SenderError saying what is wrong."""
    rule = RULES[sms_type]
    value = (sender or "").strip()
    if not rule.custom_sender:
        fixed = FIXED_SENDERS[sms_type]
        if value and value.lstrip("+") != fixed:
            raise SenderError(
                f"Gli SMS {rule.label} hanno un mittente fisso: il mittente non è personalizzabile",
                field="sender",
            )
        return fixed
    if not value:
        raise SenderError("Indicare il mittente degli SMS PRO", field="sender")
    if value.lstrip("+").isdigit():
        if len(value.lstrip("+")) > 12:
            raise SenderError(
                "Il mittente numerico non può superare le 12 cifre (es. 393201234567)",
                field="sender",
            )
        try:
            return normalise_mobile(value).e164.lstrip("+")
        except InvalidNumber as exc:
            raise SenderError(
                "Il mittente numerico deve essere un numero di cellulare con prefisso"
                f" internazionale (es. 393201234567): {exc}",
                field="sender",
            ) from exc
    if not ALIAS.match(value) or not any(c.isalpha() for c in value):
        raise SenderError(
            "Il mittente alfanumerico (alias) ammette lettere dalla A alla Z e cifre,"
            " da 4 a 11 caratteri, senza lettere accentate né caratteri speciali",
            field="sender",
        )
    return value
