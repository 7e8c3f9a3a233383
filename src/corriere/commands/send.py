"""`corriere send`: compose a campaign from the shell, optionally wait for its receipts."""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from corriere.jobs.queues import DEFAULT, SaqScheduler, make_queue
from corriere.platform.accounts.services import account_id_by_username
from corriere.platform.errors import ValidationError
from corriere.platform.messaging.queries import FINAL_STATES, campaign_messages
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import RULES, parse_sms_type
from corriere.platform.money import format_credits
from corriere.platform.settings import Settings
from corriere.runtime import open_database, redis_url


def parse_when(value: str, tz: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"Data e ora non valide: {value!r} (formato ISO, es. 2026-12-24T09:30)", field="at"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))


async def send(settings: Settings, args: argparse.Namespace) -> int:
    db = await open_database(settings, run_migrations=True)
    queue = make_queue(redis_url(settings), DEFAULT)
    try:
        sms_type = parse_sms_type(args.type)
        account_id = await account_id_by_username(args.account)
        created = await campaign_create(
            account_id=account_id,
            sms_type=sms_type,
            text=args.text,
            recipients=[r for r in args.to.split(",") if r.strip()],
            sender=args.sender,
            scheduled_at=parse_when(args.at, settings.default_timezone) if args.at else None,
            source="cli",
            route=settings.default_route,
        )
        await queue.connect()
        await SaqScheduler(queue).dispatch_soon()
        print(
            f"campaign {created.id}: {created.recipients} recipients, {RULES[sms_type].label},"
            f" sender {created.sender}"
        )
        print(
            f"parts per message: {created.parts} ({created.encoding}),"
            f" cost: {format_credits(created.cost_units)} credits"
        )
        if created.scheduled_at:
            print(f"scheduled for {created.scheduled_at.isoformat()}")
        for rejected in created.rejected:
            print(f"  rejected {rejected.value!r}: {rejected.reason}")
        if not args.wait:
            return 0
        deadline = time.monotonic() + args.timeout
        while True:
            messages = await campaign_messages(created.id)
            if all(m.state in FINAL_STATES for m in messages) or time.monotonic() > deadline:
                break
            if sms_type.value == "SMART" and all(m.state == "submitted" for m in messages):
                break  # SMART has no delivery report: "Spedito" is final
            await asyncio.sleep(0.2)
        for m in messages:
            suffix = f" ({m.error})" if m.error else ""
            print(f"  {m.recipient}: {m.state} — {m.state_label}{suffix}")
        done = all(m.state in FINAL_STATES or sms_type.value == "SMART" for m in messages)
        if not done:
            print("timed out waiting for the final states")
            return 1
        return 0
    finally:
        await queue.disconnect()
        await db.close()
