"""Account services: create customer accounts and support operators, adjust credits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from corriere.platform.accounts.uniqueness import (
    USERNAME_RESERVED,
    USERNAME_TAKEN,
    account_taken,
    is_unique_violation,
)
from corriere.platform.audit.services import audit_record
from corriere.platform.clock import utcnow
from corriere.platform.credits.ledger import LedgerKind, balance_change
from corriere.platform.db import database
from corriere.platform.errors import ConflictError, NotFoundError, ValidationError
from corriere.platform.money import format_credits, to_units
from corriere.platform.passwords import password_hash
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.validation import EMAIL, USERNAME


@dataclass(frozen=True, slots=True)
class AccountCreated:
    id: int
    username: str
    api_id: str
    balance_units: int


def _validate_email(email: str) -> str:
    email = email.strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationError("Indirizzo e-mail non valido", field="email")
    return email


async def account_create(
    *,
    username: str,
    email: str,
    mobile: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    status: str = "active",
    trial_credits: Decimal | str | None = None,
    is_system: bool = False,
) -> AccountCreated:
    username = username.strip()
    if not USERNAME.match(username):
        raise ValidationError(
            "Username non valido: 3-32 caratteri tra lettere, cifre, punto, trattino e trattino basso",
            field="username",
        )
    email = _validate_email(email)
    try:
        mobile_e164 = normalise_mobile(mobile).e164
    except InvalidNumber as exc:
        raise ValidationError(f"Cellulare non valido: {exc}", field="mobile") from exc
    api_id = secrets.token_hex(8)
    hashed = password_hash(password) if password else None
    try:
        return await _account_insert(
            username=username,
            email=email,
            mobile=mobile_e164,
            first_name=first_name,
            last_name=last_name,
            hashed=hashed,
            status=status,
            trial_credits=trial_credits,
            is_system=is_system,
            api_id=api_id,
        )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # Someone took the username or the address between the check and the insert.
        async with database().reading() as tx:
            _refuse_taken(await account_taken(tx, username=username, email=email))
        raise ConflictError(USERNAME_TAKEN, field="username") from exc


def _refuse_taken(taken: dict[str, str]) -> None:
    for field, message in taken.items():
        raise ConflictError(message, field=field)


async def _account_insert(
    *,
    username: str,
    email: str,
    mobile: str,
    first_name: str,
    last_name: str,
    hashed: str | None,
    status: str,
    trial_credits: Decimal | str | None,
    is_system: bool,
    api_id: str,
) -> AccountCreated:
    async with database().transaction() as tx:
        taken = await account_taken(tx, username=username, email="" if is_system else email)
        if is_system and taken.get("username") == USERNAME_RESERVED:
            del taken["username"]  # the platform's own account may have its reserved name
        _refuse_taken(taken)
        now = utcnow()
        row = await tx.fetchrow(
            "INSERT INTO account (username, username_key, email, mobile, first_name, last_name,"
            " balance, status, is_system, api_id, password_hash, locale, timezone, activated_at,"
            " created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, 'it', 'Europe/Rome',"
            " $11, $12) RETURNING id",
            username,
            username.lower(),
            email,
            mobile,
            first_name.strip(),
            last_name.strip(),
            status,
            is_system,
            api_id,
            hashed,
            now if status == "active" else None,
            now,
        )
        assert row is not None
        account_id = int(row["id"])
        balance = 0
        if trial_credits is not None and to_units(trial_credits) > 0:
            balance = await balance_change(
                tx,
                account_id=account_id,
                amount=to_units(trial_credits),
                kind=LedgerKind.TRIAL,
                reason="Crediti di prova",
            )
    return AccountCreated(id=account_id, username=username, api_id=api_id, balance_units=balance)


async def operator_ensure(*, username: str, name: str = "") -> int:
    """The id of a support operator, created on first use (the TUI runs as the OS user)."""
    async with database().transaction() as tx:
        existing = await tx.fetchval("SELECT id FROM operator WHERE username = $1", username)
        if existing is not None:
            return int(existing)
        row = await tx.fetchrow(
            "INSERT INTO operator (username, name, role, created_at) VALUES ($1, $2, 'support', $3)"
            " RETURNING id",
            username,
            name or username,
            utcnow(),
        )
        assert row is not None
        return int(row["id"])


async def credits_adjust(
    *, account_id: int, amount: Decimal | str, operator_id: int, reason: str
) -> int:
    """Support adds (positive) or removes (negative) credits; a reason is mandatory."""
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError("Indicare il motivo della variazione di credito", field="reason")
    try:
        units = to_units(amount)
    except ValueError as exc:
        raise ValidationError("Importo non valido", field="amount") from exc
    if units == 0:
        raise ValidationError("L'importo deve essere diverso da zero", field="amount")
    async with database().transaction() as tx:
        balance = await balance_change(
            tx,
            account_id=account_id,
            amount=units,
            kind=LedgerKind.ADJUSTMENT,
            reason=reason,
            operator_id=operator_id,
        )
        await audit_record(
            tx,
            operator_id=operator_id,
            account_id=account_id,
            action="credits_added" if units > 0 else "credits_removed",
            reason=reason,
            details=format_credits(abs(units)),
        )
        return balance


async def account_id_by_username(username: str) -> int:
    value = await database().fetchval(
        "SELECT id FROM account WHERE username_key = $1", username.strip().lower()
    )
    if value is None:
        raise NotFoundError(f"Account {username!r} inesistente", field="username")
    return int(value)
