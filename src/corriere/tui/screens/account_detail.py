"""One account: its card and access state, credit ledger, latest messages and sign-ins.

Support acts on the account from here: credits, activation code, block/unblock, password recovery;
every action asks for a reason and is audit-logged by its service.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label

from corriere.platform.accounts.profile import account_set_status
from corriere.platform.accounts.queries import AccountRow, account_get, ledger_list
from corriere.platform.accounts.services import credits_adjust, operator_ensure
from corriere.platform.auth.login import login_events
from corriere.platform.auth.recovery import password_reset_request
from corriere.platform.auth.registration import registration_resend
from corriere.platform.errors import ConflictError, NotFoundError
from corriere.platform.messaging.queries import account_messages
from corriere.platform.money import format_credits
from corriere.platform.settings import Settings
from corriere.tui.dialogs.credits import CreditsDialog
from corriere.tui.dialogs.reason import ReasonDialog, Submit
from corriere.tui.screens.audit import AuditScreen
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.screens.mail import MailScreen
from corriere.tui.widgets.account_header import AccessState, AccountHeader
from corriere.tui.widgets.cells import (
    credits_cell,
    ledger_kind,
    local_time,
    login_outcome,
    number,
    refill,
    text,
)

LEDGER_LIMIT = 100
MESSAGES_LIMIT = 50
LOGINS_LIMIT = 20

_CREDITS = Binding.Group("Crediti +/−", compact=True)


class AccountDetailScreen(ConsoleScreen):
    TITLE = "Corriere · Cliente"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "adjust('add')", "Aggiungi crediti", group=_CREDITS),
        Binding("r", "adjust('remove')", "Togli crediti", group=_CREDITS),
        Binding("s", "resend_code", "Reinvia codice"),
        # Only the one that applies is shown (and works): see check_action.
        Binding("b", "set_status('blocked')", "Blocca"),
        Binding("u", "set_status('active')", "Sblocca"),
        Binding("p", "password_reset", "Recupero password"),
        Binding("m", "mail", "Posta"),
        Binding("l", "audit", "Registro"),
        Binding("f5", "reload", "Aggiorna"),
        Binding("escape", "back", "Indietro"),
    ]

    def __init__(self, *, account_id: int, operator: str, settings: Settings) -> None:
        super().__init__()
        self.account_id = account_id
        self.operator = operator
        self.settings = settings
        self.account: AccountRow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield AccountHeader(id="account")
        yield AccessState("…", id="access", markup=False)
        yield Label("Movimenti di credito", classes="section")
        yield DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="activity"):
            with Vertical(id="messages-box"):
                yield Label("Ultimi messaggi", classes="section")
                yield DataTable(id="messages", cursor_type="row", zebra_stripes=True)
                yield Label("", id="messages-empty", classes="hint")
            with Vertical(id="logins-box"):
                yield Label("Ultimi accessi", classes="section")
                yield DataTable(id="logins", cursor_type="row", zebra_stripes=True)
                yield Label("", id="logins-empty", classes="hint")
        yield Footer(compact=True)

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
        logins = self.query_one("#logins", DataTable)
        # The outcome before the address: a long IPv6 address must not push it out of sight.
        for key, label in (("date", "Data"), ("outcome", "Esito"), ("ip", "Indirizzo IP")):
            logins.add_column(label, key=key)
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
        logins = await login_events(self.account_id, limit=LOGINS_LIMIT)
        self.account = account
        self.sub_title = account.username
        self.query_one(AccountHeader).show(account)
        self.query_one(AccessState).show(account.status)
        self.refresh_bindings()  # block or unblock, whichever applies now
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
        login_rows: list[tuple[str, list[Any]]] = [
            (
                str(i),
                [
                    text(local_time(e.created_at, seconds=True)),
                    login_outcome(e.success),
                    text(e.ip),
                ],
            )
            for i, e in enumerate(logins)
        ]
        refill(self.query_one("#logins", DataTable), login_rows)
        self.query_one("#logins-empty", Label).update(
            "" if login_rows else "Nessun accesso registrato."
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "set_status" and self.account is not None:
            blocked = self.account.status == "blocked"
            return blocked if parameters == ("active",) else not blocked
        return True

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

    # Access: each action opens a dialog asking for a reason; the service's refusals show there.

    def action_resend_code(self) -> None:
        if self.account is None:
            return
        self._ask(
            title=f"Reinvia il codice di attivazione a {self.account.username}",
            explanation=(
                f"Un nuovo codice sarà inviato via SMS al {self.account.mobile}:"
                " quello precedente non sarà più valido."
            ),
            confirm="Reinvia",
            submit=self._resend_code,
        )

    async def _resend_code(self, reason: str) -> str:
        operator_id = await operator_ensure(username=self.operator)
        try:
            campaign_id = await registration_resend(
                settings=self.settings,
                account_id=self.account_id,
                operator_id=operator_id,
                reason=reason,
            )
        except ConflictError:
            account = await account_get(self.account_id)
            if account is not None and account.status == "blocked":
                # The service only knows "not pending"; a blocked account is not "already active".
                raise ConflictError(
                    "L'account è bloccato: il codice di attivazione non può essere usato"
                ) from None
            raise
        return f"Nuovo codice di attivazione inviato via SMS (invio n. {campaign_id})"

    def action_set_status(self, status: str) -> None:
        if self.account is None:
            return
        blocking = status == "blocked"
        self._ask(
            title=f"{'Blocca' if blocking else 'Sblocca'} {self.account.username}",
            explanation=(
                "Il cliente non potrà più accedere e le sue sessioni aperte saranno chiuse."
                if blocking
                else "Il cliente potrà di nuovo accedere con le sue credenziali."
            ),
            confirm="Blocca" if blocking else "Sblocca",
            danger=blocking,
            submit=lambda reason: self._set_status(status, reason),
        )

    async def _set_status(self, status: str, reason: str) -> str:
        operator_id = await operator_ensure(username=self.operator)
        await account_set_status(
            account_id=self.account_id, status=status, operator_id=operator_id, reason=reason
        )
        return "Account bloccato" if status == "blocked" else "Account sbloccato"

    def action_password_reset(self) -> None:
        if self.account is None:
            return
        self._ask(
            title=f"Invia a {self.account.username} l'e-mail di recupero password",
            explanation=(
                f"Un link per scegliere una nuova password sarà inviato a {self.account.email};"
                " la password attuale resta valida finché il cliente non la cambia."
            ),
            confirm="Invia",
            submit=self._password_reset,
        )

    async def _password_reset(self, reason: str) -> str:
        account = await account_get(self.account_id)
        if account is None:
            raise NotFoundError("Cliente inesistente")
        if account.status == "blocked":
            # The service would say nothing and send nothing (it never tells who exists).
            raise ConflictError(
                "L'account è bloccato: sbloccarlo prima di inviare il recupero password"
            )
        operator_id = await operator_ensure(username=self.operator)
        await password_reset_request(
            settings=self.settings,
            identifier=account.username,
            operator_id=operator_id,
            reason=reason,
        )
        return f"E-mail di recupero password in coda per {account.email}"

    def _ask(
        self,
        *,
        title: str,
        explanation: str,
        confirm: str,
        submit: Submit,
        danger: bool = False,
    ) -> None:
        self.app.push_screen(
            ReasonDialog(
                title=title,
                explanation=explanation,
                confirm=confirm,
                submit=submit,
                danger=danger,
            ),
            callback=self._done,
        )

    def _done(self, outcome: str | None) -> None:
        if outcome is None:
            return
        self.notify(outcome, title="Operazione eseguita", markup=False)
        self.load()

    # The account's mail and audit entries, on top of this screen (Escape comes back here).

    def action_mail(self) -> None:
        if self.account is not None:
            self.app.push_screen(
                MailScreen(account_id=self.account_id, username=self.account.username)
            )

    def action_audit(self) -> None:
        if self.account is not None:
            self.app.push_screen(
                AuditScreen(account_id=self.account_id, username=self.account.username)
            )
