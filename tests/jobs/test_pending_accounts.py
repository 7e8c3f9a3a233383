"""The worker's cron task that deletes accounts never activated within `pending_account_days`,
with what refers to them, on the real database; the username and the e-mail address are free
again afterwards."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from corriere.jobs.accounts import pending_accounts_expire
from corriere.jobs.workers import default_worker
from corriere.platform.accounts.expiry import ACTION
from corriere.platform.accounts.queries import account_get
from corriere.platform.accounts.services import credits_adjust, operator_ensure
from corriere.platform.audit.services import audit_list
from corriere.platform.auth.login import login_attempt
from corriere.platform.auth.recovery import password_reset_request
from corriere.platform.auth.registration import (
    RegistrationStarted,
    registration_resend,
    registration_start,
)
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.errors import LoginFailedError
from corriere.platform.settings import Settings

GOOD = "Sole-Mare-2026"
_n = itertools.count(70_000)


def _person() -> dict[str, Any]:
    n = next(_n)
    return {
        "username": f"piero{n}",
        "password": GOOD,
        "email": f"piero{n}@example.com",
        "mobile": f"+39345{n:07d}",
        "first_name": "Piero",
        "last_name": "Blu",
        "accept_terms": True,
        "accept_privacy": True,
    }


async def _signed_up(settings: Settings, days_ago: float, **person: Any) -> RegistrationStarted:
    started = await registration_start(settings=settings, **(person or _person()))
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE account SET created_at = $1 WHERE id = $2",
            utcnow() - timedelta(days=days_ago),
            started.account_id,
        )
    return started


async def _rows(table: str, account_id: int) -> int:
    return int(
        await database().fetchval(f"SELECT count(*) FROM {table} WHERE account = $1", account_id)
    )


async def test_pending_accounts_expire_with_what_refers_to_them(
    db: Any, settings: Settings
) -> None:
    person = _person()
    old = await _signed_up(settings, 8, **person)
    # What a never-finished sign-up leaves behind: a code, a reset link and its e-mail, a
    # failed sign-in, support's resend of the code (an audit line).
    await password_reset_request(settings=settings, identifier=old.username)
    with pytest.raises(LoginFailedError):
        await login_attempt(username=old.username, password="Sbagliata-2026", ip="192.0.2.80")
    operator = await operator_ensure(username="supporto-scadenze")
    await registration_resend(
        settings=settings,
        account_id=old.account_id,
        operator_id=operator,
        reason="Cliente al telefono",
    )
    for table in ("activation_code", "password_reset", "login_event", "mail_outbox", "audit_log"):
        assert await _rows(table, old.account_id) >= 1, table
    mail_id = await database().fetchval(
        "SELECT id FROM mail_outbox WHERE account = $1", old.account_id
    )

    recent = await _signed_up(settings, 6)
    credited = await _signed_up(settings, 30)
    await credits_adjust(
        account_id=credited.account_id, amount="5", operator_id=operator, reason="Omaggio"
    )
    active = await _signed_up(settings, 30)
    async with database().transaction() as tx:
        await tx.execute("UPDATE account SET status = 'active' WHERE id = $1", active.account_id)

    # Not yet due with a longer setting.
    patient = settings.model_copy(update={"pending_account_days": 10})
    await pending_accounts_expire({"settings": patient})
    assert await account_get(old.account_id) is not None

    assert await pending_accounts_expire({"settings": settings}) >= 1
    assert await account_get(old.account_id) is None
    for table in ("activation_code", "password_reset", "login_event", "app_password"):
        assert await _rows(table, old.account_id) == 0, table
    # Kept: too recent, support gave it credit, activated.
    for kept in (recent, credited, active):
        assert await account_get(kept.account_id) is not None

    # The audit log says what went and why; support's earlier line and the e-mail stay.
    audit = await audit_list(limit=1000)
    (deleted,) = [row for row in audit if row.action == ACTION and old.username in row.details]
    assert deleted.account is None and deleted.operator is None
    assert person["email"] in deleted.details
    assert deleted.reason == "Account mai attivato entro 7 giorni dalla registrazione"
    resent = [r for r in audit if r.reason == "Cliente al telefono"]
    assert resent and resent[0].account is None
    assert await database().fetchval(
        "SELECT count(*) FROM mail_outbox WHERE id = $1 AND account IS NULL", mail_id
    )

    # Username and address are free again.
    again = await registration_start(settings=settings, **person)
    assert again.username == person["username"]

    # Nothing more of these goes on the next run.
    await pending_accounts_expire({"settings": settings})
    for kept in (recent, credited, active, again):
        assert await account_get(kept.account_id) is not None


async def test_expiry_off_when_days_below_one(db: Any, settings: Settings) -> None:
    old = await _signed_up(settings, 400)
    never = settings.model_copy(update={"pending_account_days": 0})
    assert await pending_accounts_expire({"settings": never}) == 0
    assert await account_get(old.account_id) is not None
    await pending_accounts_expire({"settings": settings})
    assert await account_get(old.account_id) is None


def test_the_default_worker_runs_it_on_a_schedule(settings: Settings, redis_url: str) -> None:
    worker = default_worker(settings, redis_url)
    assert worker.functions["pending_accounts_expire"] is pending_accounts_expire
    (cron,) = [c for c in worker.cron_jobs if c.function is pending_accounts_expire]
    assert cron.cron == "41 * * * *"  # hourly
