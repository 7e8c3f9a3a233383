"""Counters of the SMSC simulator (plain ints: incremented on the hot path)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(slots=True)
class SimStats:
    binds: int = 0
    bind_failures: int = 0
    submits_received: int = 0
    submits_accepted: int = 0
    submits_rejected: int = 0
    submits_throttled: int = 0
    receipts_sent: int = 0
    receipts_acked: int = 0
    receipts_queued: int = 0  # waiting for a receiver of that system_id to bind
    mo_sent: int = 0
    mo_acked: int = 0
    enquire_links: int = 0
    generic_nacks: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)
