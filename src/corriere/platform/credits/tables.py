"""The credit ledger: append-only; an account's balance always equals the sum of its entries."""

from __future__ import annotations

from piccolo.columns import BigInt, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from corriere.platform.accounts.tables import Account, Operator


class LedgerEntry(Table):
    account = ForeignKey(references=Account, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=24)  # see credits.services.LedgerKind
    amount = BigInt()  # signed, ten-thousandths of a credit
    balance_after = BigInt()
    campaign_id = BigInt(null=True, default=None)
    operator = ForeignKey(references=Operator, null=True, on_delete=OnDelete.restrict)
    counterparty = ForeignKey(references=Account, null=True, on_delete=OnDelete.restrict)
    reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class CreditAlert(Table):
    """Low-credit alert settings; `fired` holds the thresholds already alerted since the balance
    last rose above them, so each crossing sends one e-mail, not one per message."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, unique=True)
    enabled = Boolean(default=True)
    thresholds = Text(default="")  # comma separated, ten-thousandths of a credit
    emails = Text(default="")  # comma separated
    fired = Text(default="")
