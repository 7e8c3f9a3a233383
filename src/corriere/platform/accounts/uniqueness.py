"""Who holds a username or an e-mail address, and what to say when the database refuses a copy.

Usernames (`username_key`) and customer e-mail addresses (`lower(email)`, index
`account_email_unique`) are unique in the database. Services check first, so that every clash
gets its message at once; when two requests pass that check at the same moment, the database
refuses the second insert, and `account_taken` read again (the first has committed by then)
gives the second the same messages the check would have.
"""

from __future__ import annotations

import sqlite3

from asyncpg.exceptions import UniqueViolationError

from corriere.platform.accounts.system import RESERVED_USERNAMES
from corriere.platform.db import Tx

USERNAME_TAKEN = "Username già in uso: scegline un altro"
USERNAME_RESERVED = "Username riservato: scegline un altro"
EMAIL_TAKEN = "Esiste già un account con questo indirizzo e-mail"


async def account_taken(tx: Tx, *, username: str, email: str = "") -> dict[str, str]:
    """`{field: message}` for a username (reserved, or held by any account) and an e-mail
    address (held by a customer account) that a new account cannot have."""
    errors: dict[str, str] = {}
    key = username.strip().lower()
    if key in RESERVED_USERNAMES:
        errors["username"] = USERNAME_RESERVED
    elif await tx.fetchval("SELECT id FROM account WHERE username_key = $1", key) is not None:
        errors["username"] = USERNAME_TAKEN
    # lower() on both sides: the same folding as the unique index.
    if email and await tx.fetchval(
        "SELECT id FROM account WHERE lower(email) = lower($1) AND is_system = false",
        email.strip(),
    ):
        errors["email"] = EMAIL_TAKEN
    return errors


def is_unique_violation(exc: BaseException) -> bool:
    """The database refused a row that would copy a unique value (either driver)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return isinstance(exc, UniqueViolationError)
