"""The support console: a Textual app with one mode per area, so each keeps its own screen stack."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from corriere.platform.settings import Settings
from corriere.tui.screens.accounts import AccountsScreen
from corriere.tui.screens.audit import AuditScreen
from corriere.tui.screens.gateway import GatewayScreen, QueueDepths
from corriere.tui.screens.imports import ImportsScreen
from corriere.tui.screens.mail import MailScreen
from corriere.tui.screens.numbers import NumbersScreen


class CorriereConsole(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Corriere"
    # Letters for speed; F-keys also work while the search box has the focus and takes letters.
    # The account screen binds m and l to that account's mail and log: the letters of Posta and
    # Registro are separate bindings so that, there, the footer shows only the account's ones.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,f2", "show_mode('accounts')", "Clienti", key_display="c/F2"),
        Binding("g,f3", "show_mode('gateway')", "Gateway", key_display="g/F3"),
        Binding("m", "show_mode('mail')", "Posta", key_display="m/F4"),
        Binding("f4", "show_mode('mail')", "Posta", show=False),
        Binding("l", "show_mode('audit')", "Registro", key_display="l/F6"),
        Binding("f6", "show_mode('audit')", "Registro", show=False),
        Binding("n,f7", "show_mode('numbers')", "Numeri", key_display="n/F7"),
        Binding("i,f8", "show_mode('imports')", "Importazioni", key_display="i/F8"),
        Binding("q,ctrl+q", "quit", "Esci", key_display="q/^q"),
    ]

    def __init__(
        self, *, operator: str, settings: Settings, queue_depths: QueueDepths | None = None
    ) -> None:
        super().__init__()
        self.operator = operator
        self.settings = settings
        self.sub_title = f"operatore: {operator}"
        self.add_mode("accounts", lambda: AccountsScreen(operator=operator, settings=settings))
        self.add_mode("gateway", lambda: GatewayScreen(queue_depths=queue_depths))
        self.add_mode("mail", lambda: MailScreen())
        self.add_mode("audit", lambda: AuditScreen())
        self.add_mode("numbers", lambda: NumbersScreen())
        self.add_mode("imports", lambda: ImportsScreen())

    def on_mount(self) -> None:
        self.switch_mode("accounts")

    def action_show_mode(self, mode: str) -> None:
        self.switch_mode(mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "show_mode":
            return True
        # An open dialog keeps the operator on it until it is confirmed or cancelled; the key of
        # the area already shown would do nothing, so it leaves the footer to the others.
        return not isinstance(self.screen, ModalScreen) and parameters != (self.current_mode,)


def create_app(
    *,
    operator: str,
    queue_depths: QueueDepths | None = None,
    settings: Settings | None = None,
) -> CorriereConsole:
    """`settings` come from `run_tui`; the fallback reads the environment, as the CLI would."""
    return CorriereConsole(
        operator=operator,
        settings=settings if settings is not None else Settings(),
        queue_depths=queue_depths,
    )
