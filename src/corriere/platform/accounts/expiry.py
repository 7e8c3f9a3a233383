"""Accounts never activated expire: after `pending_account_days` a sign-up nobody finished is
deleted, so nobody holds a username or an e-mail address by starting a registration and leaving
it there.

A pending account cannot sign in, so it has no campaigns, contacts or credit: only its activation
code, perhaps a password-reset link, failed sign-ins, mail and support's notes. An account with
any ledger entry or campaign (support gave it credit, say) is left alone: money never vanishes
with a cleanup. Each deletion leaves an audit line, and support's earlier lines about the account
stay (without the account they pointed to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from corriere.platform.audit.services import audit_record
from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import Tx, database

ACTION = "pending_account_deleted"
BATCH = 500  # accounts per transaction: a backlog is worked through by the next runs


@dataclass(frozen=True, slots=True)
class ExpiredAccount:
    id: int
    username: str
    email: str
    created_at: datetime


async def _expired(tx: Tx, *, before: datetime, limit: int) -> list[ExpiredAccount]:
    # PostgreSQL: lock them, so an activation at this very moment either finishes first (and
    # the account, no longer pending, is skipped) or waits and finds it gone.
    lock = " FOR UPDATE" if tx.kind == "postgres" else ""
    rows = await tx.fetch(
        "SELECT a.id, a.username, a.email, a.created_at FROM account a"
        " WHERE a.status = 'pending' AND a.is_system = false AND a.created_at < $1"
        " AND NOT EXISTS (SELECT 1 FROM ledger_entry l WHERE l.account = a.id)"
        " AND NOT EXISTS (SELECT 1 FROM ledger_entry l WHERE l.counterparty = a.id)"
        " AND NOT EXISTS (SELECT 1 FROM campaign c WHERE c.account = a.id)"
        f" ORDER BY a.created_at LIMIT $2{lock}",
        before,
        limit,
    )
    return [
        ExpiredAccount(int(r["id"]), r["username"], r["email"], as_utc(r["created_at"]))
        for r in rows
    ]


async def accounts_pending_delete(
    *, days: int, now: datetime | None = None, limit: int = BATCH
) -> list[ExpiredAccount]:
    """Delete the accounts still pending `days` after their sign-up (at most `limit` of them),
    with what refers to them; returns them. `days` below 1: nothing expires."""
    if days < 1:
        return []
    now = now or utcnow()
    async with database().transaction() as tx:
        expired = await _expired(tx, before=now - timedelta(days=days), limit=limit)
        if not expired:
            return []
        ids = tx.ids([a.id for a in expired])
        where = f"account {tx.in_ids('$1')}"
        for table in ("activation_code", "password_reset", "app_password", "login_event"):
            await tx.execute(f"DELETE FROM {table} WHERE {where}", ids)
        # Support's notes and the mail sent outlive the account (their keys would cascade or
        # be emptied anyway; done here so it does not depend on each key's rule).
        await tx.execute(f"UPDATE audit_log SET account = NULL WHERE {where}", ids)
        await tx.execute(f"UPDATE mail_outbox SET account = NULL WHERE {where}", ids)
        # Anything else (none expected for an account that never signed in) follows the
        # foreign keys' own ON DELETE.
        await tx.execute(f"DELETE FROM account WHERE id {tx.in_ids('$1')}", ids)
        for account in expired:
            await audit_record(
                tx,
                operator_id=None,
                account_id=None,
                action=ACTION,
                reason=f"Account mai attivato entro {days} giorni dalla registrazione",
                details=f"{account.username} <{account.email}>, registrato il"
                f" {account.created_at:%Y-%m-%d %H:%M} UTC",
            )
    return expired
