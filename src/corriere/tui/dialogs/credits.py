"""Add or remove credits: amount and a mandatory reason, checked here before the service sees them.

The dialog stays open until the service accepts the change, so a refusal (not enough credit, a
reason too short) is shown next to the fields the operator has to correct.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from corriere.platform.errors import CorriereError, InsufficientCreditError
from corriere.platform.money import format_credits

# Receives the signed amount and the reason; returns the new balance in units.
Submit = Callable[[Decimal, str], Awaitable[int]]

MIN_REASON = 3


def parse_amount(raw: str) -> Decimal:
    """A positive amount of credits as Italians type it ("12,5", "1.000,50" or "12.5")."""
    value = raw.strip().replace(" ", "")
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError("Importo non valido: inserire un numero maggiore di zero") from exc
    if not amount.is_finite() or amount <= 0:
        raise ValueError("Importo non valido: inserire un numero maggiore di zero")
    if amount != amount.quantize(Decimal("0.0001")):
        raise ValueError("Importo non valido: al massimo 4 decimali")
    return amount


class CreditsDialog(ModalScreen[int | None]):
    """Dismissed with the new balance in units, or None when the operator gives up."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Annulla")]

    def __init__(
        self, *, removing: bool, username: str, balance_units: int, submit: Submit
    ) -> None:
        super().__init__(classes="removing" if removing else "adding")
        self.removing = removing
        self.username = username
        self.balance_units = balance_units
        self._submit = submit
        self._busy = False  # a second Enter must not start a second change

    def compose(self) -> ComposeResult:
        verb = "Togli crediti a" if self.removing else "Aggiungi crediti a"
        with Vertical(id="dialog"):
            yield Static(f"{verb} {self.username}", id="dialog-title", markup=False)
            yield Label(f"Saldo attuale: {format_credits(self.balance_units)} crediti")
            yield Label("Crediti", classes="field-label")
            yield Input(placeholder="es. 100 oppure 12,5", id="amount")
            yield Label("Motivo (obbligatorio)", classes="field-label")
            yield Input(placeholder="es. bonifico del 12/03, rimborso invio fallito", id="reason")
            yield Static("", id="dialog-error", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(
                    "Togli" if self.removing else "Aggiungi",
                    id="confirm",
                    variant="error" if self.removing else "success",
                )
                yield Button("Annulla", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "amount":
            self.query_one("#reason", Input).focus()
        else:
            self.action_confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if self._busy:
            return  # leaving now would cancel the change halfway: wait for its outcome
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self._busy:
            return
        try:
            amount = parse_amount(self.query_one("#amount", Input).value)
        except ValueError as exc:
            self.show_error(str(exc), focus="#amount")
            return
        reason = self.query_one("#reason", Input).value.strip()
        if len(reason) < MIN_REASON:
            self.show_error(
                f"Indicare il motivo della variazione (almeno {MIN_REASON} caratteri)",
                focus="#reason",
            )
            return
        self.show_error("")
        self._busy = True
        self.query_one("#confirm", Button).disabled = True
        self.apply(-amount if self.removing else amount, reason)

    def show_error(self, message: str, *, focus: str | None = None) -> None:
        self.query_one("#dialog-error", Static).update(message)
        if focus is not None:
            self.query_one(focus, Input).focus()

    @work(group="credits")
    async def apply(self, amount: Decimal, reason: str) -> None:
        try:
            balance = await self._submit(amount, reason)
        except InsufficientCreditError as exc:
            available = exc.details.get("balance")
            message = exc.message
            if isinstance(available, int):
                message += f" (disponibili: {format_credits(available)} crediti)"
        except CorriereError as exc:
            message = exc.message
        except Exception as exc:  # the console must survive a lost database connection
            message = f"Operazione non riuscita: {exc}"
        else:
            self.dismiss(balance)
            return
        self._busy = False
        self.query_one("#confirm", Button).disabled = False
        self.show_error(message)
