"""The audit log of support actions, newest first: all of it or one account's."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Label

from corriere.platform.audit.services import audit_list
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.cells import audit_action, local_time, refill, text

LIMIT = 200


class AuditScreen(ConsoleScreen):
    TITLE = "Corriere · Registro"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "reload", "Aggiorna"),
        Binding("escape", "back", "Indietro"),
    ]

    def __init__(self, *, account_id: int | None = None, username: str = "") -> None:
        """Without an account: the whole log (a mode of its own, nothing to go back to)."""
        super().__init__()
        self.account_id = account_id
        self.username = username

    def compose(self) -> ComposeResult:
        yield Header()
        section = (
            f"Registro delle operazioni su {self.username}"
            if self.account_id is not None
            else "Registro delle operazioni di assistenza"
        )
        yield Label(section, classes="section", markup=False)
        yield Label("", id="audit-count", classes="hint")
        yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.account_id is not None:
            self.sub_title = self.username
        table = self.query_one("#entries", DataTable)
        for key, label in (
            ("date", "Data"),
            ("operator", "Operatore"),
            ("account", "Cliente"),
            ("action", "Azione"),
            ("reason", "Motivo"),
            ("details", "Dettagli"),
        ):
            table.add_column(label, key=key)
        table.focus()

    def on_screen_resume(self) -> None:
        # Opened, or back from another area where the operator may have just done something.
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back" or self.account_id is not None

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    @work(exclusive=True, group="audit", exit_on_error=False)
    async def load(self) -> None:
        entries = await audit_list(account_id=self.account_id, limit=LIMIT)
        rows: list[tuple[str, list[Any]]] = [
            (
                str(e.id),
                [
                    text(local_time(e.created_at, seconds=True)),
                    text(e.operator or "—"),
                    text(e.account or "—"),
                    text(audit_action(e.action)),
                    text(e.reason),
                    text(e.details),
                ],
            )
            for e in entries
        ]
        refill(self.query_one("#entries", DataTable), rows)
        if not entries:
            summary = "Nessuna operazione registrata."
        elif len(entries) == 1:
            summary = "1 operazione."
        elif len(entries) == LIMIT:
            summary = f"Ultime {LIMIT} operazioni, dalla più recente."
        else:
            summary = f"{len(entries)} operazioni, dalla più recente."
        self.query_one("#audit-count", Label).update(summary)
