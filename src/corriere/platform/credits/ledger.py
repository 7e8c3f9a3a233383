"""Balance changes: each one a conditional UPDATE plus a ledger entry, inside the caller's transaction.

The balance can never go below zero because the debit is `balance >= amount` in the same statement
that subtracts it, so concurrent debits serialise in the database, never in Python.
"""

from __future__ import annotations

from enum import StrEnum

from corriere.platform.clock import utcnow
from corriere.platform.credits.alerts import credit_alert_check
from corriere.platform.db import Tx
from corriere.platform.errors import InsufficientCreditError, NotFoundError
from corriere.platform.settings import get_settings


class LedgerKind(StrEnum):
    TRIAL = "trial"
    PURCHASE = "purchase"
    CAMPAIGN_DEBIT = "campaign_debit"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"


LEDGER_COLUMNS = (
    "account",
    "kind",
    "amount",
    "balance_after",
    "campaign_id",
    "operator",
    "counterparty",
    "reason",
    "created_at",
)


async def balance_change(
    tx: Tx,
    *,
    account_id: int,
    amount: int,
    kind: LedgerKind,
    reason: str = "",
    campaign_id: int | None = None,
    operator_id: int | None = None,
    counterparty_id: int | None = None,
) -> int:
    """Apply a signed change of balance (ten-thousandths) and log it; returns the new balance."""
    if amount < 0:
        row = await tx.fetchrow(
            "UPDATE account SET balance = balance + $1 WHERE id = $2 AND balance >= $3 "
            "RETURNING balance",
            amount,
            account_id,
            -amount,
        )
    else:
        row = await tx.fetchrow(
            "UPDATE account SET balance = balance + $1 WHERE id = $2 RETURNING balance",
            amount,
            account_id,
        )
    if row is None:
        exists = await tx.fetchval("SELECT balance FROM account WHERE id = $1", account_id)
        if exists is None:
            raise NotFoundError("Account inesistente", account_id=account_id)
        raise InsufficientCreditError(
            "Credito insufficiente per completare l'operazione",
            balance=int(exists),
            required=-amount,
        )
    balance = int(row["balance"])
    await credit_alert_check(
        tx, account_id=account_id, balance=balance, base_url=get_settings().public_base_url
    )
    await tx.insert_many(
        "ledger_entry",
        LEDGER_COLUMNS,
        [
            (
                account_id,
                kind.value,
                amount,
                balance,
                campaign_id,
                operator_id,
                counterparty_id,
                reason,
                utcnow(),
            )
        ],
    )
    return balance
