"""Support's read-only views of the address books, through the console: who holds a number, and
every account's contact imports with their reports. Data is made with the platform's services."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.importing.queries import ImportRow, import_get
from corriere.platform.contacts.importing.services import (
    ImportTarget,
    contact_import_run,
    contact_import_start,
)
from corriere.platform.contacts.queries import number_lookup
from corriere.platform.contacts.services import contact_create, contact_values
from corriere.platform.db import Database
from corriere.platform.settings import Settings
from corriere.tui.app import CorriereConsole, create_app
from corriere.tui.screens.accounts import AccountsScreen
from corriere.tui.screens.import_detail import ImportDetailScreen
from corriere.tui.screens.imports import ImportsScreen
from corriere.tui.screens.numbers import NumbersScreen
from corriere.tui.widgets.cells import import_status, local_time

MakeAccount = Callable[..., Awaitable[AccountCreated]]
SIZE = (150, 50)
DATE = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")


def _tag() -> str:
    return secrets.token_hex(4)


def _national() -> str:
    """A mobile number no other test uses, as an Italian writes it: 347 and seven digits."""
    return f"347{secrets.randbelow(10**7):07d}"


def _console(settings: Settings) -> CorriereConsole:
    return create_app(operator=f"op{_tag()}", settings=settings)


async def _settle(pilot: Pilot[Any]) -> None:
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _top(pilot: Pilot[Any]) -> Screen[Any]:
    return pilot.app.screen


def _label(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Label).content)


def _footer_labels(screen: Screen[Any]) -> set[str]:
    return {b.description for _, b, on, _ in screen.active_bindings.values() if b.show and on}


async def _account(make_account: MakeAccount, prefix: str) -> AccountCreated:
    return await make_account(
        username=f"{prefix}{_tag()}",
        email=f"{prefix}{_tag()}@tui-test.it",
        mobile=f"+39347{secrets.randbelow(10**7):07d}",
    )


async def _contact(
    account_id: int, mobile: str, *, first_name: str, groups: tuple[int, ...] = (), **kw: Any
) -> int:
    values = contact_values({"mobile": mobile, "first_name": first_name}, prefix="39")
    return await contact_create(account_id=account_id, values=values, group_ids=groups, **kw)


async def _imported(settings: Settings, account_id: int, **start: Any) -> ImportRow:
    import_id = await contact_import_start(account_id=account_id, settings=settings, **start)
    await contact_import_run(import_id=import_id, settings=settings)
    row = await import_get(account_id, import_id)
    assert row is not None
    return row


async def _numbers(pilot: Pilot[Any]) -> NumbersScreen:
    await _settle(pilot)
    await pilot.press("f7")  # the accounts' search box has the focus: letters would go there
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, NumbersScreen)
    assert screen.query_one("#number", Input).has_focus
    return screen


async def _look_up(pilot: Pilot[Any], typed: str) -> list[list[str]]:
    screen = pilot.app.screen
    assert isinstance(screen, NumbersScreen)
    box = screen.query_one("#number", Input)
    box.focus()
    box.value = ""
    await pilot.press(*typed, "enter")
    await _settle(pilot)
    return _rows(screen.query_one("#owners", DataTable))


async def _imports(pilot: Pilot[Any]) -> ImportsScreen:
    await _settle(pilot)
    await pilot.press("f8")
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportsScreen)
    return screen


async def _open_import(pilot: Pilot[Any], import_id: int) -> ImportDetailScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ImportsScreen)
    table = screen.query_one("#imports", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(str(import_id)))
    await pilot.press("enter")
    await _settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, ImportDetailScreen) and detail.import_id == import_id
    return detail


# Numbers


async def test_number_lookup_finds_every_account_holding_it(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    national = _national()
    first = await _account(make_account, "numa")
    second = await _account(make_account, "numb")
    stranger = await _account(make_account, "numc")
    tag = _tag()
    clienti = await group_create(account_id=first.id, name=f"Clienti {tag}")
    amici = await group_create(account_id=first.id, name=f"Amici {tag}")
    await _contact(first.id, national, first_name="Mario", groups=(clienti, amici))
    await _contact(second.id, f"+39{national}", first_name="Giulia", source="api")
    await _contact(stranger.id, _national(), first_name="Altro")
    owners = await number_lookup(f"+39{national}")
    assert [o.username for o in owners] == [first.username, second.username]

    async with _console(settings).run_test(size=SIZE) as pilot:
        screen = await _numbers(pilot)
        assert _label(pilot, "#number-result") == "Scrivi un numero di cellulare e premi Invio."
        spaced = f"{national[:3]} {national[3:6]} {national[6:]}"
        for typed in (spaced, f"+39 {national}", f"0039{national}", f"39{national}"):
            rows = await _look_up(pilot, typed)
            assert [r[:4] for r in rows] == [
                [first.username, "Mario", f"Amici {tag}, Clienti {tag}", "pannello"],
                [second.username, "Giulia", "—", "API"],
            ], typed
            assert [r[4] for r in rows] == [local_time(o.created_at) for o in owners]
            assert all(DATE.fullmatch(r[4]) for r in rows)
            assert _label(pilot, "#number-result") == (
                f"+39{national}: 2 clienti lo hanno in rubrica."
            )
            assert screen.query_one("#number-result").has_class("hint")

        # Read-only: Enter on a result opens nothing; Escape goes back to the number.
        await pilot.press("down")
        assert screen.query_one("#owners", DataTable).has_focus
        await pilot.press("enter")
        await _settle(pilot)
        assert _top(pilot) is screen
        await pilot.press("escape")
        assert screen.query_one("#number", Input).has_focus


async def test_number_lookup_explains_bad_numbers_and_unknown_ones(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    national = _national()
    account = await _account(make_account, "numd")
    await _contact(account.id, national, first_name="Anna")
    async with _console(settings).run_test(size=SIZE) as pilot:
        screen = await _numbers(pilot)
        assert len(await _look_up(pilot, national)) == 1

        # An invalid number: the reason in Italian, the previous results gone, no crash.
        for typed, reason in (
            ("347-abc-12", "contiene caratteri non numerici"),
            ("06 1234 5678", "non è un numero di cellulare"),
            ("12", "numero non valido"),
        ):
            assert await _look_up(pilot, typed) == [], typed
            assert _label(pilot, "#number-result") == f"Numero di cellulare non valido: {reason}"
            assert screen.query_one("#number-result").has_class("error")
            assert _top(pilot) is screen

        # A valid number nobody holds.
        nobody = _national()
        assert await _look_up(pilot, nobody) == []
        assert _label(pilot, "#number-result") == (
            f"+39{nobody}: Nessun cliente ha questo numero in rubrica."
        )
        assert screen.query_one("#number-result").has_class("hint")

        # Enter on an empty box: the prompt again.
        assert await _look_up(pilot, "") == []
        assert _label(pilot, "#number-result") == "Scrivi un numero di cellulare e premi Invio."


# Imports


async def test_import_list_and_report_of_a_done_import(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _account(make_account, "impa")
    national, other = _national(), _national()
    pasted = f"{national}, Mario\nnot-a-number\n{other}, Anna\n{national}, Mario Rossi\n"
    done = await _imported(
        settings,
        account.id,
        pasted=pasted,
        prefix="39",
        target=ImportTarget(new_group=f"Fiera {_tag()}"),
    )
    assert (done.status, done.imported, done.rejected) == ("done", 2, 2)

    async with _console(settings).run_test(size=SIZE) as pilot:
        screen = await _imports(pilot)
        table = screen.query_one("#imports", DataTable)
        row = _rows(table)[table.get_row_index(str(done.id))]
        assert row[:7] == [
            str(done.id),
            account.username,
            "testo incollato",
            "Completata",
            "2",
            "0",
            "2",
        ]
        assert row[7] == local_time(done.created_at)
        ids = [int(str(k.value)) for k in table.rows]
        assert ids == sorted(ids, reverse=True)  # newest first
        assert "Invio apre il resoconto" in _label(pilot, "#imports-count")

        detail = await _open_import(pilot, done.id)
        assert _label(pilot, "#import-title") == f"Importazione n. {done.id} di {account.username}"
        summary = str(detail.query_one("#import-summary", Static).content)
        assert "Stato: Completata" in summary
        assert f"Gruppo: {done.group_name}" in summary
        assert "Importati: 2 · Aggiornati: 0 · Scartati: 2" in summary
        assert "Colonne ignorate: nessuna" in summary
        assert not detail.query_one("#import-error").display
        assert _rows(detail.query_one("#rejected", DataTable)) == [
            ["1", f"+39{national}", "Doppione", "Numero ripetuto nel file: vale la riga 4"],
            ["2", "not-a-number", "Scartata", (
                "Numero di cellulare non valido: contiene caratteri non numerici"
            )],
        ]  # fmt: skip
        assert _label(pilot, "#rejected-count") == "2 righe scartate."
        assert _rows(detail.query_one("#issues", DataTable)) == []
        assert _label(pilot, "#issues-count") == (
            "Nessuna riga importata con celle lasciate fuori."
        )

        await pilot.press("escape")
        await _settle(pilot)
        assert _top(pilot) is screen


async def test_import_report_lists_ignored_columns_and_cells(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _account(make_account, "impb")
    national = _national()
    csv = f"Cellulare;Nome;Data di nascita;Colore\n{national};Mario;31/13/1980;blu\n"
    done = await _imported(
        settings, account.id, data=csv.encode(), filename="fiera.csv", prefix="39"
    )
    assert (done.status, done.imported, done.warnings) == ("done", 1, 1)

    async with _console(settings).run_test(size=SIZE) as pilot:
        screen = await _imports(pilot)
        table = screen.query_one("#imports", DataTable)
        row = _rows(table)[table.get_row_index(str(done.id))]
        assert row[2:7] == ["fiera.csv", "Completata", "1", "0", "0"]

        detail = await _open_import(pilot, done.id)
        summary = str(detail.query_one("#import-summary", Static).content)
        assert "File: fiera.csv" in summary
        assert "Gruppo: nessuno (solo rubrica)" in summary
        assert "Con celle ignorate: 1" in summary
        assert "Colonne ignorate: Colore" in summary
        assert _rows(detail.query_one("#rejected", DataTable)) == []
        assert _label(pilot, "#rejected-count") == "Nessuna riga scartata."
        issues = _rows(detail.query_one("#issues", DataTable))
        assert len(issues) == 1
        assert issues[0][:4] == ["2", f"+39{national}", "Data di nascita", "31/13/1980"]
        assert issues[0][4]  # the reason, in Italian
        assert _label(pilot, "#issues-count") == "1 riga importata con celle lasciate fuori."


async def test_failed_and_waiting_imports_show_their_state(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _account(make_account, "impc")
    failed = await _imported(
        settings, account.id, data=b"Nome;Cognome\nMario;Rossi\n", filename="x.csv"
    )
    assert failed.status == "failed" and failed.error_params
    waiting = await contact_import_start(
        account_id=account.id, pasted=f"{_national()}\n", settings=settings, prefix="39"
    )

    async with _console(settings).run_test(size=SIZE) as pilot:
        screen = await _imports(pilot)
        table = screen.query_one("#imports", DataTable)
        rows = {r[0]: r for r in _rows(table)}
        assert rows[str(failed.id)][2:7] == ["x.csv", "Non riuscita", "0", "0", "0"]
        assert rows[str(waiting)][2:7] == ["testo incollato", "In attesa", "0", "0", "0"]

        detail = await _open_import(pilot, failed.id)
        error = detail.query_one("#import-error", Label)
        assert error.display
        assert str(error.content) == (
            "Errore: Manca la colonna Cellulare: la prima riga del foglio deve contenere le"
            " intestazioni (Nome, Cognome, Cellulare…). Intestazioni trovate: Nome, Cognome"
        )
        summary = str(detail.query_one("#import-summary", Static).content)
        assert "Stato: Non riuscita" in summary
        assert _rows(detail.query_one("#rejected", DataTable)) == []
        await pilot.press("escape")
        await _settle(pilot)
        assert _top(pilot) is screen

        # The waiting import runs meanwhile: r shows it done, the cursor still on the failed one.
        assert screen.highlighted_key() == str(failed.id)
        await contact_import_run(import_id=waiting, settings=settings)
        await pilot.press("r")
        await _settle(pilot)
        rows = {r[0]: r for r in _rows(table)}
        assert rows[str(waiting)][3:5] == ["Completata", "1"]
        assert screen.highlighted_key() == str(failed.id)

        # While an import waits or runs, the list refreshes itself.
        later = await contact_import_start(
            account_id=account.id, pasted=f"{_national()}\n", settings=settings, prefix="39"
        )
        await pilot.press("r")
        await _settle(pilot)
        assert _rows(table)[table.get_row_index(str(later))][3] == "In attesa"
        await contact_import_run(import_id=later, settings=settings)
        for _ in range(40):
            await pilot.pause(0.1)
            if _rows(table)[table.get_row_index(str(later))][3] == "Completata":
                break
        await _settle(pilot)
        assert _rows(table)[table.get_row_index(str(later))][3] == "Completata"
        assert screen.highlighted_key() == str(failed.id)  # pushed down, still under the cursor


def test_running_import_shows_its_progress() -> None:
    now = datetime.now(UTC)
    running = ImportRow(
        id=1, account_id=1, username="u", status="running", kind="csv", filename="a.csv",
        group_id=None, group_name="", prefix="39", total_rows=200, processed_rows=81,
        imported=0, updated=0, rejected=0, warnings=0, understood=[], unknown=[], inactive=[],
        header=[], other_sheets=0, error="", error_params={}, created_at=now, finished_at=None,
    )  # fmt: skip
    assert str(import_status(running.status, running.percent)) == "In corso 40%"
    assert str(import_status("done", 100)) == "Completata"


# The two areas among the others


async def test_numbers_and_imports_are_areas_of_their_own(db: Database, settings: Settings) -> None:
    async with _console(settings).run_test(size=SIZE) as pilot:
        await _settle(pilot)
        accounts = pilot.app.screen
        assert isinstance(accounts, AccountsScreen)
        assert {"Numeri", "Importazioni"} <= _footer_labels(accounts)

        await pilot.press("tab")  # off the search box: letters are keys again
        await pilot.press("i")
        await _settle(pilot)
        imports = pilot.app.screen
        assert isinstance(imports, ImportsScreen)
        labels = _footer_labels(imports)
        assert "Numeri" in labels and "Importazioni" not in labels  # no key for the area shown

        await pilot.press("n")
        await _settle(pilot)
        numbers = pilot.app.screen
        assert isinstance(numbers, NumbersScreen)
        await pilot.press("i")  # the number box has the focus: the letter is typed
        assert numbers.query_one("#number", Input).value == "i"
        assert _top(pilot) is numbers
        await pilot.press("f8")
        await _settle(pilot)
        assert _top(pilot) is imports
        await pilot.press("c")
        await _settle(pilot)
        assert _top(pilot) is accounts
