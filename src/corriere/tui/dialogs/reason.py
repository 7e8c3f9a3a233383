"""A support action on an account that needs only a reason: checked here, then sent to the service.

Like the credits dialog it stays open until the service accepts, so a refusal (an account already
active, a reason the service finds too short) is shown where the operator can read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from corriere.platform.errors import CorriereError
from corriere.tui.dialogs.credits import MIN_REASON

# Receives the reason; returns what the operator is told once the action is done.
Submit = Callable[[str], Awaitable[str]]


class ReasonDialog(ModalScreen[str | None]):
    """Dismissed with the outcome to notify, or None when the operator gives up."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Annulla")]

    def __init__(
        self,
        *,
        title: str,
        explanation: str,
        confirm: str,
        submit: Submit,
        danger: bool = False,
        placeholder: str = "es. richiesta telefonica del cliente",
    ) -> None:
        super().__init__(classes="danger" if danger else "")
        self.dialog_title = title
        self.explanation = explanation
        self.confirm_label = confirm
        self.danger = danger
        self.placeholder = placeholder
        self._submit = submit
        self._busy = False  # a second Enter must not run the action twice

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.dialog_title, id="dialog-title", markup=False)
            yield Static(self.explanation, id="dialog-explanation", markup=False)
            yield Label("Motivo (obbligatorio)", classes="field-label")
            yield Input(placeholder=self.placeholder, id="reason")
            yield Static("", id="dialog-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    self.confirm_label,
                    id="confirm",
                    variant="error" if self.danger else "primary",
                )
                yield Button("Annulla", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if self._busy:
            return  # leaving now would abandon the action halfway: wait for its outcome
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self._busy:
            return
        reason = self.query_one("#reason", Input).value.strip()
        if len(reason) < MIN_REASON:
            self.show_error(f"Indicare il motivo (almeno {MIN_REASON} caratteri)")
            self.query_one("#reason", Input).focus()
            return
        self.show_error("")
        self._busy = True
        self.query_one("#confirm", Button).disabled = True
        self.apply(reason)

    def show_error(self, message: str) -> None:
        self.query_one("#dialog-error", Static).update(message)

    @work(group="reason")
    async def apply(self, reason: str) -> None:
        try:
            outcome = await self._submit(reason)
        except CorriereError as exc:
            message = exc.message
        except Exception as exc:  # the console must survive a lost database connection
            message = f"Operazione non riuscita: {exc}"
        else:
            self.dismiss(outcome)
            return
        self._busy = False
        self.query_one("#confirm", Button).disabled = False
        self.show_error(message)
