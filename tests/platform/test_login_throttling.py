"""Sign-in throttling: a username locks for the address its wrong passwords come from, an address
locks whatever usernames it tries, and only a great many wrong passwords from many addresses lock
a username everywhere: nobody locks a customer out with a handful of guesses."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from corriere.platform.auth.login import (
    MAX_FAILURES_PER_USERNAME,
    MAX_FAILURES_PER_USERNAME_ANYWHERE,
    login_attempt,
)
from corriere.platform.errors import LoginFailedError, TooManyAttemptsError

GOOD = "Sole-Mare-2026"
LOCKED = "Troppi tentativi di accesso non riusciti: riprova tra 15 minuti"


def _net() -> str:
    """A /24 of its own for each test (the session's database keeps every sign-in)."""
    return f"10.{secrets.randbelow(200) + 50}.{secrets.randbelow(250)}"


async def test_wrong_passwords_lock_the_username_only_from_their_address(
    db: Any, make_account: Any
) -> None:
    account = await make_account(password=GOOD)
    net = _net()
    for _ in range(MAX_FAILURES_PER_USERNAME):
        with pytest.raises(LoginFailedError):
            await login_attempt(username=account.username, password="Sbagliata-1", ip=f"{net}.1")
    with pytest.raises(TooManyAttemptsError) as locked:
        await login_attempt(username=account.username, password=GOOD, ip=f"{net}.1")
    assert locked.value.message == LOCKED
    # The owner, from elsewhere, still signs in.
    signed = await login_attempt(username=account.username, password=GOOD, ip=f"{net}.2")
    assert signed.account_id == account.id


async def test_a_username_locks_everywhere_only_after_many_addresses_tried(
    db: Any, make_account: Any
) -> None:
    account = await make_account(password=GOOD)
    net = _net()
    addresses = MAX_FAILURES_PER_USERNAME_ANYWHERE // MAX_FAILURES_PER_USERNAME
    for host in range(1, addresses + 1):
        for _ in range(MAX_FAILURES_PER_USERNAME):
            with pytest.raises(LoginFailedError):
                await login_attempt(
                    username=account.username, password="Sbagliata-1", ip=f"{net}.{host}"
                )
        if host == addresses - 1:
            # Just short of the limit: an untouched address still gets in.
            assert await login_attempt(username=account.username, password=GOOD, ip=f"{net}.250")
    with pytest.raises(TooManyAttemptsError) as locked:
        await login_attempt(username=account.username, password=GOOD, ip=f"{net}.251")
    assert locked.value.message == LOCKED
