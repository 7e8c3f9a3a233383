"""Amounts typed in the panel's forms (credits to move, alert thresholds): read in the reader's
notation (`formatting.parse_amount`) and, when refused, why, in the reader's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Request

from corriere.web import formatting
from corriere.web.i18n import locale_of, translations

AnyRequest = Request[Any, Any, Any]


def amount_error(request: AnyRequest, exc: formatting.AmountError) -> str:
    """Why a typed amount was refused, in the reader's language and notation."""
    _ = translations(request).gettext
    if exc.reason == "ambiguous":
        first, second = exc.readings
        return _("Importo ambiguo: intendi %(first)s o %(second)s?") % {
            "first": first,
            "second": second,
        }
    if exc.reason == "decimals":
        return _("Importo non valido: al massimo 4 cifre decimali")
    example = formatting.format_amount(Decimal("1234.5"), locale_of(request))
    return _("Importo non valido: scrivi un numero come %(example)s") % {"example": example}


def threshold_error(request: AnyRequest, exc: formatting.AmountError) -> str:
    _ = translations(request).gettext
    value = {"value": exc.text}
    if exc.reason == "ambiguous":
        first, second = exc.readings
        return _("Soglia ambigua: %(value)s. Intendi %(first)s o %(second)s?") % {
            **value,
            "first": first,
            "second": second,
        }
    if exc.reason == "list":
        return (
            _(
                "Soglie ambigue: %(value)s. Separa le soglie con una virgola seguita da uno"
                " spazio (es. 100, 500) o con un punto e virgola"
            )
            % value
        )
    if exc.reason == "decimals":
        return _("Soglia non valida: %(value)s (al massimo 4 cifre decimali)") % value
    return _("Soglia non valida: %(value)s (usa numeri positivi separati da virgola)") % value


def thresholds_value(request: AnyRequest, text: str) -> str:
    """The typed thresholds in the platform's notation ("100,1500.5"); AmountError if any is
    not a positive amount."""
    values = formatting.parse_amount_list(text, locale_of(request))
    for typed, value in values:
        if value <= 0:
            raise formatting.AmountError(typed, "malformed")
    return ",".join(f"{value:f}" for _typed, value in values)
