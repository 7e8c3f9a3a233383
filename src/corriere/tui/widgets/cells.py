"""Table cells and Italian labels shared by the console's screens.

Cells are plain `Text`: a DataTable reads bare strings as markup, and reasons, names or SMSC
errors typed by someone else must never be interpreted (a stray `[/x]` would crash the render).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.text import Text
from textual.widgets import DataTable

from corriere.platform.money import format_credits

_LOCAL: ZoneInfo | None
try:
    _LOCAL = ZoneInfo("Europe/Rome")
except ZoneInfoNotFoundError:  # a system without tzdata still gets a usable console
    _LOCAL = None

LEDGER_KINDS = {
    "trial": "Crediti di prova",
    "purchase": "Acquisto",
    "campaign_debit": "Addebito invio",
    "refund": "Rimborso",
    "adjustment": "Rettifica assistenza",
    "transfer_in": "Credito ricevuto",
    "transfer_out": "Credito ceduto",
}

ACCOUNT_STATUSES = {
    "active": "Attivo",
    "pending": "In attesa di attivazione",
    "blocked": "Bloccato",
}

BIND_STATES = {
    "bound": "Connesso",
    "connecting": "In connessione",
    "down": "Disconnesso",
}

_BIND_STYLES = {"bound": "green", "connecting": "yellow", "down": "bold red"}

# The audit log's action codes, as the operator reads them; unknown codes are shown as they are.
AUDIT_ACTIONS = {
    "credits_added": "Crediti aggiunti",
    "credits_removed": "Crediti tolti",
    "account_blocked": "Account bloccato",
    "account_unblocked": "Account sbloccato",
    "activation_code_resent": "Codice di attivazione reinviato",
    "password_reset_sent": "E-mail di recupero password",
    "contacts_cleanup": "Pulizia rubrica (dal cliente)",
    "pending_account_deleted": "Account mai attivato eliminato",
}

MAIL_KINDS = {
    "welcome": "Benvenuto",
    "password_reset": "Recupero password",
    "low_credit": "Credito in esaurimento",
}

MAIL_STATUSES = {
    "pending": "In coda",
    "sending": "In invio",
    "sent": "Inviata",
    "kept": "Conservata in locale",
    "failed": "Non inviata",
}

_MAIL_STYLES = {"pending": "yellow", "sending": "yellow", "sent": "green", "failed": "bold red"}

# Where a contact came from (contact.source).
CONTACT_SOURCES = {
    "panel": "pannello",
    "import": "importazione",
    "signup": "iscrizione web",
    "api": "API",
}

IMPORT_STATUSES = {
    "pending": "In attesa",
    "running": "In corso",
    "done": "Completata",
    "failed": "Non riuscita",
}

_IMPORT_STYLES = {"pending": "yellow", "running": "yellow", "done": "green", "failed": "bold red"}

# An import report's rejected rows: a bad number, or a number already met higher in the file.
REPORT_STATUSES = {"rejected": "Scartata", "duplicate": "Doppione"}


def local_time(value: datetime | None, *, seconds: bool = False) -> str:
    if value is None:
        return ""
    shown = value.astimezone(_LOCAL) if _LOCAL is not None else value
    return shown.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def text(value: object, *, style: str = "") -> Text:
    return Text("" if value is None else str(value), style=style, no_wrap=True)


def number(value: int, *, style: str = "") -> Text:
    return Text(str(value), style=style, justify="right", no_wrap=True)


def credits_cell(units: int, *, signed: bool = False) -> Text:
    shown = format_credits(units)
    style = ""
    if signed:
        style = "green" if units > 0 else "red" if units < 0 else ""
        shown = f"+{shown}" if units > 0 else shown
    return Text(shown, style=style, justify="right", no_wrap=True)


def ledger_kind(kind: str) -> str:
    return LEDGER_KINDS.get(kind, kind)


def account_status(status: str) -> Text:
    return text(ACCOUNT_STATUSES.get(status, status), style="" if status == "active" else "red")


def audit_action(action: str) -> str:
    return AUDIT_ACTIONS.get(action, action)


def mail_kind(kind: str) -> str:
    return MAIL_KINDS.get(kind, kind)


def mail_status(status: str) -> Text:
    return text(MAIL_STATUSES.get(status, status), style=_MAIL_STYLES.get(status, ""))


def contact_source(source: str) -> str:
    return CONTACT_SOURCES.get(source, source)


def import_status(status: str, percent: int) -> Text:
    label = IMPORT_STATUSES.get(status, status)
    if status == "running":
        label = f"{label} {percent}%"
    return text(label, style=_IMPORT_STYLES.get(status, ""))


def import_file(kind: str, filename: str) -> str:
    if filename:
        return filename
    return "testo incollato" if kind == "paste" else "—"


def report_status(status: str) -> str:
    return REPORT_STATUSES.get(status, status)


def filled(template: str, params: dict[str, str]) -> str:
    """A platform message stored as an Italian template and its values ("Riga %(row)s")."""
    if not params:
        return template
    try:
        return template % params
    except (KeyError, TypeError, ValueError):  # a template that does not match its values
        return template


def login_outcome(success: bool) -> Text:
    return text("Riuscito", style="green") if success else text("Non riuscito", style="bold red")


def bind_state(state: str, *, stale: bool) -> Text:
    label = BIND_STATES.get(state, state)
    if stale:
        # A gateway that stopped reporting may be dead: its last state is not to be trusted.
        return text(f"{label} ⚠ non aggiornato", style="bold red")
    return text(label, style=_BIND_STYLES.get(state, ""))


def refill(
    table: DataTable[Any], rows: list[tuple[str, list[Any]]], *, keep_cursor: bool = True
) -> None:
    """Replace a table's rows; a periodic refresh keeps the cursor where the operator left it."""
    row = table.cursor_row if keep_cursor else 0
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if rows:
        table.move_cursor(row=min(row, len(rows) - 1))
