"""What every console screen shares: a failed worker becomes a notification, never a crash."""

from __future__ import annotations

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from corriere.platform.errors import CorriereError


class ConsoleScreen(Screen[None]):
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        if isinstance(error, CorriereError):
            message = error.message
        else:
            message = f"{type(error).__name__}: {error}"
        self.notify(message, title="Operazione non riuscita", severity="error", markup=False)
