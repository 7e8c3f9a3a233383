"""Numbers: which accounts hold a mobile number in their address book, and in which groups.

Read-only: support answers "who has my number?" (a complaint, an opt-out request) without
opening every account. The number is typed as a person would; it is normalised before the lookup.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Input, Label

from corriere.platform.contacts.queries import number_lookup
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.cells import contact_source, local_time, refill, text

PROMPT = "Scrivi un numero di cellulare e premi Invio."
NOBODY = "Nessun cliente ha questo numero in rubrica."


class NumbersScreen(ConsoleScreen):
    TITLE = "Corriere · Numeri"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "focus_results", "Risultati", show=False),
        Binding("escape", "focus_number", "Numero", show=False),
        Binding("f5", "lookup_now", "Aggiorna"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Cellulare da cercare in tutte le rubriche…", id="number")
        yield Label(PROMPT, id="number-result", classes="hint", markup=False)
        yield DataTable(id="owners", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#owners", DataTable)
        for key, label in (
            ("account", "Cliente"),
            ("name", "Nome"),
            ("groups", "Gruppi"),
            ("source", "Origine"),
            ("created", "Aggiunto il"),
        ):
            table.add_column(label, key=key)
        self.query_one("#number", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_lookup_now()

    def action_lookup_now(self) -> None:
        raw = self.query_one("#number", Input).value
        if not raw.strip():
            self._stop(PROMPT)
            return
        try:
            e164 = normalise_mobile(raw).e164
        except InvalidNumber as exc:
            self._stop(f"Numero di cellulare non valido: {exc}", error=True)
            return
        self.lookup(e164)

    def _stop(self, summary: str, *, error: bool = False) -> None:
        # A lookup still running for the previous number must not overwrite this.
        self.workers.cancel_group(self, "numbers")
        self._show([], summary, error=error)

    def action_focus_results(self) -> None:
        self.query_one("#owners", DataTable).focus()

    def action_focus_number(self) -> None:
        self.query_one("#number", Input).focus()

    @work(exclusive=True, group="numbers", exit_on_error=False)
    async def lookup(self, e164: str) -> None:
        owners = await number_lookup(e164)
        rows: list[tuple[str, list[Any]]] = [
            (
                str(o.contact_id),
                [
                    text(o.username),
                    text(o.name or "—"),
                    text(", ".join(g.name for g in o.groups) or "—"),
                    text(contact_source(o.source)),
                    text(local_time(o.created_at)),
                ],
            )
            for o in owners
        ]
        if not owners:
            summary = f"{e164}: {NOBODY}"
        elif len(owners) == 1:
            summary = f"{e164}: 1 cliente lo ha in rubrica."
        else:
            summary = f"{e164}: {len(owners)} clienti lo hanno in rubrica."
        self._show(rows, summary)

    def _show(
        self, rows: list[tuple[str, list[Any]]], summary: str, *, error: bool = False
    ) -> None:
        refill(self.query_one("#owners", DataTable), rows, keep_cursor=False)
        result = self.query_one("#number-result", Label)
        result.update(summary)
        result.set_class(error, "error")
        result.set_class(not error, "hint")
