"""Compose: validate a send order, price it, debit it and store one message per recipient.

Everything happens in one transaction: a campaign is either stored whole and paid for, or not at
all. The caller enqueues dispatch after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from corriere.platform.clock import as_utc, utcnow
from corriere.platform.credits.ledger import LedgerKind, balance_change
from corriere.platform.db import database
from corriere.platform.errors import (
    AccountInactiveError,
    EmptyTextError,
    InvalidCharactersError,
    NotFoundError,
    NoValidRecipientError,
    ScheduleInPastError,
    TextTooLongError,
    TooManyRecipientsError,
)
from corriere.platform.messaging.pricing import message_price_units
from corriere.platform.messaging.senders import sender_resolve
from corriere.platform.messaging.sms_types import RULES, SmsType
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.text.gsm import analyse, check_parts, invalid_chars

MAX_RECIPIENTS = 2_000_000
# A schedule a little in the past is a form submitted slowly, not a mistake.
SCHEDULE_GRACE = timedelta(minutes=2)

MESSAGE_COLUMNS = (
    "campaign",
    "account",
    "recipient",
    "country",
    "parts",
    "cost",
    "route",
    "state",
    "due_at",
    "attempt",
)


@dataclass(frozen=True, slots=True)
class RejectedRecipient:
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class CampaignCreated:
    id: int
    recipients: int
    rejected: tuple[RejectedRecipient, ...]
    parts: int
    encoding: str
    cost_units: int
    sender: str
    scheduled_at: datetime | None
    unicode_chars: tuple[str, ...]


def _recipients(values: Iterable[str]) -> tuple[dict[str, str], list[RejectedRecipient]]:
    valid: dict[str, str] = {}
    rejected: list[RejectedRecipient] = []
    for raw in values:
        try:
            mobile = normalise_mobile(raw)
        except InvalidNumber as exc:
            rejected.append(RejectedRecipient(value=raw, reason=str(exc)))
            continue
        valid.setdefault(mobile.e164, mobile.country)
    return valid, rejected


async def campaign_create(
    *,
    account_id: int,
    sms_type: SmsType,
    text: str,
    recipients: Iterable[str],
    sender: str | None = None,
    scheduled_at: datetime | None = None,
    source: str = "web",
    route: str = "sim",
    now: datetime | None = None,
) -> CampaignCreated:
    rule = RULES[sms_type]
    if not text.strip():
        raise EmptyTextError("Attenzione il messaggio non può essere vuoto!", field="text")
    bad = invalid_chars(text)
    if bad:
        raise InvalidCharactersError(
            "Attenzione! Il messaggio contiene caratteri non inviabili ai cellulari!",
            field="text",
            characters=[f"U+{ord(c):04X}" for c in bad],
        )
    info = analyse(text)
    check = check_parts(text, rule.max_parts)
    if not check.ok:
        raise TextTooLongError(
            f"Testo troppo lungo per un SMS {rule.label}: al massimo {check.max_chars} caratteri"
            f" ({rule.max_parts} SMS), {check.excess_units} di troppo",
            field="text",
            max_chars=check.max_chars,
            excess=check.excess_units,
        )
    resolved_sender = sender_resolve(sms_type, sender)
    now = now or utcnow()
    if scheduled_at is not None:
        scheduled_at = as_utc(scheduled_at)
        if scheduled_at < now - SCHEDULE_GRACE:
            raise ScheduleInPastError(
                "Attenzione, hai inserito una data passata.", field="scheduled_at"
            )
        if scheduled_at <= now:
            scheduled_at = None
    valid, rejected = _recipients(recipients)
    if not valid:
        raise NoValidRecipientError(
            "Devi inserire almeno un numero di telefono valido a cui inviare!",
            field="recipients",
            rejected=[{"value": r.value, "reason": r.reason} for r in rejected[:100]],
        )
    if len(valid) > MAX_RECIPIENTS:
        raise TooManyRecipientsError(
            f"Troppi destinatari in un solo invio (massimo {MAX_RECIPIENTS})", field="recipients"
        )

    parts = info.parts
    prices: dict[str, int] = {}
    due_at = scheduled_at or now
    rows = []
    total = 0
    for e164, country in valid.items():
        cost = prices.get(country)
        if cost is None:
            cost = prices[country] = message_price_units(sms_type, parts, country)
        total += cost
        rows.append([0, account_id, e164, country, parts, cost, route, "scheduled", due_at, 0])

    async with database().transaction() as tx:
        status = await tx.fetchval("SELECT status FROM account WHERE id = $1", account_id)
        if status is None:
            raise NotFoundError("Account inesistente")
        if status != "active":
            raise AccountInactiveError("L'account non è attivo: impossibile inviare SMS")
        campaign_id = int(
            await tx.fetchval(
                "INSERT INTO campaign (account, sms_type, sender, text, encoding, parts, recipients,"
                " cost, route, source, status, scheduled_at, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $12) RETURNING id",
                account_id,
                sms_type.value,
                resolved_sender,
                text,
                info.encoding.value,
                parts,
                len(rows),
                total,
                route,
                source,
                scheduled_at,
                now,
            )
        )
        await balance_change(
            tx,
            account_id=account_id,
            amount=-total,
            kind=LedgerKind.CAMPAIGN_DEBIT,
            campaign_id=campaign_id,
            reason=f"Invio {rule.label} a {len(rows)} destinatari",
        )
        for row in rows:
            row[0] = campaign_id
        await tx.insert_many("message", MESSAGE_COLUMNS, rows)
    return CampaignCreated(
        id=campaign_id,
        recipients=len(rows),
        rejected=tuple(rejected),
        parts=parts,
        encoding=info.encoding.value,
        cost_units=total,
        sender=resolved_sender,
        scheduled_at=scheduled_at,
        unicode_chars=info.unicode_chars,
    )
