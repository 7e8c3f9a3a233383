"""One account: its card, credit ledger and latest messages; credits are adjusted from here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Label

from corriere.platform.accounts.queries import AccountRow, account_get, ledger_list
from corriere.platform.accounts.services import credits_adjust, operator_ensure
from corriere.platform.messaging.queries import account_messages
from corriere.platform.money import format_credits
from corriere.tui.dialogs.credits import CreditsDialog
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.account_header import AccountHeader
from corriere.tui.widgets.cells import credits_cell, ledger_kind, local_time, number, refill, text

LEDGER_LIMIT = 100
MESSAGES_LIMIT = 50


class AccountDetailScreen(ConsoleScreen):
    TITLE = "Corriere · Cliente"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "adjust('add')", "Aggiungi crediti"),
        Binding("r", "adjust('remove')", "Togli crediti"),
        Binding("f5", "reload", "Aggiorna"),
        Binding("escape", "back", "Indietro"),
    ]

    def __init__(self, *, account_id: int, operator: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.operator = operator
        self.account: AccountRow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield AccountHeader(id="account")
        yield Label("Movimenti di credito", classes="section")
        yield DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
        yield Label("Ultimi messaggi", classes="section")
        yield DataTable(id="messages", cursor_type="row", zebra_stripes=True)
        yield Label("", id="messages-empty", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        ledger = self.query_one("#ledger", DataTable)
        for key, label in (
            ("date", "Data"),
            ("kind", "Tipo"),
            ("amount", "Importo"),
            ("balance", "Saldo dopo"),
            ("operator", "Operatore"),
            ("reason", "Motivo"),
        ):
            ledger.add_column(label, key=key)
        messages = self.query_one("#messages", DataTable)
        for key, label in (
            ("date", "Data"),
            ("recipient", "Destinatario"),
            ("type", "Tipo"),
            ("state", "Stato"),
            ("parts", "Parti"),
            ("error", "Errore"),
        ):
            messages.add_column(label, key=key)
        self.query_one("#ledger", DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    @work(exclusive=True, group="account", exit_on_error=False)
    async def load(self) -> None:
        account = await account_get(self.account_id)
        if account is None:
            self.notify("Cliente inesistente", severity="error")
            self.dismiss()
            return
        entries = await ledger_list(self.account_id, limit=LEDGER_LIMIT)
        messages = await account_messages(self.account_id, limit=MESSAGES_LIMIT)
        self.account = account
        self.sub_title = account.username
        self.query_one(AccountHeader).show(account)
        ledger_rows: list[tuple[str, list[Any]]] = []
        for e in entries:
            reason = e.reason
            if e.counterparty:
                reason = f"{reason} ({e.counterparty})".strip()
            if e.campaign_id is not None:
                reason = f"{reason} · invio n. {e.campaign_id}".strip(" ·")
            ledger_rows.append(
                (
                    str(e.id),
                    [
                        text(local_time(e.created_at)),
                        text(ledger_kind(e.kind)),
                        credits_cell(e.amount_units, signed=True),
                        credits_cell(e.balance_after_units),
                        text(e.operator or "—"),
                        text(reason),
                    ],
                )
            )
        refill(self.query_one("#ledger", DataTable), ledger_rows)
        message_rows: list[tuple[str, list[Any]]] = [
            (
                str(m.id),
                [
                    text(local_time(m.created_at)),
                    text(m.recipient),
                    text(m.sms_type),
                    text(m.state_label, style="red" if m.error else ""),
                    number(m.parts),
                    text(m.error or ""),
                ],
            )
            for m in messages
        ]
        refill(self.query_one("#messages", DataTable), message_rows)
        self.query_one("#messages-empty", Label).update(
            "" if message_rows else "Nessun messaggio inviato."
        )

    def action_adjust(self, direction: str) -> None:
        if self.account is None:
            return  # still loading
        removing = direction == "remove"
        self.app.push_screen(
            CreditsDialog(
                removing=removing,
                username=self.account.username,
                balance_units=self.account.balance_units,
                submit=self._adjust,
            ),
            callback=self._adjusted,
        )

    async def _adjust(self, amount: Decimal, reason: str) -> int:
        # Runs inside the dialog's worker, so its refusals are shown in the dialog.
        operator_id = await operator_ensure(username=self.operator)
        return await credits_adjust(
            account_id=self.account_id, amount=amount, operator_id=operator_id, reason=reason
        )

    def _adjusted(self, balance: int | None) -> None:
        if balance is None:
            return
        self.notify(
            f"Nuovo saldo: {format_credits(balance)} crediti",
            title="Credito aggiornato",
            markup=False,
        )
        self.load()
