"""Reads about campaigns and messages (always scoped to an account where a customer asks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corriere.platform.clock import as_utc
from corriere.platform.db import database

# The manual's names for the states (ARCHIVIO, TIPI DI STATUS).
STATE_LABELS = {
    "scheduled": "In attesa",
    "queued": "In attesa",
    "submitted": "Spedito",
    "delivered": "Ricevuto",
    "undelivered": "Rifiutato dalla rete",
    "expired": "Scaduto",
    "failed": "Non inviato",
    "cancelled": "Annullato",
}
FINAL_STATES = frozenset({"delivered", "undelivered", "expired", "failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    campaign_id: int
    recipient: str
    state: str
    parts: int
    cost_units: int
    error: str | None
    sms_type: str
    sender: str
    text: str
    created_at: datetime
    done_at: datetime | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def _message(r: dict[str, Any]) -> MessageRow:
    return MessageRow(
        id=int(r["id"]),
        campaign_id=int(r["campaign"]),
        recipient=r["recipient"],
        state=r["state"],
        parts=int(r["parts"]),
        cost_units=int(r["cost"]),
        error=r["error"],
        sms_type=r["sms_type"],
        sender=r["sender"],
        text=r["text"],
        created_at=as_utc(r["created_at"]),
        done_at=as_utc(r["done_at"]) if r["done_at"] else None,
    )


_SELECT = (
    "SELECT m.id, m.campaign, m.recipient, m.state, m.parts, m.cost, m.error, m.done_at,"
    " c.sms_type, c.sender, c.text, c.created_at FROM message m JOIN campaign c ON c.id = m.campaign"
)


async def campaign_messages(
    campaign_id: int, *, account_id: int | None = None, limit: int = 1000
) -> list[MessageRow]:
    sql = _SELECT + " WHERE m.campaign = $1"
    args: list[Any] = [campaign_id]
    if account_id is not None:
        sql += " AND m.account = $2"
        args.append(account_id)
    sql += f" ORDER BY m.id LIMIT {int(limit)}"
    return [_message(r) for r in await database().fetch(sql, *args)]


async def account_messages(account_id: int, *, limit: int = 50) -> list[MessageRow]:
    rows = await database().fetch(
        _SELECT + " WHERE m.account = $1 ORDER BY m.id DESC LIMIT $2", account_id, limit
    )
    return [_message(r) for r in rows]


async def campaign_state_counts(campaign_id: int) -> dict[str, int]:
    rows = await database().fetch(
        "SELECT state, count(*) AS n FROM message WHERE campaign = $1 GROUP BY state", campaign_id
    )
    return {r["state"]: int(r["n"]) for r in rows}


async def state_counts_by_route() -> dict[str, dict[str, int]]:
    """How many messages wait or travel on each route (the support console's queue view)."""
    rows = await database().fetch(
        "SELECT route, state, count(*) AS n FROM message"
        " WHERE state IN ('scheduled', 'queued', 'submitted') GROUP BY route, state"
    )
    result: dict[str, dict[str, int]] = {}
    for r in rows:
        result.setdefault(r["route"], {})[r["state"]] = int(r["n"])
    return result
