"""Accounts: search as you type over username, e-mail and mobile; Enter opens the account."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Label

from corriere.platform.accounts.queries import accounts_search
from corriere.platform.settings import Settings
from corriere.tui.screens.account_detail import AccountDetailScreen
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.cells import account_status, credits_cell, refill, text

DEBOUNCE_SECONDS = 0.25
LIMIT = 50


class AccountsScreen(ConsoleScreen):
    TITLE = "Corriere · Clienti"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "focus_results", "Risultati", show=False),
        Binding("escape", "focus_search", "Cerca", show=False),
        Binding("f5", "search_now", "Aggiorna"),
    ]

    def __init__(self, *, operator: str, settings: Settings) -> None:
        super().__init__()
        self.operator = operator
        self.settings = settings
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Cerca per username, e-mail o cellulare…", id="search")
        yield Label("", id="results-count", classes="hint")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        table.add_column("Username", key="username")
        table.add_column("Nome", key="name")
        table.add_column("E-mail", key="email")
        table.add_column("Cellulare", key="mobile")
        table.add_column("Stato", key="status")
        table.add_column("Credito", key="credits")
        self.query_one("#search", Input).focus()

    def on_screen_resume(self) -> None:
        # Back from an account: its balance may have changed.
        self.action_search_now()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.action_search_now)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_search_now()
        self.action_focus_results()

    def action_search_now(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self.search(self.query_one("#search", Input).value)

    def action_focus_results(self) -> None:
        self.query_one("#results", DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    @work(exclusive=True, group="search", exit_on_error=False)
    async def search(self, needle: str) -> None:
        accounts = await accounts_search(needle, limit=LIMIT)
        rows: list[tuple[str, list[Any]]] = [
            (
                str(a.id),
                [
                    text(a.username),
                    text(a.name),
                    text(a.email),
                    text(a.mobile),
                    account_status(a.status),
                    credits_cell(a.balance_units),
                ],
            )
            for a in accounts
        ]
        refill(self.query_one("#results", DataTable), rows, keep_cursor=False)
        if not accounts:
            summary = "Nessun cliente trovato."
        elif len(accounts) == LIMIT:
            summary = f"Primi {LIMIT} clienti: affinare la ricerca. Invio apre il cliente."
        elif len(accounts) == 1:
            summary = "1 cliente trovato. Invio lo apre."
        else:
            summary = f"{len(accounts)} clienti trovati. Invio apre il cliente."
        self.query_one("#results-count", Label).update(summary)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        self.app.push_screen(
            AccountDetailScreen(
                account_id=int(event.row_key.value),
                operator=self.operator,
                settings=self.settings,
            )
        )
