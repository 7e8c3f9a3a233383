"""BACHECA: the balance, the SMS it still buys, the low-credit alert, SPOSTA CREDITO and the
history of the ledger.

Everything works on the signed-in account only: its id comes from the session, never from a form
field or a query parameter. Moving credit takes two steps: the form asks the platform for a
preview (nothing moves), the confirmation page then posts the same amount and username again.

Amounts are typed as the reader writes numbers ("1.500,5" in Italian, "1,500.5" in English) and
read with Babel; text the locale reads two ways is refused with both readings. The confirmation
page carries the amount it read in a hidden field, in the platform's notation ("1500.5000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from html import escape
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from markupsafe import Markup

from corriere.platform.accounts.queries import LedgerRow
from corriere.platform.auth.login import SessionAccount
from corriere.platform.credits.alerts import (
    credit_alert_errors,
    credit_alert_get,
    credit_alert_update,
)
from corriere.platform.credits.queries import TOP_UPS, ledger_page
from corriere.platform.credits.transfer import credits_transfer, credits_transfer_preview
from corriere.platform.errors import (
    CorriereError,
    FieldErrors,
    InsufficientCreditError,
    ValidationError,
)
from corriere.platform.messaging.sms_types import RULES
from corriere.platform.money import format_credits, to_credits
from corriere.web import formatting
from corriere.web.account_pages import field_errors
from corriere.web.amount_fields import amount_error, threshold_error, thresholds_value
from corriere.web.auth import ACCOUNT
from corriere.web.i18n import N_, locale_of, timezone_of, translations
from corriere.web.rendering import redirect, render
from corriere.web.sessions import flash

AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

PER_PAGE = 25
# The confirmation page's hidden amount, as `format_credits` writes it.
_CANONICAL_AMOUNT = re.compile(r"-?\d{1,15}(\.\d{1,4})?")

# How the ledger's kinds read in the history (Italian msgids, translated where shown).
KIND_LABELS = {
    "trial": N_("Crediti di prova"),
    "purchase": N_("Acquisto"),
    "campaign_debit": N_("Invio SMS"),
    "refund": N_("Rimborso"),
    "adjustment": N_("Variazione dall'assistenza"),
    "transfer_in": N_("Credito ricevuto"),
    "transfer_out": N_("Credito spostato"),
}


@dataclass(frozen=True, slots=True)
class KindFilter:
    key: str
    label: str  # Italian msgid
    kinds: tuple[str, ...]


KIND_FILTERS = (
    KindFilter("tutte", N_("Tutti i movimenti"), ()),
    KindFilter("ricariche", N_("Ricariche"), TOP_UPS),
    KindFilter("invii", N_("Addebiti invii"), ("campaign_debit",)),
    KindFilter("spostamenti", N_("Spostamenti di credito"), ("transfer_in", "transfer_out")),
)
_FILTERS_BY_KEY = {f.key: f for f in KIND_FILTERS}


def sms_types(balance_units: int) -> list[dict[str, Any]]:
    """Each SMS type with its price and how many one-part SMS the balance still sends."""
    return [
        {
            "code": t.value,
            "label": r.label,
            "price_units": r.price_units,
            "max_parts": r.max_parts,
            "sendable": max(0, balance_units) // r.price_units,
        }
        for t, r in RULES.items()
    ]


def _transfer_errors(request: AnyRequest, exc: CorriereError, balance_units: int) -> dict[str, str]:
    if isinstance(exc, InsufficientCreditError):
        # The platform's message carries the balance in its own notation: say it in the user's.
        message = translations(request).gettext("Puoi spostare un massimo di %(amount)s crediti")
        amount = formatting.format_credits(balance_units, locale_of(request))
        return {"amount": message % {"amount": amount}}
    return field_errors(request, exc)


async def _page(
    request: AnyRequest,
    account: SessionAccount,
    *,
    block: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    profile = account.profile
    alert = await credit_alert_get(account.account_id)
    values: dict[str, Any] = {
        "profile": profile,
        "types": sms_types(profile.balance_units),
        "alert_form": {
            "thresholds": formatting.format_amount_list(
                [to_credits(t) for t in alert.thresholds], locale_of(request)
            ),
            "emails": ", ".join(alert.emails),
            "enabled": alert.enabled,
        },
        "alert_errors": {},
        "transfer_form": {},
        "transfer_errors": {},
        **context,
    }
    return render(request, "bacheca/index.html", values, block=block, status_code=status_code)


def _parse_day(value: str) -> date | None:
    value = value.strip()
    if not value:  # the usual case, without raising and catching a ValueError
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _history_url(**params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return f"/bacheca/storico?{query}" if query else "/bacheca/storico"


def _history_rows(rows: list[LedgerRow], _: Any, locale: str, zone: Any) -> Markup:
    """The history table's rows as HTML, each formatted, escaped and joined here in one
    f-string: through the template, a page of rows (thirteen outputs each) cost more than its
    query. The locale's formatters and labels are looked up once per page."""
    when = formatting.datetime_formatter(locale, zone, "short")
    units = formatting.credits_formatter(locale)
    # Each kind as the data-kind attribute and as its translated label, escaped once.
    kinds = {kind: (escape(kind), escape(_(label))) for kind, label in KIND_LABELS.items()}
    to_user, from_user, campaign = (
        _("verso %(username)s"),
        _("da %(username)s"),
        _("Invio n. %(id)s"),
    )
    html = []
    for row in rows:
        kind = row.kind
        if kind == "transfer_out" and row.counterparty:
            details = escape(to_user % {"username": row.counterparty})
        elif kind == "transfer_in" and row.counterparty:
            details = escape(from_user % {"username": row.counterparty})
        elif row.campaign_id:
            details = escape(campaign % {"id": row.campaign_id})
        elif kind in ("adjustment", "purchase") and row.reason:
            details = escape(row.reason)
        else:
            details = ""
        attribute, label = kinds.get(kind) or (escape(kind), escape(kind))
        amount = row.amount_units
        sign = "+" if amount > 0 else ""
        html.append(
            f'<tr data-kind="{attribute}">'
            f"<td>{when(row.created_at)}</td>"
            f"<td>{label}</td>"
            f"<td>{details}</td>"
            f'<td class="num">{sign}{units(amount)}</td>'
            f'<td class="num">{units(row.balance_after_units)}</td></tr>\n'
        )
    return Markup("".join(html))


