"""The support console driven through Textual's pilot, against the real test database."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from corriere.platform.accounts.queries import account_get, ledger_list, ledger_sum
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.db import Database
from corriere.platform.messaging.binds import binds_report
from corriere.platform.messaging.ports import BindStatus
from corriere.platform.money import format_credits, to_units
from corriere.tui.app import CorriereConsole, create_app
from corriere.tui.dialogs.credits import CreditsDialog, parse_amount
from corriere.tui.screens.account_detail import AccountDetailScreen
from corriere.tui.screens.accounts import AccountsScreen
from corriere.tui.screens.gateway import GatewayScreen

MakeAccount = Callable[..., Awaitable[AccountCreated]]
SIZE = (150, 50)


def _tag() -> str:
    return secrets.token_hex(4)


async def _unique_account(make_account: MakeAccount, balance: str = "100") -> AccountCreated:
    """An account whose username, e-mail and mobile share no fragment with any other."""
    return await make_account(
        credits=balance,
        username=f"tui{_tag()}",
        email=f"posta{_tag()}@tui-test.it",
        mobile=f"+39347{secrets.randbelow(10**7):07d}",
    )


async def _settle(pilot: Pilot[Any]) -> None:
    """Let messages flow and every worker finish (twice: a finished worker may start another)."""
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _static(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).content)


async def _search(pilot: Pilot[Any], needle: str, *, typed: bool = False) -> list[list[str]]:
    """Search and press Enter; `typed` goes key by key (slower, so only where it matters)."""
    screen = pilot.app.screen
    assert isinstance(screen, AccountsScreen)
    search = screen.query_one("#search", Input)
    search.focus()
    if typed:
        search.value = ""
        await pilot.press(*needle)
    else:
        search.value = needle
    await pilot.press("enter")
    await _settle(pilot)
    return _rows(screen.query_one("#results", DataTable))


async def _open(pilot: Pilot[Any], account: AccountCreated) -> AccountDetailScreen:
    rows = await _search(pilot, account.username)
    assert [r[0] for r in rows] == [account.username]
    await pilot.press("enter")  # the results table has the focus after the search
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AccountDetailScreen)
    return screen


async def _dialog(pilot: Pilot[Any], key: str, amount: str, reason: str) -> CreditsDialog:
    await pilot.press(key)
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, CreditsDialog)
    await pilot.press(*amount, "enter")  # Enter on the amount moves to the reason
    if reason:
        await pilot.press(*reason)
    await pilot.press("enter")
    await _settle(pilot)
    return dialog


def _console(**kwargs: Any) -> CorriereConsole:
    return create_app(operator=kwargs.pop("operator", "assistenza.test"), **kwargs)


async def test_search_by_partial_username_email_and_mobile(
    db: Database, make_account: MakeAccount
) -> None:
    account = await _unique_account(make_account)
    row = await account_get(account.id)
    assert row is not None
    async with _console().run_test(size=SIZE) as pilot:
        await _settle(pilot)
        for needle in (
            account.username[2:-1].upper(),  # partial and case-insensitive
            row.email.split("@")[0][3:] + "@tui",
            row.mobile[-9:],
        ):
            rows = await _search(pilot, needle, typed=True)
            assert [r[0] for r in rows] == [account.username], needle
            assert rows[0][5] == format_credits(account.balance_units)
        assert await _search(pilot, f"nessuno{_tag()}") == []
        assert "Nessun cliente" in str(pilot.app.screen.query_one("#results-count").render())


async def test_search_as_you_type_is_debounced(db: Database, make_account: MakeAccount) -> None:
    account = await _unique_account(make_account)
    async with _console().run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.press(*account.username)
        await pilot.pause(0.4)  # past the debounce, no Enter pressed
        await _settle(pilot)
        table = pilot.app.screen.query_one("#results", DataTable)
        assert [r[0] for r in _rows(table)] == [account.username]
        assert pilot.app.screen.query_one("#search", Input).has_focus


async def test_open_account_shows_balance_and_ledger(
    db: Database, make_account: MakeAccount
) -> None:
    account = await _unique_account(make_account, balance="42.5")
    async with _console().run_test(size=SIZE) as pilot:
        await _settle(pilot)
        screen = await _open(pilot, account)
        assert _static(pilot, "#username") == account.username
        assert _static(pilot, "#balance") == "42.5000 crediti"
        assert _static(pilot, "#status") == "Attivo"
        ledger = _rows(screen.query_one("#ledger", DataTable))
        assert len(ledger) == 1
        assert ledger[0][1:5] == ["Crediti di prova", "+42.5000", "42.5000", "—"]
        assert _rows(screen.query_one("#messages", DataTable)) == []
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AccountsScreen)


async def test_add_credits_with_reason(db: Database, make_account: MakeAccount) -> None:
    account = await _unique_account(make_account)
    operator = f"op{_tag()}"
    async with _console(operator=operator).run_test(size=SIZE) as pilot:
        await _settle(pilot)
        screen = await _open(pilot, account)
        await _dialog(pilot, "a", "25,5", "Bonifico ricevuto")
        assert pilot.app.screen is screen  # the dialog closed
        assert _static(pilot, "#balance") == "125.5000 crediti"
        ledger = _rows(screen.query_one("#ledger", DataTable))
        assert ledger[0][1:] == [
            "Rettifica assistenza",
            "+25.5000",
            "125.5000",
            operator,
            "Bonifico ricevuto",
        ]
        assert any("125.5000" in str(n.message) for n in pilot.app._notifications)
    entries = await ledger_list(account.id)
    assert len(entries) == 2
    assert entries[0].amount_units == to_units("25.5")
    assert entries[0].operator == operator
    assert entries[0].reason == "Bonifico ricevuto"
    row = await account_get(account.id)
    assert row is not None and row.balance_units == to_units("125.5")
    assert await ledger_sum(account.id) == row.balance_units


async def test_remove_credits_without_reason_changes_nothing(
    db: Database, make_account: MakeAccount
) -> None:
    account = await _unique_account(make_account)
    async with _console().run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await _open(pilot, account)
        dialog = await _dialog(pilot, "r", "10", "")
        assert pilot.app.screen is dialog  # still open, waiting for a reason
        assert "motivo" in _static(pilot, "#dialog-error")
        assert dialog.query_one("#reason", Input).has_focus

        # A bad amount is refused in the dialog too.
        amount = dialog.query_one("#amount", Input)
        amount.value = "0"
        dialog.query_one("#reason", Input).value = "Storno richiesto"
        await pilot.click("#confirm")
        await _settle(pilot)
        assert pilot.app.screen is dialog
        assert "Importo non valido" in _static(pilot, "#dialog-error")

        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(pilot.app.screen, AccountDetailScreen)
        assert _static(pilot, "#balance") == "100.0000 crediti"
    assert len(await ledger_list(account.id)) == 1
    row = await account_get(account.id)
    assert row is not None and row.balance_units == account.balance_units


async def test_remove_more_than_balance_shows_italian_error(
    db: Database, make_account: MakeAccount
) -> None:
    account = await _unique_account(make_account, balance="5")
    async with _console().run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await _open(pilot, account)
        dialog = await _dialog(pilot, "r", "500", "Storno di prova")
        assert pilot.app.screen is dialog
        error = _static(pilot, "#dialog-error")
        assert error.startswith("Credito insufficiente per completare l'operazione")
        assert "5.0000" in error
        assert not dialog.query_one("#confirm").disabled  # the operator can correct and retry

        # Correcting the amount in the same dialog goes through.
        dialog.query_one("#amount", Input).value = "2"
        await pilot.click("#confirm")
        await _settle(pilot)
        assert isinstance(pilot.app.screen, AccountDetailScreen)
        assert _static(pilot, "#balance") == "3.0000 crediti"
    entries = await ledger_list(account.id)
    assert [e.amount_units for e in entries] == [to_units("-2"), to_units("5")]


async def test_gateway_shows_binds_and_queue_depths(db: Database) -> None:
    await binds_report(
        owner="gw1",
        statuses=[
            BindStatus(
                route="sim",
                state="bound",
                since=0.0,
                submitted=5,
                receipts=4,
                errors=0,
                last_error="",
            )
        ],
    )
    calls = 0

    async def queue_depths() -> dict[str, int]:
        nonlocal calls
        calls += 1
        return {"default": 3, "gateway": 12 + calls}

    async with _console(queue_depths=queue_depths).run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("f3")  # the search box has the focus: letters would go into it
        await _settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, GatewayScreen)
        binds = {r[0]: r for r in _rows(screen.query_one("#binds", DataTable))}
        assert binds["sim"][1:7] == ["Connesso", "gw1", "5", "4", "0", ""]
        jobs = _rows(screen.query_one("#jobs", DataTable))
        assert jobs == [["default", "3"], ["gateway", str(12 + calls)]]

        # Auto-refresh: the depths are asked again without any key pressed.
        seen = calls
        for _ in range(40):
            await pilot.pause(0.1)
            if calls > seen:
                break
        await _settle(pilot)
        assert calls > seen
        jobs = _rows(screen.query_one("#jobs", DataTable))
        assert jobs[1] == ["gateway", str(12 + calls)]

        await pilot.press("c")
        await _settle(pilot)
        assert isinstance(pilot.app.screen, AccountsScreen)
        await pilot.press("tab")  # focus leaves the search box, so letters are keys again
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(pilot.app.screen, GatewayScreen)


async def test_gateway_survives_unreachable_queues(db: Database) -> None:
    async def queue_depths() -> dict[str, int]:
        raise ConnectionError("Redis non risponde")

    async with _console(queue_depths=queue_depths).run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("f3")
        await _settle(pilot)
        assert isinstance(pilot.app.screen, GatewayScreen)
        error = str(pilot.app.screen.query_one("#jobs-error").render())
        assert "Code non raggiungibili: Redis non risponde" in error


async def test_gateway_without_queue_depths_hides_job_queues(db: Database) -> None:
    async with _console().run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("f3")
        await _settle(pilot)
        assert not pilot.app.screen.query("#jobs")


async def test_parse_amount_accepts_italian_decimals(db: Database) -> None:
    assert parse_amount("12,5") == Decimal("12.5")
    assert parse_amount(" 1.000,25 ") == Decimal("1000.25")
    assert parse_amount("7.125") == Decimal("7.125")
    for bad in ("", "abc", "0", "-3", "1,00001", "NaN", "inf"):
        try:
            parse_amount(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")
