"""The account card at the top of the account detail screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Static

from corriere.platform.accounts.queries import AccountRow
from corriere.platform.money import format_credits
from corriere.tui.widgets.cells import ACCOUNT_STATUSES

_FIELDS = (
    ("username", "Username"),
    ("name", "Nome"),
    ("email", "E-mail"),
    ("mobile", "Cellulare"),
    ("status", "Stato"),
    ("balance", "Credito"),
)


class AccountHeader(Grid):
    """Label/value pairs; values are plain text because customers typed them."""

    def compose(self) -> ComposeResult:
        for key, label in _FIELDS:
            yield Static(label, classes="field-label")
            yield Static("…", id=key, classes="field-value", markup=False)

    def show(self, account: AccountRow) -> None:
        values = {
            "username": account.username,
            "name": account.name or "—",
            "email": account.email,
            "mobile": account.mobile,
            "status": ACCOUNT_STATUSES.get(account.status, account.status),
            "balance": f"{format_credits(account.balance_units)} crediti",
        }
        for key, value in values.items():
            self.query_one(f"#{key}", Static).update(value)
        self.query_one("#status", Static).set_class(account.status != "active", "warning")


# What the operator needs to know about signing in, and the key that helps when something is off.
_ACCESS = {
    "active": "Attivo · il cliente può accedere al pannello",
    "pending": (
        "In attesa di attivazione · il cliente non ha ancora inserito il codice ricevuto via SMS"
        " (s: reinvia il codice)"
    ),
    "blocked": "Bloccato · il cliente non può accedere (u: sblocca)",
}


class AccessState(Static):
    """A banner with the account's activation state, coloured by how urgently it needs care."""

    def show(self, status: str) -> None:
        self.update(_ACCESS.get(status, ACCOUNT_STATUSES.get(status, status)))
        for state in _ACCESS:
            self.set_class(state == status, f"-{state}")
