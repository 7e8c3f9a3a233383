"""The platform's own account, which pays for the SMS the platform sends (activation codes)."""

from __future__ import annotations

import secrets

from corriere.platform.clock import utcnow
from corriere.platform.credits.ledger import LedgerKind, balance_change
from corriere.platform.db import Tx
from corriere.platform.errors import ConfigurationError
from corriere.platform.money import to_units

SYSTEM_USERNAME = "corriere-system"
# Names nobody can register or be given: the platform's own account's.
RESERVED_USERNAMES = frozenset({SYSTEM_USERNAME})
_PROVISION = to_units("1000000")
_LOW_WATER = to_units("100000")


async def system_account_id(tx: Tx) -> int:
    """The system account's id, created and topped up as needed inside the caller's transaction."""
    row = await tx.fetchrow(
        "SELECT id, balance, is_system FROM account WHERE username_key = $1", SYSTEM_USERNAME
    )
    if row is not None and not row["is_system"]:
        # A customer holds the name (made before it was reserved): never pay the platform's
        # SMS from a customer's credit.
        raise ConfigurationError(
            f"the account {SYSTEM_USERNAME!r} (id {row['id']}) is a customer account, not the"
            " platform's: give it another username (columns username and username_key) so the"
            " platform can create its own"
        )
    if row is None:
        account_id = int(
            await tx.fetchval(
                "INSERT INTO account (username, username_key, email, mobile, first_name, last_name,"
                " balance, status, is_system, api_id, locale, timezone, default_prefix,"
                " session_epoch, created_at) VALUES ($1, $1, 'system@localhost', '', 'Corriere',"
                " 'Sistema', 0, 'active', true, $2, 'it', 'Europe/Rome', '39', 0, $3) RETURNING id",
                SYSTEM_USERNAME,
                secrets.token_hex(8),
                utcnow(),
            )
        )
        balance = 0
    else:
        account_id, balance = int(row["id"]), int(row["balance"])
    if balance < _LOW_WATER:
        await balance_change(
            tx,
            account_id=account_id,
            amount=_PROVISION - balance,
            kind=LedgerKind.ADJUSTMENT,
            reason="Credito di servizio per gli SMS della piattaforma",
        )
    return account_id
