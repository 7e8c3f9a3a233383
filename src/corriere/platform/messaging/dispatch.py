"""Release due messages to the gateway under a lease, and take back what a dead gateway left.

A released batch carries a one-time token in `lease_owner`; the gateway claims the batch by that
token, so a batch released twice (after a lease expired) can only ever be claimed once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.messaging.sms_types import RULES, SmsType


@dataclass(frozen=True, slots=True)
class ReleasedBatch:
    route: str
    token: str
    size: int


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    id: int
    recipient: str
    sender: str
    text: str
    sms_type: SmsType
    parts: int
    attempt: int
    delivery_report: bool
    done_seqs: frozenset[int]


async def messages_in_flight(route: str) -> int:
    return int(
        await database().fetchval(
            "SELECT count(*) FROM message WHERE state = 'queued' AND route = $1", route
        )
    )


async def messages_release(
    *,
    route: str,
    limit: int,
    batch_size: int,
    lease_seconds: int,
    now: datetime | None = None,
) -> list[ReleasedBatch]:
    """Mark up to `limit` due messages queued, in batches of `batch_size`, each with a token."""
    now = now or utcnow()
    db = database()
    skip_locked = " FOR UPDATE SKIP LOCKED" if db.kind == "postgres" else ""
    batches: list[ReleasedBatch] = []
    while limit > 0:
        token = "r:" + secrets.token_hex(8)
        async with db.transaction() as tx:
            count = await tx.execute(
                "UPDATE message SET state = 'queued', attempt = attempt + 1,"
                " lease_until = $1, lease_owner = $2"
                " WHERE id IN (SELECT id FROM message WHERE state = 'scheduled' AND route = $3"
                f" AND due_at <= $4 ORDER BY due_at, id LIMIT $5{skip_locked})",
                now + timedelta(seconds=lease_seconds),
                token,
                route,
                now,
                min(batch_size, limit),
            )
        if count == 0:
            break
        batches.append(ReleasedBatch(route=route, token=token, size=count))
        limit -= count
        if count < batch_size:
            break
    return batches


async def messages_claim(
    *, token: str, owner: str, lease_seconds: int, now: datetime | None = None
) -> list[OutboundMessage]:
    """Take a released batch for submission; empty if its lease expired and it went back."""
    now = now or utcnow()
    async with database().transaction() as tx:
        rows = await tx.fetch(
            "UPDATE message SET lease_owner = $1, lease_until = $2"
            " WHERE lease_owner = $3 AND state = 'queued'"
            " RETURNING id, campaign, recipient, parts, attempt",
            owner,
            now + timedelta(seconds=lease_seconds),
            token,
        )
        if not rows:
            return []
        campaign_ids = sorted({int(r["campaign"]) for r in rows})
        campaigns = {
            int(c["id"]): c
            for c in await tx.fetch(
                "SELECT id, sms_type, sender, text FROM campaign WHERE id " + tx.in_ids("$1"),
                tx.ids(campaign_ids),
            )
        }
        retried = [int(r["id"]) for r in rows if int(r["attempt"]) > 1]
        done: dict[int, set[int]] = {}
        if retried:
            for part in await tx.fetch(
                "SELECT message, seq FROM message_part WHERE message " + tx.in_ids("$1"),
                tx.ids(retried),
            ):
                done.setdefault(int(part["message"]), set()).add(int(part["seq"]))
    result = []
    for r in sorted(rows, key=lambda r: int(r["id"])):
        campaign = campaigns[int(r["campaign"])]
        sms_type = SmsType(campaign["sms_type"])
        result.append(
            OutboundMessage(
                id=int(r["id"]),
                recipient=r["recipient"],
                sender=campaign["sender"],
                text=campaign["text"],
                sms_type=sms_type,
                parts=int(r["parts"]),
                attempt=int(r["attempt"]),
                delivery_report=RULES[sms_type].delivery_report,
                done_seqs=frozenset(done.get(int(r["id"]), ())),
            )
        )
    return result


async def messages_lease_extend(*, owner: str, lease_seconds: int) -> int:
    """Keep the gateway's claimed messages leased while it is alive and working on them."""
    async with database().transaction() as tx:
        return await tx.execute(
            "UPDATE message SET lease_until = $1 WHERE lease_owner = $2 AND state = 'queued'",
            utcnow() + timedelta(seconds=lease_seconds),
            owner,
        )


async def messages_release_owned(*, owner: str) -> int:
    """A gateway stopping cleanly hands back what it claimed but never sent."""
    async with database().transaction() as tx:
        return await tx.execute(
            "UPDATE message SET state = 'scheduled', lease_owner = NULL, lease_until = NULL"
            " WHERE state = 'queued' AND lease_owner = $1",
            owner,
        )


async def messages_reclaim_expired(*, now: datetime | None = None) -> int:
    """Messages whose lease ran out (their gateway died) go back to be dispatched again."""
    async with database().transaction() as tx:
        return await tx.execute(
            "UPDATE message SET state = 'scheduled', lease_owner = NULL, lease_until = NULL"
            " WHERE state = 'queued' AND lease_until < $1",
            now or utcnow(),
        )


async def routes_with_due_messages(*, now: datetime | None = None) -> list[str]:
    rows = await database().fetch(
        "SELECT DISTINCT route FROM message WHERE state = 'scheduled' AND due_at <= $1",
        now or utcnow(),
    )
    return [r["route"] for r in rows]
