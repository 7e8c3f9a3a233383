"""SPOSTA CREDITO: move credits to another account, atomically on both ledgers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from corriere.platform.credits.ledger import LedgerKind, balance_change
from corriere.platform.db import database
from corriere.platform.errors import InsufficientCreditError, NotFoundError, ValidationError
from corriere.platform.money import format_credits, to_units


@dataclass(frozen=True, slots=True)
class TransferPreview:
    to_account_id: int
    to_username: str
    units: int


@dataclass(frozen=True, slots=True)
class TransferDone:
    to_username: str
    units: int
    balance_units: int


def _amount(amount: Decimal | str) -> int:
    try:
        units = to_units(str(amount).strip().replace(",", "."))
    except ValueError:
        raise ValidationError("Importo non valido", field="amount") from None
    if units <= 0:
        raise ValidationError("L'importo deve essere maggiore di zero", field="amount")
    return units


async def credits_transfer_preview(
    *, from_account_id: int, to_username: str, amount: Decimal | str
) -> TransferPreview:
    """Check a transfer without doing it (the confirmation step shows this)."""
    units = _amount(amount)
    target = await database().fetchrow(
        "SELECT id, username, status FROM account WHERE username_key = $1 AND is_system = false",
        to_username.strip().lower(),
    )
    if target is None or target["status"] != "active":
        raise NotFoundError("Nessun account attivo con questo username", field="username")
    if int(target["id"]) == from_account_id:
        raise ValidationError("Non puoi spostare credito sul tuo stesso account", field="username")
    balance = int(
        await database().fetchval("SELECT balance FROM account WHERE id = $1", from_account_id)
    )
    if units > balance:
        raise InsufficientCreditError(
            f"Puoi spostare al massimo {format_credits(balance)} crediti", field="amount"
        )
    return TransferPreview(int(target["id"]), target["username"], units)


async def credits_transfer(
    *, from_account_id: int, to_username: str, amount: Decimal | str
) -> TransferDone:
    preview = await credits_transfer_preview(
        from_account_id=from_account_id, to_username=to_username, amount=amount
    )
    async with database().transaction() as tx:
        sender = await tx.fetchval("SELECT username FROM account WHERE id = $1", from_account_id)
        moves = [
            (
                from_account_id,
                -preview.units,
                LedgerKind.TRANSFER_OUT,
                preview.to_account_id,
                f"Credito spostato a {preview.to_username}",
            ),
            (
                preview.to_account_id,
                preview.units,
                LedgerKind.TRANSFER_IN,
                from_account_id,
                f"Credito ricevuto da {sender}",
            ),
        ]
        # Lock rows in id order so two opposite transfers cannot deadlock on PostgreSQL.
        balances = {}
        for account_id, units, kind, counterparty, reason in sorted(moves, key=lambda m: m[0]):
            try:
                balances[account_id] = await balance_change(
                    tx,
                    account_id=account_id,
                    amount=units,
                    kind=kind,
                    counterparty_id=counterparty,
                    reason=reason,
                )
            except InsufficientCreditError as exc:
                raise InsufficientCreditError(
                    f"Puoi spostare al massimo {format_credits(exc.details['balance'])} crediti",
                    field="amount",
                ) from None
    return TransferDone(preview.to_username, preview.units, balances[from_account_id])
