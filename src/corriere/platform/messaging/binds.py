"""Bind status as the gateway last reported it, for the support console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from corriere.platform.clock import as_utc, utcnow
from corriere.platform.db import database
from corriere.platform.messaging.ports import BindStatus


@dataclass(frozen=True, slots=True)
class BindRow:
    route: str
    owner: str
    state: str
    submitted: int
    receipts: int
    errors: int
    last_error: str
    updated_at: datetime

    @property
    def stale(self) -> bool:
        return (utcnow() - self.updated_at).total_seconds() > 30


async def binds_report(*, owner: str, statuses: list[BindStatus]) -> None:
    now = utcnow()
    async with database().transaction() as tx:
        for s in statuses:
            await tx.execute("DELETE FROM gateway_bind WHERE route = $1", s.route)
            await tx.execute(
                "INSERT INTO gateway_bind (route, owner, state, submitted, receipts, errors,"
                " last_error, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                s.route,
                owner,
                s.state,
                s.submitted,
                s.receipts,
                s.errors,
                s.last_error[:200],
                now,
            )


async def binds_list() -> list[BindRow]:
    rows = await database().fetch(
        "SELECT route, owner, state, submitted, receipts, errors, last_error, updated_at"
        " FROM gateway_bind ORDER BY route"
    )
    return [
        BindRow(
            route=r["route"],
            owner=r["owner"],
            state=r["state"],
            submitted=int(r["submitted"]),
            receipts=int(r["receipts"]),
            errors=int(r["errors"]),
            last_error=r["last_error"],
            updated_at=as_utc(r["updated_at"]),
        )
        for r in rows
    ]
