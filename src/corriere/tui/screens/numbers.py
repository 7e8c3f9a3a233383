"""Numbers: which accounts hold a mobile number in their address book, in which groups, and,
for a number that subscribed through an account's web sign-up page, the evidence recorded then
(when, from which address, how the form was shown, the consent text shown).

Read-only: support answers "who has my number?" (a complaint, an opt-out request) without
opening every account. The number is typed as a person would; it is normalised before the lookup.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Input, Label

from corriere.platform.contacts.queries import NumberOwner, number_lookup
from corriere.platform.contacts.signup_records import SignupRecord
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.tui.screens.base import ConsoleScreen
from corriere.tui.widgets.cells import contact_source, local_time, refill, text

PROMPT = "Scrivi un numero di cellulare e premi Invio."
NOBODY = "Nessun cliente ha questo numero in rubrica."
NO_SIGNUP = "Non si è iscritto dalla pagina di iscrizione via web."
# How the sign-up form was shown (older records: "direct", or the embedding page's address).
SIGNUP_SOURCES = {
    "page": "pagina",
    "direct": "pagina",
    "iframe": "iframe nel sito",
    "script": "script nel sito",
}


def signup_cell(signup: SignupRecord | None) -> str:
    if signup is None:
        return "—"
    source = SIGNUP_SOURCES.get(signup.source, signup.source)
    return f"{local_time(signup.created_at)} · {signup.ip} · {source}"


def signup_detail(owner: NumberOwner) -> str:
    """The highlighted owner's consent evidence, under the table."""
    if owner.signup is None:
        return f"{owner.username}: {NO_SIGNUP}"
    return (
        f"{owner.username}, iscrizione via web del {signup_cell(owner.signup)}"
        f" · consenso mostrato: «{owner.signup.consent_text}»"
    )


class NumbersScreen(ConsoleScreen):
    TITLE = "Corriere · Numeri"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "focus_results", "Risultati", show=False),
        Binding("escape", "focus_number", "Numero", show=False),
        Binding("f5", "lookup_now", "Aggiorna"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.owners: dict[str, NumberOwner] = {}  # by row key: the highlighted row's detail

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Cellulare da cercare in tutte le rubriche…", id="number")
        yield Label(PROMPT, id="number-result", classes="hint", markup=False)
        yield DataTable(id="owners", cursor_type="row", zebra_stripes=True)
        yield Label("", id="signup-detail", classes="hint", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#owners", DataTable)
        for key, label in (
            ("account", "Cliente"),
            ("name", "Nome"),
            ("groups", "Gruppi"),
            ("source", "Origine"),
            ("created", "Aggiunto il"),
            ("signup", "Iscrizione web (data · IP · modulo)"),
        ):
            table.add_column(label, key=key)
        self.query_one("#number", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_lookup_now()

    def action_lookup_now(self) -> None:
        raw = self.query_one("#number", Input).value
        if not raw.strip():
            self._stop(PROMPT)
            return
        try:
            e164 = normalise_mobile(raw).e164
        except InvalidNumber as exc:
            self._stop(f"Numero di cellulare non valido: {exc}", error=True)
            return
        self.lookup(e164)

    def _stop(self, summary: str, *, error: bool = False) -> None:
        # A lookup still running for the previous number must not overwrite this.
        self.workers.cancel_group(self, "numbers")
        self.owners = {}
        self._show([], summary, error=error)

    def action_focus_results(self) -> None:
        self.query_one("#owners", DataTable).focus()

    def action_focus_number(self) -> None:
        self.query_one("#number", Input).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        owner = self.owners.get(str(event.row_key.value))
        if owner is not None:
            self.query_one("#signup-detail", Label).update(signup_detail(owner))

    @work(exclusive=True, group="numbers", exit_on_error=False)
    async def lookup(self, e164: str) -> None:
        owners = await number_lookup(e164)
        rows: list[tuple[str, list[Any]]] = [
            (
                str(o.contact_id),
                [
                    text(o.username),
                    text(o.name or "—"),
                    text(", ".join(g.name for g in o.groups) or "—"),
                    text(contact_source(o.source)),
                    text(local_time(o.created_at)),
                    text(signup_cell(o.signup)),
                ],
            )
            for o in owners
        ]
        self.owners = {str(o.contact_id): o for o in owners}
        if not owners:
            summary = f"{e164}: {NOBODY}"
        elif len(owners) == 1:
            summary = f"{e164}: 1 cliente lo ha in rubrica."
        else:
            summary = f"{e164}: {len(owners)} clienti lo hanno in rubrica."
        self._show(rows, summary)
        if owners:  # the cursor is on the first row
            self.query_one("#signup-detail", Label).update(signup_detail(owners[0]))

    def _show(
        self, rows: list[tuple[str, list[Any]]], summary: str, *, error: bool = False
    ) -> None:
        refill(self.query_one("#owners", DataTable), rows, keep_cursor=False)
        if not rows:
            self.query_one("#signup-detail", Label).update("")
        result = self.query_one("#number-result", Label)
        result.update(summary)
        result.set_class(error, "error")
        result.set_class(not error, "hint")
