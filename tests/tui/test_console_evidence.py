"""What support reads in the console: every audit action the code writes has an Italian label,
and a number that subscribed through a web sign-up page shows the evidence recorded then."""

from __future__ import annotations

import ast
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label

import corriere
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.clock import as_utc, utcnow
from corriere.platform.contacts.cleanup import contacts_cleanup
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.services import contact_create, contact_values
from corriere.platform.contacts.signup import signup_submit
from corriere.platform.contacts.signup_form import (
    signup_form_get,
    signup_form_update,
    signup_page_get,
    signup_time_token,
)
from corriere.platform.db import Database
from corriere.platform.settings import Settings
from corriere.tui.app import create_app
from corriere.tui.screens.audit import AuditScreen
from corriere.tui.screens.numbers import NO_SIGNUP, NumbersScreen
from corriere.tui.widgets.cells import AUDIT_ACTIONS, local_time

MakeAccount = Callable[..., Awaitable[AccountCreated]]
SIZE = (160, 50)
SOURCE = Path(corriere.__file__).parent


def written_audit_actions() -> dict[str, str]:
    """action code → the file writing it, for every `audit_record(…, action=…)` in the code."""
    found: dict[str, str] = {}

    def constants(node: ast.expr, names: dict[str, ast.expr]) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return constants(node.body, names) + constants(node.orelse, names)
        if isinstance(node, ast.Name) and node.id in names:  # a module constant
            return constants(names[node.id], names)
        raise AssertionError(f"an audit action that is not a literal: {ast.unparse(node)}")

    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            target.id: statement.value
            for statement in tree.body
            if isinstance(statement, ast.Assign)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else None
            name = call.func.id if isinstance(call.func, ast.Name) else name
            if name != "audit_record":
                continue
            for keyword in call.keywords:
                if keyword.arg == "action":
                    for action in constants(keyword.value, names):
                        found[action] = str(path.relative_to(SOURCE))
    return found


def test_every_audit_action_written_has_a_label() -> None:
    written = written_audit_actions()
    assert "contacts_cleanup" in written and "credits_added" in written  # the scan works
    missing = {code: where for code, where in written.items() if code not in AUDIT_ACTIONS}
    assert missing == {}, f"add a label to tui/widgets/cells.py AUDIT_ACTIONS: {missing}"
    for code in written:
        assert AUDIT_ACTIONS[code] != code and AUDIT_ACTIONS[code][0].isupper()


async def _settle(pilot: Pilot[Any]) -> None:
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_audit_log_names_a_cleanup(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    account = await make_account(username=f"pulizia{secrets.token_hex(3)}")
    await contacts_cleanup(account_id=account.id, mode="ungrouped")
    async with create_app(operator="op", settings=settings).run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("f6")
        await _settle(pilot)
        log = pilot.app.screen
        assert isinstance(log, AuditScreen)
        rows = [r for r in _rows(log.query_one("#entries", DataTable)) if r[2] == account.username]
        assert [r[3:] for r in rows] == [
            [
                "Pulizia rubrica (dal cliente)",
                "richiesta dal cliente nel pannello",
                "ungrouped: contatti eliminati 0, gruppi eliminati 0",
            ]
        ]


async def test_the_number_lookup_shows_the_sign_up_evidence(
    db: Database, settings: Settings, make_account: MakeAccount
) -> None:
    national = f"347{secrets.randbelow(10**7):07d}"
    circolo = await make_account(username=f"circolo{secrets.token_hex(3)}")
    negozio = await make_account(username=f"negozio{secrets.token_hex(3)}")
    await group_create(account_id=circolo.id, name="Serate", web_signup=True)
    saved = await signup_form_get(circolo.id)
    await signup_form_update(
        account_id=circolo.id,
        fields=[],
        title="",
        consent_text="Voglio gli SMS delle serate.",
        enabled=True,
    )
    page = await signup_page_get(saved.token)
    assert page is not None
    ip = f"2001:db8::{secrets.token_hex(2)}"
    done = await signup_submit(
        token=page.token,
        form={"mobile": national, "prefix": "39"},
        group_ids=[],
        consent=True,
        ip=ip,
        source="script",
        user_agent="Mozilla/5.0",
        started_at_token=signup_time_token(page, now=utcnow() - timedelta(seconds=10)),
        honeypot="",
    )
    values = contact_values({"mobile": national, "first_name": "Gino"}, prefix="39")
    await contact_create(account_id=negozio.id, values=values)
    [signed_up_at] = [
        r["created_at"]
        for r in await db.fetch("SELECT created_at FROM signup WHERE contact = $1", done.contact_id)
    ]

    async with create_app(operator="op", settings=settings).run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("f7")
        await _settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, NumbersScreen)
        box = screen.query_one("#number", Input)
        box.focus()
        await pilot.press(*national, "enter")
        await _settle(pilot)
        table = screen.query_one("#owners", DataTable)
        rows = _rows(table)
        assert [r[0] for r in rows] == sorted([circolo.username, negozio.username])
        by_owner = {r[0]: r for r in rows}
        assert by_owner[circolo.username][5] == (
            f"{local_time(as_utc(signed_up_at))} · {ip} · script nel sito"
        )
        assert by_owner[negozio.username][5] == "—"

        def detail() -> str:
            return str(screen.query_one("#signup-detail", Label).content)

        table.focus()
        for row in range(len(rows)):
            table.move_cursor(row=row)
            await _settle(pilot)
            if rows[row][0] == circolo.username:
                assert detail() == (
                    f"{circolo.username}, iscrizione via web del"
                    f" {local_time(as_utc(signed_up_at))} · {ip} · script nel sito"
                    " · consenso mostrato: «Voglio gli SMS delle serate.»"
                )
            else:
                assert detail() == f"{negozio.username}: {NO_SIGNUP}"

        # Another number: the detail goes with the rows.
        box.focus()
        box.value = ""
        await pilot.press(*f"347{secrets.randbelow(10**7):07d}", "enter")
        await _settle(pilot)
        assert table.row_count == 0 and detail() == ""
