"""The queue view: messages in flight per route and, when available, the job queues' depths."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from corriere.tui.widgets.cells import number, refill, text

# The pipeline's non-final states, in the order a message goes through them.
_STATES = (("scheduled", "Programmati"), ("queued", "In coda"), ("submitted", "Spediti"))


class QueueView(Vertical):
    def __init__(self, *, with_jobs: bool) -> None:
        super().__init__(id="queues")
        self.with_jobs = with_jobs

    def compose(self) -> ComposeResult:
        with Vertical(id="routes-box"):
            yield Label("Messaggi per linea", classes="section")
            yield DataTable(id="routes", cursor_type="row", zebra_stripes=True)
            yield Label("", id="routes-empty", classes="hint")
        if self.with_jobs:
            with Vertical(id="jobs-box"):
                yield Label("Code di lavoro", classes="section")
                yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
                yield Label("", id="jobs-error", classes="error")

    def on_mount(self) -> None:
        routes = self.query_one("#routes", DataTable)
        routes.add_column("Linea", key="route")
        for state, label in _STATES:
            routes.add_column(label, key=state)
        routes.add_column("Totale", key="total")
        if self.with_jobs:
            jobs = self.query_one("#jobs", DataTable)
            jobs.add_column("Coda", key="queue")
            jobs.add_column("Lavori in attesa", key="depth")

    def show_routes(self, counts: dict[str, dict[str, int]]) -> None:
        rows: list[tuple[str, list[Any]]] = []
        for route in sorted(counts):
            by_state = counts[route]
            cells: list[Any] = [text(route)]
            cells += [number(by_state.get(state, 0)) for state, _ in _STATES]
            cells.append(number(sum(by_state.values())))
            rows.append((route, cells))
        refill(self.query_one("#routes", DataTable), rows)
        empty = "" if rows else "Nessun messaggio in attesa o in viaggio."
        self.query_one("#routes-empty", Label).update(empty)

    def show_jobs(self, depths: dict[str, int] | None, error: str = "") -> None:
        if not self.with_jobs:
            return
        if depths is not None:
            rows = [(name, [text(name), number(depths[name])]) for name in sorted(depths)]
            refill(self.query_one("#jobs", DataTable), rows)
        # On error the last known depths stay visible under the warning.
        self.query_one("#jobs-error", Label).update(
            f"Code non raggiungibili: {error}" if error else ""
        )
