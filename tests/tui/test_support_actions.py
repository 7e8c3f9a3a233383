"""Support on customer access, through the console: activation code, block/unblock, password
recovery, the mail outbox and the audit log; outcomes checked through the platform's own queries."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from corriere.platform.accounts.queries import account_get
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.accounts.system import SYSTEM_USERNAME
from corriere.platform.audit.services import AuditRow, audit_list
from corriere.platform.auth.login import login_attempt
from corriere.platform.auth.registration import RegistrationStarted, registration_start
from corriere.platform.db import Database
from corriere.platform.errors import LoginFailedError
from corriere.platform.mail.services import mail_outbox_list
from corriere.platform.messaging.queries import account_messages
from corriere.platform.settings import Settings
from corriere.tui.app import CorriereConsole, create_app
from corriere.tui.dialogs.reason import ReasonDialog
from corriere.tui.screens.account_detail import AccountDetailScreen
from corriere.tui.screens.accounts import AccountsScreen
from corriere.tui.screens.audit import AuditScreen
from corriere.tui.screens.mail import MailScreen

MakeAccount = Callable[..., Awaitable[AccountCreated]]
SIZE = (150, 50)
PASSWORD = "Sole-Mare-2026"


def _tag() -> str:
    return secrets.token_hex(4)


def _mobile() -> str:
    return f"+39347{secrets.randbelow(10**7):07d}"


async def _active(make_account: MakeAccount, **fields: Any) -> AccountCreated:
    return await make_account(
        username=f"acc{_tag()}",
        email=f"acc{_tag()}@tui-test.it",
        mobile=_mobile(),
        **fields,
    )


async def _registered(settings: Settings) -> RegistrationStarted:
    """A pending account with a real activation code, as the sign-up form leaves it."""
    tag = _tag()
    return await registration_start(
        settings=settings,
        username=f"reg{tag}",
        password=PASSWORD,
        email=f"reg{tag}@tui-test.it",
        mobile=_mobile(),
        first_name="Anna",
        last_name="Bianchi",
        accept_terms=True,
        accept_privacy=True,
    )


def _console(settings: Settings, operator: str) -> CorriereConsole:
    return create_app(operator=operator, settings=settings)


async def _settle(pilot: Pilot[Any]) -> None:
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _top(pilot: Pilot[Any]) -> Screen[Any]:
    """The screen on top, read afresh (an assertion on it must not narrow the next one)."""
    return pilot.app.screen


def _static(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).content)


def _notified(pilot: Pilot[Any]) -> list[str]:
    return [str(n.message) for n in pilot.app._notifications]


async def _open(pilot: Pilot[Any], username: str) -> AccountDetailScreen:
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AccountsScreen)
    search = screen.query_one("#search", Input)
    search.focus()
    search.value = username
    await pilot.press("enter")
    await _settle(pilot)
    rows = _rows(screen.query_one("#results", DataTable))
    assert [r[0] for r in rows] == [username]
    await pilot.press("enter")
    await _settle(pilot)
    detail = pilot.app.screen
    assert isinstance(detail, AccountDetailScreen)
    return detail


async def _act(pilot: Pilot[Any], key: str, reason: str) -> ReasonDialog:
    """Press an action's key, type the reason, confirm with Enter; returns the dialog."""
    await pilot.press(key)
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ReasonDialog)
    assert dialog.query_one("#reason", Input).has_focus
    if reason:
        await pilot.press(*reason)
    await pilot.press("enter")
    await _settle(pilot)
    return dialog


async def _system_messages_to(db: Database, mobile: str) -> int:
    """SMS the platform's own account sent to `mobile` (activation codes travel this way)."""
    system_id = await db.fetchval("SELECT id FROM account WHERE username_key = $1", SYSTEM_USERNAME)
    if system_id is None:
        return 0
    return sum(m.recipient == mobile for m in await account_messages(system_id, limit=1000))


def _only(entries: list[AuditRow]) -> AuditRow:
    assert len(entries) == 1, entries
    return entries[0]


