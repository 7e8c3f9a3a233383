"""The support console: a Textual app with one mode per area, so each keeps its own screen stack."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from corriere.tui.screens.accounts import AccountsScreen
from corriere.tui.screens.gateway import GatewayScreen, QueueDepths


class CorriereConsole(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Corriere"
    # Letters for speed; F2/F3 also work while the search box has the focus and takes letters.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,f2", "show_mode('accounts')", "Clienti", key_display="c/F2"),
        Binding("g,f3", "show_mode('gateway')", "Gateway", key_display="g/F3"),
        Binding("q,ctrl+q", "quit", "Esci", key_display="q/^q"),
    ]

    def __init__(self, *, operator: str, queue_depths: QueueDepths | None = None) -> None:
        super().__init__()
        self.operator = operator
        self.sub_title = f"operatore: {operator}"
        self.add_mode("accounts", lambda: AccountsScreen(operator=operator))
        self.add_mode("gateway", lambda: GatewayScreen(queue_depths=queue_depths))

    def on_mount(self) -> None:
        self.switch_mode("accounts")

    def action_show_mode(self, mode: str) -> None:
        self.switch_mode(mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # An open dialog keeps the operator on it until it is confirmed or cancelled.
        return not (action == "show_mode" and isinstance(self.screen, ModalScreen))


def create_app(*, operator: str, queue_depths: QueueDepths | None = None) -> CorriereConsole:
    return CorriereConsole(operator=operator, queue_depths=queue_depths)
