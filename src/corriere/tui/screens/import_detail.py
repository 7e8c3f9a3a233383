"""One contact import: its counts, group and ignored columns, why it failed, and its report.

The report has two parts: the rows rejected (with the reason), and the rows imported with some
cells left out (each cell with its reason). Read-only, like the list it comes from.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Label, Static

from corriere.platform.contacts.importing.queries import ImportRow, import_get, import_report
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.cells import (
    IMPORT_STATUSES,
    filled,
    import_file,
    local_time,
    number,
    refill,
    report_status,
    text,
)

PER_PAGE = 200


def import_summary(row: ImportRow) -> str:
    """The import's card, one fact per line."""
    status = IMPORT_STATUSES.get(row.status, row.status)
    if row.status == "running":
        status = f"{status} ({row.percent}%)"
    read = f"{row.processed_rows}"
    if not row.finished and row.total_rows:
        read += f" di circa {row.total_rows}"
    lines = [
        f"File: {import_file(row.kind, row.filename)}",
        f"Stato: {status}",
        f"Gruppo: {row.group_name or 'nessuno (solo rubrica)'}",
        f"Creata il: {local_time(row.created_at)}"
        + (f" · terminata il: {local_time(row.finished_at)}" if row.finished_at else ""),
        f"Righe lette: {read}",
        f"Importati: {row.imported} · Aggiornati: {row.updated} · Scartati: {row.rejected}"
        f" · Con celle ignorate: {row.warnings}",
        f"Colonne ignorate: {', '.join(row.unknown) or 'nessuna'}",
    ]
    if row.inactive:
        lines.append(f"Colonne di variabili disattivate (ignorate): {', '.join(row.inactive)}")
    if row.other_sheets:
        lines.append(f"Altri fogli del file, non letti: {row.other_sheets}")
    return "\n".join(lines)


class ImportDetailScreen(ConsoleScreen):
    TITLE = "Corriere · Importazione"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r,f5", "reload", "Aggiorna", key_display="r/F5"),
        Binding("escape", "back", "Indietro"),
    ]

    def __init__(self, *, account_id: int, import_id: int) -> None:
        super().__init__()
        self.account_id = account_id
        self.import_id = import_id
        self.row: ImportRow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(f"Importazione n. {self.import_id}", id="import-title", classes="section")
        yield Static("…", id="import-summary", markup=False)
        yield Label("", id="import-error", classes="error", markup=False)
        yield Label("Righe scartate", classes="section")
        yield Label("", id="rejected-count", classes="hint")
        yield DataTable(id="rejected", cursor_type="row", zebra_stripes=True)
        yield Label("Righe importate con celle ignorate", classes="section")
        yield Label("", id="issues-count", classes="hint")
        yield DataTable(id="issues", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        rejected = self.query_one("#rejected", DataTable)
        for key, label in (
            ("row", "Riga"),
            ("value", "Valore"),
            ("status", "Esito"),
            ("reason", "Motivo"),
        ):
            rejected.add_column(label, key=key)
        issues = self.query_one("#issues", DataTable)
        for key, label in (
            ("row", "Riga"),
            ("mobile", "Cellulare"),
            ("column", "Colonna"),
            ("value", "Valore"),
            ("reason", "Motivo"),
        ):
            issues.add_column(label, key=key)
        self.query_one("#import-error", Label).display = False
        rejected.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    @work(exclusive=True, group="import", exit_on_error=False)
    async def load(self) -> None:
        row = await import_get(self.account_id, self.import_id)
        if row is None:
            self.notify("Importazione inesistente", severity="error")
            self.dismiss()
            return
        rejected, rejected_total = await import_report(
            self.account_id, self.import_id, rejected=True, page=1, per_page=PER_PAGE
        )
        kept, kept_total = await import_report(
            self.account_id, self.import_id, rejected=False, page=1, per_page=PER_PAGE
        )
        self.row = row
        self.sub_title = row.username
        self.query_one("#import-title", Label).update(f"Importazione n. {row.id} di {row.username}")
        self.query_one("#import-summary", Static).update(import_summary(row))
        error = ""
        if row.status == "failed":
            error = f"Errore: {filled(row.error, row.error_params) or 'non indicato'}"
        shown = self.query_one("#import-error", Label)
        shown.update(error)
        shown.display = bool(error)

        rejected_rows: list[tuple[str, list[Any]]] = [
            (
                str(line.row_number),
                [
                    number(line.row_number),
                    text(line.value or line.mobile or "—"),
                    text(report_status(line.status), style="red"),
                    text(filled(line.reason, line.reason_params)),
                ],
            )
            for line in rejected
        ]
        refill(self.query_one("#rejected", DataTable), rejected_rows)
        self.query_one("#rejected-count", Label).update(
            _count(len(rejected), rejected_total, "riga scartata", "righe scartate")
        )

        issue_rows: list[tuple[str, list[Any]]] = [
            (
                f"{line.row_number}:{n}",
                [
                    number(line.row_number),
                    text(line.mobile),
                    text(column),
                    text(value),
                    text(reason),
                ],
            )
            for line in kept
            for n, (column, value, reason) in enumerate(line.issues)
        ]
        refill(self.query_one("#issues", DataTable), issue_rows)
        self.query_one("#issues-count", Label).update(
            _count(
                len(kept),
                kept_total,
                "riga importata con celle lasciate fuori",
                "righe importate con celle lasciate fuori",
            )
        )


def _count(shown: int, total: int, one: str, many: str) -> str:
    if not total:
        return f"Nessuna {one}."
    if total == 1:
        return f"1 {one}."
    if shown < total:
        return f"Le prime {shown} di {total} {many}."
    return f"{total} {many}."