async def test_pending_account_shows_state_and_resend_writes_campaign_and_audit(
    db: Database, settings: Settings
) -> None:
    started = await _registered(settings)
    operator = f"op{_tag()}"
    assert await _system_messages_to(db, started.mobile) == 1  # the code sent at sign-up
    async with _console(settings, operator).run_test(size=SIZE) as pilot:
        screen = await _open(pilot, started.username)
        assert _static(pilot, "#status") == "In attesa di attivazione"
        assert _static(pilot, "#access").startswith("In attesa di attivazione")
        assert screen.query_one("#access").has_class("-pending")
        assert _rows(screen.query_one("#logins", DataTable)) == []
        assert "Nessun accesso" in _static(pilot, "#logins-empty")

        dialog = await _act(pilot, "s", "Il cliente non ha ricevuto l'SMS")
        assert _top(pilot) is screen, _static(pilot, "#dialog-error")
        assert dialog.is_attached is False
        assert any("Nuovo codice di attivazione inviato" in n for n in _notified(pilot))
        assert _static(pilot, "#status") == "In attesa di attivazione"
    assert await _system_messages_to(db, started.mobile) == 2
    entry = _only(await audit_list(account_id=started.account_id))
    assert entry.action == "activation_code_resent"
    assert entry.operator == operator
    assert entry.account == started.username
    assert entry.reason == "Il cliente non ha ricevuto l'SMS"


