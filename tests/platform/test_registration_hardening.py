"""Sign-ups: hourly limits per client address and in all, e-mail addresses unique in the
database, simultaneous sign-ups, the reserved username, and the system account found by its flag.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest

from corriere.platform.accounts.profile import account_profile_update
from corriere.platform.accounts.services import account_create
from corriere.platform.accounts.system import SYSTEM_USERNAME, system_account_id
from corriere.platform.accounts.uniqueness import is_unique_violation
from corriere.platform.auth.registration import RegistrationStarted, registration_start
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.errors import (
    ConfigurationError,
    ConflictError,
    FieldErrors,
    TooManyAttemptsError,
)
from corriere.platform.settings import Settings

GOOD = "Sole-Mare-2026"
_n = itertools.count(60_000)


def _person(**overrides: Any) -> dict[str, Any]:
    n = next(_n)
    values: dict[str, Any] = {
        "username": f"marta{n}",
        "password": GOOD,
        "email": f"marta{n}@example.com",
        "mobile": f"+39346{n:07d}",
        "first_name": "Marta",
        "last_name": "Gialli",
        "accept_terms": True,
        "accept_privacy": True,
    }
    values.update(overrides)
    return values


async def _register(settings: Settings, **overrides: Any) -> RegistrationStarted:
    return await registration_start(settings=settings, **_person(**overrides))


async def _count(sql: str, *args: Any) -> int:
    return int(await database().fetchval(sql, *args))


async def _signups_last_hour() -> int:
    return await _count(
        "SELECT count(*) FROM account WHERE registered_ip IS NOT NULL AND created_at > $1",
        utcnow() - timedelta(hours=1),
    )


# --- hourly limits ------------------------------------------------------------------------------


async def test_signups_per_address_per_hour(db: Any, settings: Settings) -> None:
    limited = settings.model_copy(update={"registrations_per_ip_hour": 2})
    for _ in range(2):
        await _register(limited, ip="198.51.100.71")
    accounts = await _count("SELECT count(*) FROM account")
    campaigns = await _count("SELECT count(*) FROM campaign")
    with pytest.raises(TooManyAttemptsError) as refused:
        await _register(limited, ip="198.51.100.71")
    assert refused.value.message == (
        "Troppe registrazioni da questa connessione nell'ultima ora: riprova più tardi"
    )
    assert refused.value.status == 429
    # Nothing written: no account, no SMS paid by the platform.
    assert await _count("SELECT count(*) FROM account") == accounts
    assert await _count("SELECT count(*) FROM campaign") == campaigns
    # Another address may, and the same one again an hour later.
    await _register(limited, ip="198.51.100.72")
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE account SET created_at = $1 WHERE registered_ip = $2",
            utcnow() - timedelta(minutes=61),
            "198.51.100.71",
        )
    await _register(limited, ip="198.51.100.71")


async def test_signups_in_all_per_hour(db: Any, settings: Settings) -> None:
    limited = settings.model_copy(update={"registrations_per_hour": await _signups_last_hour() + 1})
    await _register(limited, ip="198.51.100.81")
    accounts = await _count("SELECT count(*) FROM account")
    with pytest.raises(TooManyAttemptsError) as refused:
        await _register(limited, ip="198.51.100.82")
    assert refused.value.message == (
        "Il servizio ha ricevuto troppe registrazioni nell'ultima ora: riprova più tardi"
    )
    with pytest.raises(TooManyAttemptsError):
        await _register(limited)  # no address known: counted in all the same
    assert await _count("SELECT count(*) FROM account") == accounts


async def test_simultaneous_signups_from_one_address_respect_its_limit(
    db: Any, settings: Settings
) -> None:
    limited = settings.model_copy(update={"registrations_per_ip_hour": 2})
    results = await asyncio.gather(
        *(_register(limited, ip="198.51.100.91") for _ in range(5)), return_exceptions=True
    )
    assert sum(isinstance(r, RegistrationStarted) for r in results) == 2
    assert sum(isinstance(r, TooManyAttemptsError) for r in results) == 3
    assert (
        await _count("SELECT count(*) FROM account WHERE registered_ip = $1", "198.51.100.91") == 2
    )


async def test_accounts_made_by_support_are_not_signups(db: Any, settings: Settings) -> None:
    before = await _signups_last_hour()
    person = _person()
    await account_create(
        username=person["username"], email=person["email"], mobile=person["mobile"]
    )
    assert await _signups_last_hour() == before


# --- uniqueness ---------------------------------------------------------------------------------


async def test_the_database_refuses_a_second_account_with_an_email(
    db: Any, settings: Settings
) -> None:
    started = await _register(settings)
    email = await database().fetchval("SELECT email FROM account WHERE id = $1", started.account_id)
    # Each driver raises its own class (sqlite3.IntegrityError, asyncpg UniqueViolationError).
    with pytest.raises(Exception) as refused:
        async with database().transaction() as tx:
            await tx.execute(
                "INSERT INTO account (username, username_key, email, mobile, api_id, status,"
                " is_system, balance, created_at) VALUES ('copia1', 'copia1', $1, '', 'x1',"
                " 'active', false, 0, $2)",
                email.upper(),
                utcnow(),
            )
    assert is_unique_violation(refused.value)


async def test_support_cannot_create_an_account_with_a_taken_email(
    db: Any, settings: Settings
) -> None:
    started = await _register(settings)
    email = await database().fetchval("SELECT email FROM account WHERE id = $1", started.account_id)
    person = _person()
    with pytest.raises(ConflictError) as refused:
        await account_create(
            username=person["username"], email=email.title(), mobile=person["mobile"]
        )
    assert refused.value.field == "email"
    assert refused.value.message == "Esiste già un account con questo indirizzo e-mail"


@pytest.mark.parametrize("clash", ["username", "email", "both"])
async def test_simultaneous_signups_with_the_same_details(
    db: Any, settings: Settings, clash: str
) -> None:
    first = _person()
    second = _person()
    if clash in ("username", "both"):
        second["username"] = first["username"].upper()
    if clash in ("email", "both"):
        second["email"] = first["email"].upper()
    before = await _count("SELECT count(*) FROM account")
    results = await asyncio.gather(
        registration_start(settings=settings, **first),
        registration_start(settings=settings, **second),
        return_exceptions=True,
    )
    started = [r for r in results if isinstance(r, RegistrationStarted)]
    refused = [r for r in results if isinstance(r, FieldErrors)]
    assert len(started) == 1 and len(refused) == 1, results
    # Exactly what the same sign-up one after the other says.
    expected = {
        "username": {"username": "Username già in uso: scegline un altro"},
        "email": {"email": "Esiste già un account con questo indirizzo e-mail"},
        "both": {
            "username": "Username già in uso: scegline un altro",
            "email": "Esiste già un account con questo indirizzo e-mail",
        },
    }[clash]
    assert refused[0].errors == expected
    assert await _count("SELECT count(*) FROM account") == before + 1
    loser = second if started[0].username == first["username"] else first
    with pytest.raises(FieldErrors) as sequential:
        await registration_start(settings=settings, **loser)
    assert sequential.value.errors == expected


async def test_two_accounts_taking_the_same_email_at_once(db: Any, settings: Settings) -> None:
    """Two customers change their e-mail to the same new address at the same moment: one keeps
    it, the other is told the address is taken, as if they had come second."""
    people = [_person(), _person()]
    ids = []
    for person in people:
        created = await account_create(
            username=person["username"], email=person["email"], mobile=person["mobile"]
        )
        ids.append(created.id)
    wanted = f"condivisa{next(_n)}@example.com"

    async def change(account_id: int, person: dict[str, Any], email: str) -> object:
        return await account_profile_update(
            settings=settings,
            account_id=account_id,
            email=email,
            mobile=person["mobile"],
            first_name="Marta",
            last_name="Gialli",
            default_prefix="39",
            locale="it",
            timezone="Europe/Rome",
        )

    results = await asyncio.gather(
        change(ids[0], people[0], wanted),
        change(ids[1], people[1], wanted.upper()),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, FieldErrors)]
    assert len(refused) == 1, results
    assert refused[0].errors == {"email": "Esiste già un account con questo indirizzo e-mail"}
    emails = await database().fetch(
        "SELECT lower(email) AS e FROM account WHERE id IN ($1, $2)", ids[0], ids[1]
    )
    assert sorted(r["e"] for r in emails).count(wanted) == 1


# --- the reserved username and the system account -------------------------------------------------


@pytest.mark.parametrize("username", ["corriere-system", "Corriere-System"])
async def test_the_system_username_is_reserved(db: Any, settings: Settings, username: str) -> None:
    with pytest.raises(FieldErrors) as refused:
        await _register(settings, username=username)
    assert refused.value.errors == {"username": "Username riservato: scegline un altro"}
    person = _person()
    with pytest.raises(ConflictError) as by_support:
        await account_create(username=username, email=person["email"], mobile=person["mobile"])
    assert by_support.value.field == "username"
    assert by_support.value.message == "Username riservato: scegline un altro"


async def test_system_account_is_found_by_its_flag_not_its_name(
    db: Any, settings: Settings
) -> None:
    await _register(settings)  # the system account exists (it paid for the code)
    with pytest.raises(ConfigurationError, match="is a customer account"):
        async with database().transaction() as tx:
            # A customer account under that name (one made before the name was reserved):
            # never the one that pays for the platform's SMS.
            await tx.execute(
                "UPDATE account SET is_system = false WHERE username_key = $1", SYSTEM_USERNAME
            )
            await system_account_id(tx)
    # The transaction was rolled back: the platform's account is intact and still pays.
    assert await database().fetchval(
        "SELECT is_system FROM account WHERE username_key = $1", SYSTEM_USERNAME
    )
    async with database().transaction() as tx:
        system_id = await system_account_id(tx)
    username = await database().fetchval(
        "SELECT username FROM account WHERE id = $1 AND is_system = true", system_id
    )
    assert username == SYSTEM_USERNAME
