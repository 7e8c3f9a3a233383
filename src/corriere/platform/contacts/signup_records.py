"""ISCRIZIONE VIA WEB, what was recorded: where a form may be filled in (the known sources), and
each contact's subscriptions and unsubscriptions with their evidence (when, from which address,
through which way of showing the page, the exact consent text shown), for the owner's contact
page and for support's number lookup.

The `signup` rows name their account and contact: queries go through the account's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corriere.platform.clock import as_utc
from corriere.platform.db import Tx, database

# How the visitor reached the form: the page's own address, the owner's iframe snippet, or the
# owner's script snippet (which inserts an iframe). Anything else posted is not believed.
SOURCES = ("page", "iframe", "script")
DEFAULT_SOURCE = "page"
RECORDS_SHOWN = 20

_COLUMNS = (
    "s.contact, s.action, s.groups, s.ip, s.source, s.user_agent, s.consent_text, s.created_at"
)


def signup_source(value: object) -> str:
    """One of `SOURCES`: what the form says if it is one of them, else the default."""
    text = value.strip().lower() if isinstance(value, str) else ""
    return text if text in SOURCES else DEFAULT_SOURCE


@dataclass(frozen=True, slots=True)
class SignupRecord:
    """One subscription or unsubscription through the public page, as recorded."""

    action: str  # subscribe / unsubscribe
    groups: str  # the groups' names at the time, comma separated
    ip: str
    source: str  # one of SOURCES (older records: "direct" or the embedding page's address)
    user_agent: str
    consent_text: str  # "" for an unsubscription
    created_at: datetime


def _record(r: dict[str, Any]) -> SignupRecord:
    return SignupRecord(
        action=r["action"],
        groups=r["groups"],
        ip=r["ip"],
        source=r["source"],
        user_agent=r["user_agent"],
        consent_text=r["consent_text"],
        created_at=as_utc(r["created_at"]),
    )


async def signup_records(
    account_id: int, contact_id: int, *, limit: int = RECORDS_SHOWN
) -> list[SignupRecord]:
    """The contact's sign-up history, newest first."""
    rows = await database().fetch(
        f"SELECT {_COLUMNS} FROM signup s WHERE s.account = $1 AND s.contact = $2"
        f" ORDER BY s.created_at DESC, s.id DESC LIMIT {int(limit)}",
        account_id,
        contact_id,
    )
    return [_record(r) for r in rows]


async def latest_subscriptions(
    tx: Tx, owners: Sequence[tuple[int, int]]
) -> dict[int, SignupRecord]:
    """Contact id → its latest subscription, for (account id, contact id) pairs."""
    if not owners:
        return {}
    rows = await tx.fetch(
        f"SELECT {_COLUMNS} FROM signup s WHERE s.account {tx.in_ids('$1')}"
        f" AND s.contact {tx.in_ids('$2')} AND s.action = 'subscribe'"
        " ORDER BY s.created_at, s.id",
        tx.ids(sorted({a for a, _ in owners})),
        tx.ids(sorted({c for _, c in owners})),
    )
    return {int(r["contact"]): _record(r) for r in rows}  # the last one of each wins
