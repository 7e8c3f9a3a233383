"""Contact imports of every account, newest first; Enter opens one with its report.

While an import is waiting or running the list refreshes itself, so its progress can be watched.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Label
from textual.worker import Worker

from corriere.platform.contacts.importing.queries import ImportRow, imports_list
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.screens.import_detail import ImportDetailScreen
from corriere.tui.widgets.cells import import_file, import_status, local_time, number, text

LIMIT = 100
REFRESH_SECONDS = 2.0


class ImportsScreen(ConsoleScreen):
    TITLE = "Corriere · Importazioni"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r,f5", "reload", "Aggiorna", key_display="r/F5"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._imports: dict[str, ImportRow] = {}
        self._timer: Timer | None = None
        self._loading: Worker[None] | None = None
        self._unfinished = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Importazioni di contatti", classes="section")
        yield Label("", id="imports-count", classes="hint")
        yield DataTable(id="imports", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#imports", DataTable)
        for key, label in (
            ("id", "N."),
            ("account", "Cliente"),
            ("file", "File"),
            ("status", "Stato"),
            ("imported", "Importati"),
            ("updated", "Aggiornati"),
            ("rejected", "Scartati"),
            ("created", "Creata il"),
        ):
            table.add_column(label, key=key)
        table.focus()
        self._timer = self.set_interval(REFRESH_SECONDS, self._tick, pause=True)

    def on_screen_resume(self) -> None:
        # Opened, or back from an import: others may have started or finished meanwhile.
        self.action_reload()
        if self._timer is not None:
            self._timer.resume()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def _tick(self) -> None:
        if self._unfinished:
            self.action_reload()

    def action_reload(self) -> None:
        # A slow database must not pile up refreshes, nor cancel the one about to finish.
        if self._loading is not None and self._loading.is_running:
            return
        self._loading = self.load()

    @work(group="imports", exit_on_error=False)
    async def load(self) -> None:
        imports = await imports_list(None, limit=LIMIT)
        self._imports = {str(i.id): i for i in imports}
        self._unfinished = any(not i.finished for i in imports)
        table = self.query_one("#imports", DataTable)
        highlighted = self.highlighted_key()
        row = table.cursor_row
        table.clear()
        for i in imports:
            table.add_row(
                number(i.id),
                text(i.username),
                text(import_file(i.kind, i.filename)),
                import_status(i.status, i.percent),
                number(i.imported),
                number(i.updated),
                number(i.rejected, style="red" if i.rejected else ""),
                text(local_time(i.created_at)),
                key=str(i.id),
            )
        if imports:
            # The cursor stays on the import it was on, even when newer ones push it down.
            if highlighted in self._imports:
                row = table.get_row_index(highlighted)
            table.move_cursor(row=min(row, len(imports) - 1))
        if not imports:
            summary = "Nessuna importazione."
        elif len(imports) == 1:
            summary = "1 importazione. Invio apre il resoconto."
        elif len(imports) == LIMIT:
            summary = f"Ultime {LIMIT} importazioni, dalla più recente. Invio apre il resoconto."
        else:
            summary = f"{len(imports)} importazioni, dalla più recente. Invio apre il resoconto."
        self.query_one("#imports-count", Label).update(summary)

    def highlighted_key(self) -> str | None:
        table = self.query_one("#imports", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        found = self._imports.get(event.row_key.value or "")
        if found is not None:
            self.app.push_screen(
                ImportDetailScreen(account_id=found.account_id, import_id=found.id)
            )
