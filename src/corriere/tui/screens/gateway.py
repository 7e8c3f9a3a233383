"""Gateway: SMPP binds as the gateways last reported them and the queues, refreshed every 2 s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Label
from textual.worker import Worker

from corriere.platform.clock import utcnow
from corriere.platform.messaging.binds import binds_list
from corriere.platform.messaging.queries import state_counts_by_route
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.cells import bind_state, local_time, number, refill, text
from corriere.tui.widgets.queue_view import QueueView

QueueDepths = Callable[[], Awaitable[dict[str, int]]]
REFRESH_SECONDS = 2.0


class GatewayScreen(ConsoleScreen):
    TITLE = "Corriere · Gateway"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "reload", "Aggiorna")]

    def __init__(self, *, queue_depths: QueueDepths | None = None) -> None:
        super().__init__()
        self.queue_depths = queue_depths
        self._timer: Timer | None = None
        self._loading: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Collegamenti SMPP", classes="section")
        yield DataTable(id="binds", cursor_type="row", zebra_stripes=True)
        yield Label("", id="binds-empty", classes="hint")
        yield QueueView(with_jobs=self.queue_depths is not None)
        yield Label("", id="updated", classes="hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        binds = self.query_one("#binds", DataTable)
        for key, label in (
            ("route", "Linea"),
            ("state", "Stato"),
            ("owner", "Gateway"),
            ("submitted", "Inviati"),
            ("receipts", "Ricevute"),
            ("errors", "Errori"),
            ("last_error", "Ultimo errore"),
            ("updated", "Aggiornato"),
        ):
            binds.add_column(label, key=key)
        self._timer = self.set_interval(REFRESH_SECONDS, self.action_reload, pause=True)

    # Refresh only while visible: a hidden screen has no reader.
    def on_screen_resume(self) -> None:
        self.action_reload()
        if self._timer is not None:
            self._timer.resume()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def action_reload(self) -> None:
        # A slow database must not pile up refreshes, nor cancel the one about to finish.
        if self._loading is not None and self._loading.is_running:
            return
        self._loading = self.load()

    @work(group="gateway", exit_on_error=False)
    async def load(self) -> None:
        binds = await binds_list()
        counts = await state_counts_by_route()
        depths: dict[str, int] | None = None
        depths_error = ""
        if self.queue_depths is not None:
            try:
                depths = await self.queue_depths()
            except Exception as exc:  # Redis down is news for the operator, not a crash
                depths_error = str(exc) or type(exc).__name__
        rows: list[tuple[str, list[Any]]] = [
            (
                b.route,
                [
                    text(b.route),
                    bind_state(b.state, stale=b.stale),
                    text(b.owner),
                    number(b.submitted),
                    number(b.receipts),
                    number(b.errors, style="red" if b.errors else ""),
                    text(b.last_error, style="red"),
                    text(local_time(b.updated_at, seconds=True), style="red" if b.stale else ""),
                ],
            )
            for b in binds
        ]
        refill(self.query_one("#binds", DataTable), rows)
        self.query_one("#binds-empty", Label).update(
            "" if rows else "Nessun gateway ha ancora riportato i suoi collegamenti."
        )
        queues = self.query_one(QueueView)
        queues.show_routes(counts)
        queues.show_jobs(depths, depths_error)
        self.query_one("#updated", Label).update(
            f"Aggiornato alle {local_time(utcnow(), seconds=True)[-8:]}"
            f" · ogni {REFRESH_SECONDS:g} s"
        )