class BachecaController(Controller):
    path = "/bacheca"
    dependencies = ACCOUNT

    @get("/", name="bacheca")
    async def index(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        return await _page(request, account)

    @post("/alert", name="credit_alert")
    async def update_alert(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        form = {
            "thresholds": data.get("thresholds", "").strip(),
            "emails": data.get("emails", "").strip(),
            "enabled": data.get("enabled") == "1",
        }
        try:
            saved = await credit_alert_update(
                account_id=account.account_id,
                thresholds=thresholds_value(request, str(form["thresholds"])),
                emails=str(form["emails"]),
                enabled=bool(form["enabled"]),
            )
        except (CorriereError, formatting.AmountError) as exc:
            if isinstance(exc, formatting.AmountError):
                # The thresholds' own message, and whatever else the platform would refuse.
                others, _parsed, _addresses = credit_alert_errors(
                    thresholds="", emails=str(form["emails"]), enabled=bool(form["enabled"])
                )
                errors = field_errors(request, FieldErrors(others)) if others else {}
                errors["thresholds"] = threshold_error(request, exc)
            else:
                errors = field_errors(request, exc)
            return await _page(
                request,
                account,
                alert_form=form,
                alert_errors=errors,
                block="alert",
                status_code=422,
            )
        _ = translations(request).gettext
        if saved.enabled:
            flash(request, _("Alert esaurimento credito attivato."), "success")
        else:
            flash(request, _("Alert esaurimento credito salvato (non attivo)."), "success")
        return redirect(request, "/bacheca")

    @post("/sposta", name="credit_transfer_preview")
    async def transfer_preview(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        form = {"amount": data.get("amount", "").strip(), "username": data.get("username", "")}
        form["username"] = form["username"].strip()
        try:
            preview = await credits_transfer_preview(
                from_account_id=account.account_id,
                to_username=form["username"],
                amount=formatting.parse_amount(form["amount"], locale_of(request)),
            )
        except formatting.AmountError as exc:
            return await _page(
                request,
                account,
                transfer_form=form,
                transfer_errors={"amount": amount_error(request, exc)},
                block="transfer",
                status_code=422,
            )
        except CorriereError as exc:
            profile = account.profile
            return await _page(
                request,
                account,
                transfer_form=form,
                transfer_errors=_transfer_errors(request, exc, profile.balance_units),
                block="transfer",
                status_code=422,
            )
        profile = account.profile
        return render(
            request,
            "bacheca/transfer_confirm.html",
            {
                "preview": preview,
                "amount": format_credits(preview.units),  # as the platform reads it back
                "balance_after": profile.balance_units - preview.units,
                "profile": profile,
            },
            block="transfer",
        )

    @post("/sposta/conferma", name="credit_transfer")
    async def transfer(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        _ = translations(request).gettext
        if data.get("azione") != "conferma":
            flash(request, _("Spostamento di credito annullato: nessun credito è stato spostato."))
            return redirect(request, "/bacheca")
        amount = data.get("amount", "").strip()
        form = {"amount": amount, "username": data.get("username", "").strip()}
        try:
            # The hidden field of the confirmation page: the platform's notation, nothing else.
            if not _CANONICAL_AMOUNT.fullmatch(amount):
                raise ValidationError("Importo non valido", field="amount")
            form["amount"] = formatting.format_amount(Decimal(amount), locale_of(request))
            done = await credits_transfer(
                from_account_id=account.account_id,
                to_username=form["username"],
                amount=Decimal(amount),
            )
        except CorriereError as exc:
            profile = account.profile
            return await _page(
                request,
                account,
                transfer_form=form,
                transfer_errors=_transfer_errors(request, exc, profile.balance_units),
                block="transfer",
                status_code=422,
            )
        locale = locale_of(request)
        message = _("Hai spostato %(amount)s crediti a %(username)s. Credito residuo: %(balance)s.")
        flash(
            request,
            message
            % {
                "amount": formatting.format_credits(done.units, locale),
                "username": done.to_username,
                "balance": formatting.format_credits(done.balance_units, locale),
            },
            "success",
        )
        return redirect(request, "/bacheca")

    @get("/storico", name="credit_history")
    async def history(
        self,
        request: AnyRequest,
        account: SessionAccount,
        tipo: str = "tutte",
        dal: str = "",
        al: str = "",
        pagina: str = "1",
    ) -> Response[str]:
        """The ledger, newest first; the dates are days in the user's time zone."""
        _ = translations(request).gettext
        chosen = _FILTERS_BY_KEY.get(tipo, KIND_FILTERS[0])
        zone = timezone_of(request)
        errors: dict[str, str] = {}
        since = until = None
        first, last = _parse_day(dal), _parse_day(al)
        if dal.strip() and first is None:
            errors["dal"] = _("Data non valida (usa il formato AAAA-MM-GG)")
        if al.strip() and last is None:
            errors["al"] = _("Data non valida (usa il formato AAAA-MM-GG)")
        if first and last and last < first:
            errors["al"] = _("La data finale precede quella iniziale")
        if not errors:
            if first:
                since = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
            if last:
                end = last + timedelta(days=1)
                until = datetime.combine(end, time(), tzinfo=zone).astimezone(UTC)
        page_number = int(pagina) if pagina.isdigit() and 0 < int(pagina) < 1_000_000 else 1
        query = partial(
            ledger_page,
            account.account_id,
            kinds=chosen.kinds,
            since=since,
            until=until,
            per_page=PER_PAGE,
        )
        result = await query(page=page_number)
        if result.page > result.pages:  # past the end (rows gone, or a hand-made URL)
            result = await query(page=result.pages)
        filters = {"tipo": chosen.key if chosen.kinds else "", "dal": dal.strip(), "al": al.strip()}
        if errors:
            filters.update({"dal": "", "al": ""})  # the links below ignore the bad dates
        return render(
            request,
            "bacheca/history.html",
            {
                "result": result,
                "rows": _history_rows(result.rows, _, locale_of(request), zone),
                "chosen": chosen,
                "filters_options": tuple((f.key, _(f.label)) for f in KIND_FILTERS),
                "form": {"tipo": chosen.key, "dal": dal.strip(), "al": al.strip()},
                "errors": errors,
                "previous_url": _history_url(**filters, pagina=result.page - 1)
                if result.page > 1
                else None,
                "next_url": _history_url(**filters, pagina=result.page + 1)
                if result.page < result.pages
                else None,
            },
            block="results",
            status_code=422 if errors else 200,
        )
