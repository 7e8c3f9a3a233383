"""Record what the SMSC said: submit results, delivery receipts and inbound (MO) messages.

A receipt is stored first and matched to its part by (route, SMSC id). When it arrives before the
submit result that names that id, it waits unmatched and is matched when the part is recorded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from corriere.platform.clock import utcnow
from corriere.platform.credits.ledger import LedgerKind, balance_change
from corriere.platform.db import Tx, database

FINAL_PART_STATES = ("delivered", "undelivered", "expired")


@dataclass(frozen=True, slots=True)
class PartOutcome:
    seq: int
    smsc_id: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    message_id: int
    route: str
    parts: tuple[PartOutcome, ...]
    at: datetime = field(default_factory=utcnow)

    @property
    def failed(self) -> bool:
        return any(p.error for p in self.parts)

    @property
    def error(self) -> str | None:
        return next((p.error for p in self.parts if p.error), None)


@dataclass(frozen=True, slots=True)
class ReceiptIn:
    route: str
    smsc_id: str
    state: str  # delivered / undelivered / expired
    error: str | None
    done_at: datetime


@dataclass(frozen=True, slots=True)
class InboundIn:
    route: str
    sender: str
    recipient: str
    text: str
    received_at: datetime


@dataclass(slots=True)
class RecordStats:
    submitted: int = 0
    failed: int = 0
    refunded_units: int = 0
    receipts_matched: int = 0
    finished: int = 0


PART_COLUMNS = ("message", "seq", "route", "smsc_id", "state", "submitted_at")
RECEIPT_COLUMNS = ("route", "smsc_id", "state", "error", "done_at", "received_at", "matched")


async def outcomes_record(outcomes: list[MessageOutcome]) -> RecordStats:
    stats = RecordStats()
    if not outcomes:
        return stats
    now = utcnow()
    async with database().transaction() as tx:
        parts = [
            (o.message_id, p.seq, o.route, p.smsc_id, "submitted", o.at)
            for o in outcomes
            for p in o.parts
            if p.smsc_id is not None
        ]
        await tx.insert_many("message_part", PART_COLUMNS, parts)
        ok = [o.message_id for o in outcomes if not o.failed]
        if ok:
            stats.submitted = await tx.execute(
                "UPDATE message SET state = 'submitted', submitted_at = $1, lease_owner = NULL,"
                " lease_until = NULL WHERE state = 'queued' AND id " + tx.in_ids("$2"),
                now,
                tx.ids(ok),
            )
        failed = [o for o in outcomes if o.failed]
        if failed:
            await _record_failures(tx, failed, now, stats)
        if parts:
            await _match_receipts(tx, now, stats)
    return stats


async def _record_failures(
    tx: Tx, failed: list[MessageOutcome], now: datetime, stats: RecordStats
) -> None:
    await tx.executemany(
        "UPDATE message SET state = 'failed', error = $1, done_at = $2, lease_owner = NULL,"
        " lease_until = NULL WHERE id = $3 AND state = 'queued'",
        [(o.error, now, o.message_id) for o in failed],
    )
    stats.failed = len(failed)
    # Refund what never left: messages none of whose parts the SMSC accepted.
    unsent = [o.message_id for o in failed if all(p.smsc_id is None for p in o.parts)]
    if not unsent:
        return
    rows = await tx.fetch(
        "SELECT account, campaign, cost FROM message WHERE state = 'failed' AND id "
        + tx.in_ids("$1"),
        tx.ids(unsent),
    )
    refunds: dict[tuple[int, int], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for r in rows:
        key = (int(r["account"]), int(r["campaign"]))
        units, count = refunds[key]
        refunds[key] = (units + int(r["cost"]), count + 1)
    for (account_id, campaign_id), (units, count) in sorted(refunds.items()):
        if units <= 0:
            continue
        await balance_change(
            tx,
            account_id=account_id,
            amount=units,
            kind=LedgerKind.REFUND,
            campaign_id=campaign_id,
            reason=f"Rimborso di {count} SMS rifiutati dall'operatore",
        )
        stats.refunded_units += units


async def receipts_record(receipts: list[ReceiptIn]) -> RecordStats:
    stats = RecordStats()
    if not receipts:
        return stats
    now = utcnow()
    async with database().transaction() as tx:
        await tx.insert_many(
            "receipt",
            RECEIPT_COLUMNS,
            [(r.route, r.smsc_id, r.state, r.error, r.done_at, now, False) for r in receipts],
        )
        await _match_receipts(tx, now, stats)
    return stats


async def receipts_match_pending() -> RecordStats:
    """Match receipts left waiting (e.g. both sides committed at once on PostgreSQL)."""
    stats = RecordStats()
    async with database().transaction() as tx:
        await _match_receipts(tx, utcnow(), stats)
    return stats


async def _match_receipts(tx: Tx, now: datetime, stats: RecordStats) -> None:
    rows = await tx.fetch(
        "UPDATE message_part SET state = r.state, error = r.error, done_at = r.done_at"
        " FROM receipt r WHERE r.matched = false AND r.route = message_part.route"
        " AND r.smsc_id = message_part.smsc_id AND message_part.state = 'submitted'"
        " RETURNING message_part.message"
    )
    if not rows:
        return
    stats.receipts_matched = len(rows)
    await tx.execute(
        "UPDATE receipt SET matched = true WHERE matched = false AND EXISTS (SELECT 1 FROM"
        " message_part p WHERE p.route = receipt.route AND p.smsc_id = receipt.smsc_id)"
    )
    message_ids = sorted({int(r["message"]) for r in rows})
    stats.finished = await tx.execute(
        "UPDATE message SET done_at = $1, state = CASE"
        " WHEN EXISTS (SELECT 1 FROM message_part p WHERE p.message = message.id"
        "  AND p.state = 'undelivered') THEN 'undelivered'"
        " WHEN EXISTS (SELECT 1 FROM message_part p WHERE p.message = message.id"
        "  AND p.state = 'expired') THEN 'expired' ELSE 'delivered' END"
        " WHERE state = 'submitted' AND id " + tx.in_ids("$2") + " AND parts <= (SELECT count(*)"
        " FROM message_part p WHERE p.message = message.id"
        " AND p.state IN ('delivered', 'undelivered', 'expired'))",
        now,
        tx.ids(message_ids),
    )


async def inbound_record(items: list[InboundIn]) -> int:
    if not items:
        return 0
    async with database().transaction() as tx:
        await tx.insert_many(
            "inbound_message",
            ("route", "sender", "recipient", "text", "received_at", "handled"),
            [(i.route, i.sender, i.recipient, i.text, i.received_at, False) for i in items],
        )
    return len(items)