async def test_resend_for_active_account_shows_error_and_writes_nothing(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _active(make_account)
    row = await account_get(account.id)
    assert row is not None
    async with _console(settings, f"op{_tag()}").run_test(size=SIZE) as pilot:
        screen = await _open(pilot, account.username)
        assert _static(pilot, "#access").startswith("Attivo")
        dialog = await _act(pilot, "s", "Prova di reinvio")
        assert _top(pilot) is dialog  # still open, with the service's refusal
        assert _static(pilot, "#dialog-error") == "L'account è già attivo"
        assert not dialog.query_one("#confirm").disabled
        await pilot.press("escape")
        await _settle(pilot)
        assert _top(pilot) is screen
    assert await audit_list(account_id=account.id) == []
    assert await _system_messages_to(db, row.mobile) == 0


async def test_block_without_reason_changes_nothing_then_block_and_unblock(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _active(make_account, password=PASSWORD)
    operator = f"op{_tag()}"
    async with _console(settings, operator).run_test(size=SIZE) as pilot:
        screen = await _open(pilot, account.username)
        keys = {b.key for _, b, _, _ in screen.active_bindings.values() if b.show}
        assert "b" in keys and "u" not in keys  # only the applicable one is offered

        # No reason, then one too short: refused in the dialog, nothing reaches the service.
        dialog = await _act(pilot, "b", "")
        assert _top(pilot) is dialog
        assert "motivo" in _static(pilot, "#dialog-error")
        await pilot.press("n", "o", "enter")
        await _settle(pilot)
        assert _top(pilot) is dialog
        assert "almeno 3 caratteri" in _static(pilot, "#dialog-error")
        await pilot.press("escape")
        await _settle(pilot)
        assert _top(pilot) is screen
        row = await account_get(account.id)
        assert row is not None and row.status == "active"
        assert await audit_list(account_id=account.id) == []

        await _act(pilot, "b", "Segnalazione di abuso")
        assert _top(pilot) is screen
        assert _static(pilot, "#status") == "Bloccato"
        assert screen.query_one("#access").has_class("-blocked")
        assert "Account bloccato" in _notified(pilot)
        row = await account_get(account.id)
        assert row is not None and row.status == "blocked"
        keys = {b.key for _, b, _, _ in screen.active_bindings.values() if b.show}
        assert "u" in keys and "b" not in keys

        await _act(pilot, "u", "Verifica completata")
        assert _top(pilot) is screen
        assert _static(pilot, "#status") == "Attivo"
        row = await account_get(account.id)
        assert row is not None and row.status == "active"
    entries = await audit_list(account_id=account.id)
    assert [(e.action, e.reason, e.operator) for e in entries] == [
        ("account_unblocked", "Verifica completata", operator),
        ("account_blocked", "Segnalazione di abuso", operator),
    ]


async def test_recovery_mail_appears_in_outbox_and_audit_screens(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _active(make_account, password=PASSWORD)
    row = await account_get(account.id)
    assert row is not None
    # A failed and a successful sign-in, for the "Ultimi accessi" table.
    try:
        await login_attempt(username=account.username, password="sbagliata", ip="203.0.113.9")
    except LoginFailedError:
        pass
    await login_attempt(username=account.username, password=PASSWORD, ip="198.51.100.4")
    operator = f"op{_tag()}"
    async with _console(settings, operator).run_test(size=SIZE) as pilot:
        screen = await _open(pilot, account.username)
        logins = _rows(screen.query_one("#logins", DataTable))
        assert [r[1:] for r in logins] == [
            ["Riuscito", "198.51.100.4"],
            ["Non riuscito", "203.0.113.9"],
        ]
        assert logins[0][0][2] == "/" and len(logins[0][0]) == 19  # dd/mm/yyyy hh:mm:ss

        await _act(pilot, "p", "Password dimenticata")
        assert _top(pilot) is screen
        assert any(row.email in n for n in _notified(pilot))

        mails = await mail_outbox_list(account_id=account.id)
        assert [m.kind for m in mails] == ["password_reset"]
        assert mails[0].recipient == row.email
        entry = _only(await audit_list(account_id=account.id))
        assert (entry.action, entry.operator, entry.reason) == (
            "password_reset_sent",
            operator,
            "Password dimenticata",
        )

        # From the account, m shows only its mail, with the body of the highlighted one.
        await pilot.press("m")
        await _settle(pilot)
        mail_screen = pilot.app.screen
        assert isinstance(mail_screen, MailScreen) and mail_screen.account_id == account.id
        rows = _rows(mail_screen.query_one("#mails", DataTable))
        assert len(rows) == 1
        assert rows[0][1:5] == [row.email, mails[0].subject, "Recupero password", "In coda"]
        body = _static(pilot, "#mail-body")
        assert mails[0].text_body in body
        assert "/recupera/" in body
        await pilot.press("escape")
        await _settle(pilot)
        assert _top(pilot) is screen

        # And l only its audit entries, in Italian.
        await pilot.press("l")
        await _settle(pilot)
        audit_screen = pilot.app.screen
        assert isinstance(audit_screen, AuditScreen) and audit_screen.account_id == account.id
        entries = _rows(audit_screen.query_one("#entries", DataTable))
        assert [e[1:5] for e in entries] == [
            [operator, account.username, "E-mail di recupero password", "Password dimenticata"]
        ]
        await pilot.press("escape")
        await _settle(pilot)
        assert _top(pilot) is screen

        # Globally (F4 / F6, since m and l are the account's own here): everything, newest first.
        await pilot.press("f4")
        await _settle(pilot)
        outbox = pilot.app.screen
        assert isinstance(outbox, MailScreen) and outbox.account_id is None
        table = outbox.query_one("#mails", DataTable)
        assert _rows(table)[0][1] == row.email
        assert mails[0].text_body in _static(pilot, "#mail-body")
        ids = [str(k.value) for k in table.rows]
        assert ids == sorted(ids, key=int, reverse=True)

        await pilot.press("l")  # letters reach the app on a global screen
        await _settle(pilot)
        log = pilot.app.screen
        assert isinstance(log, AuditScreen) and log.account_id is None
        first = _rows(log.query_one("#entries", DataTable))[0]
        assert first[1:5] == [
            operator,
            account.username,
            "E-mail di recupero password",
            "Password dimenticata",
        ]

        await pilot.press("c")
        await _settle(pilot)
        assert _top(pilot) is screen  # the accounts area kept its stack


async def test_blocked_account_refuses_recovery_and_code_with_clear_errors(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _active(make_account, status="blocked")
    async with _console(settings, f"op{_tag()}").run_test(size=SIZE) as pilot:
        screen = await _open(pilot, account.username)
        assert _static(pilot, "#access").startswith("Bloccato")
        for key in ("p", "s"):
            dialog = await _act(pilot, key, "Richiesta del cliente")
            assert _top(pilot) is dialog
            assert _static(pilot, "#dialog-error").startswith("L'account è bloccato")
            await pilot.press("escape")
            await _settle(pilot)
            assert _top(pilot) is screen
    assert await mail_outbox_list(account_id=account.id) == []
    assert await audit_list(account_id=account.id) == []


async def test_audit_screen_lists_credit_changes_in_italian(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await _active(make_account)
    operator = f"op{_tag()}"
    async with _console(settings, operator).run_test(size=SIZE) as pilot:
        await _open(pilot, account.username)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("1", "0", "enter", *"Bonifico", "enter")
        await _settle(pilot)
        assert isinstance(pilot.app.screen, AccountDetailScreen)
        await pilot.press("f6")
        await _settle(pilot)
        log = pilot.app.screen
        assert isinstance(log, AuditScreen)
        first = _rows(log.query_one("#entries", DataTable))[0]
        assert first[1:] == [operator, account.username, "Crediti aggiunti", "Bonifico", "10.0000"]
    assert _only(await audit_list(account_id=account.id)).action == "credits_added"
