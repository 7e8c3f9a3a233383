"""The mail outbox, newest first, with the text of the highlighted mail; all of it or one account's.

In embedded mode mail never leaves the outbox (status "kept"): this is where support reads what a
customer would have received, a password-reset link included.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, Static

from corriere.platform.mail.services import OutboxRow, mail_outbox_list
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.cells import local_time, mail_kind, mail_status, refill, text

LIMIT = 100


class MailScreen(ConsoleScreen):
    TITLE = "Corriere · Posta"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "reload", "Aggiorna"),
        Binding("escape", "back", "Indietro"),
    ]

    def __init__(self, *, account_id: int | None = None, username: str = "") -> None:
        """Without an account: the whole outbox (a mode of its own, nothing to go back to)."""
        super().__init__()
        self.account_id = account_id
        self.username = username
        self._mails: dict[str, OutboxRow] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        section = f"Posta di {self.username}" if self.account_id is not None else "Posta in uscita"
        yield Label(section, classes="section", markup=False)
        yield Label("", id="mail-count", classes="hint")
        yield DataTable(id="mails", cursor_type="row", zebra_stripes=True)
        yield Label("Testo dell'e-mail", classes="section")
        with VerticalScroll(id="mail-view"):
            yield Static("", id="mail-body", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.account_id is not None:
            self.sub_title = self.username
        table = self.query_one("#mails", DataTable)
        for key, label in (
            ("date", "Data"),
            ("recipient", "Destinatario"),
            ("subject", "Oggetto"),
            ("kind", "Tipo"),
            ("status", "Stato"),
            ("error", "Errore"),
        ):
            table.add_column(label, key=key)
        table.focus()

    def on_screen_resume(self) -> None:
        # Opened, or back from another area: mail may have been queued or sent meanwhile.
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back" or self.account_id is not None

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    @work(exclusive=True, group="mail", exit_on_error=False)
    async def load(self) -> None:
        mails = await mail_outbox_list(account_id=self.account_id, limit=LIMIT)
        self._mails = {str(m.id): m for m in mails}
        rows: list[tuple[str, list[Any]]] = [
            (
                str(m.id),
                [
                    text(local_time(m.created_at, seconds=True)),
                    text(m.recipient),
                    text(m.subject),
                    text(mail_kind(m.kind)),
                    mail_status(m.status),
                    text(m.error, style="red"),
                ],
            )
            for m in mails
        ]
        table = self.query_one("#mails", DataTable)
        refill(table, rows)
        if not mails:
            summary = "Nessuna e-mail."
        elif len(mails) == LIMIT:
            summary = f"Ultime {LIMIT} e-mail, dalla più recente."
        else:
            summary = f"{len(mails)} e-mail, dalla più recente."
        self.query_one("#mail-count", Label).update(summary)
        self.show_mail(self.highlighted_key())

    def highlighted_key(self) -> str | None:
        table = self.query_one("#mails", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_mail(event.row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter moves to the text, to scroll a long mail; Tab or a click come back.
        self.query_one("#mail-view", VerticalScroll).focus()

    def show_mail(self, key: str | None) -> None:
        mail = self._mails.get(key) if key is not None else None
        body = ""
        if mail is not None:
            body = f"A: {mail.recipient}\nOggetto: {mail.subject}\n\n{mail.text_body}"
            if mail.error:
                body += f"\n\nErrore di consegna: {mail.error}"
        self.query_one("#mail-body", Static).update(body)
