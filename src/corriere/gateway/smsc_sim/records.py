"""In-memory record of what the simulator accepted, so a person (or a test) can look at it.

Parts are stored raw and decoded lazily: decoding costs nothing on the hot path, and
concatenated parts are joined *before* decoding (a GSM-7 escape or a UTF-16 surrogate
pair may straddle two parts).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from corriere.gateway.smpp_pdu import ConcatInfo
from corriere.gateway.smsc_sim.alphabet import DefaultAlphabet, decode_text
from corriere.gateway.smsc_sim.config import normalize_number

Direction = Literal["mt", "mo"]
# Outcome of an accepted MT part ("delivered", "undeliverable", "expired"); "sent" for MO.
Outcome = str

# Parts of one concatenated message further apart than this are not joined (refs are
# only 8 bits, so the same (source, dest, ref) comes back sooner or later).
CONCAT_WINDOW_S = 600.0


def iso_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


@dataclass(slots=True)
class PartRecord:
    """One accepted submit_sm (direction "mt") or one injected MO (direction "mo")."""

    at: float
    direction: Direction
    system_id: str
    source: str
    destination: str
    data_coding: int
    esm_class: int
    udh: bytes
    concat: ConcatInfo | None
    payload: bytes  # encoded text, UDH stripped
    message_id: str | None
    outcome: Outcome
    default_alphabet: DefaultAlphabet = "gsm7"

    @property
    def text(self) -> str:
        return decode_text(self.payload, self.data_coding, self.default_alphabet)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso_time(self.at),
            "direction": self.direction,
            "system_id": self.system_id,
            "source": self.source,
            "destination": self.destination,
            "data_coding": self.data_coding,
            "esm_class": self.esm_class,
            "udh": self.udh.hex(),
            "concat": (
                {"ref": self.concat.ref, "total": self.concat.total, "seq": self.concat.seq}
                if self.concat
                else None
            ),
            "text": self.text,
            "message_id": self.message_id,
            "outcome": self.outcome,
        }


@dataclass(slots=True)
class Message:
    """A whole message: a single part, or concatenated parts joined in order."""

    direction: Direction
    system_id: str
    source: str
    destination: str
    data_coding: int
    text: str
    first_at: float
    last_at: float
    parts: list[PartRecord]
    total_parts: int
    concat_ref: int | None

    @property
    def complete(self) -> bool:
        return len(self.parts) >= self.total_parts

    @property
    def message_ids(self) -> list[str]:
        return [p.message_id for p in self.parts if p.message_id is not None]

    @property
    def outcome(self) -> Outcome:
        outcomes = {p.outcome for p in self.parts}
        return outcomes.pop() if len(outcomes) == 1 else "mixed"

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "system_id": self.system_id,
            "source": self.source,
            "destination": self.destination,
            "data_coding": self.data_coding,
            "text": self.text,
            "first_at": iso_time(self.first_at),
            "last_at": iso_time(self.last_at),
            "parts": len(self.parts),
            "total_parts": self.total_parts,
            "complete": self.complete,
            "concat_ref": self.concat_ref,
            "message_ids": self.message_ids,
            "outcome": self.outcome,
        }


@dataclass(slots=True)
class PhoneSummary:
    number: str
    parts: int = 0
    messages: int = 0
    last_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "parts": self.parts,
            "messages": self.messages,
            "last_at": iso_time(self.last_at),
        }


@dataclass(slots=True)
class _Group:
    key: tuple[str, str, int, int]
    parts: dict[int, PartRecord] = field(default_factory=dict)
    oldest: float = 0.0


class MessageLog:
    """Bounded log of parts plus per-destination counters (counters are since start)."""

    def __init__(self, max_records: int = 100_000) -> None:
        self.records: deque[PartRecord] = deque(maxlen=max_records)
        self.phones: dict[str, PhoneSummary] = {}

    def clear(self) -> None:
        """Forget every record (between test cases, or from a demo reset)."""
        self.records.clear()
        self.phones.clear()

    def add(self, record: PartRecord) -> None:
        self.records.append(record)
        if record.direction != "mt":
            return
        number = normalize_number(record.destination)
        phone = self.phones.get(number)
        if phone is None:
            phone = self.phones[number] = PhoneSummary(number)
        phone.parts += 1
        # A concatenated message is counted once, on its first segment.
        if record.concat is None or record.concat.seq == 1:
            phone.messages += 1
        phone.last_at = record.at

    def phone_list(self) -> list[PhoneSummary]:
        return sorted(self.phones.values(), key=lambda p: p.last_at, reverse=True)

    def messages_for(self, number: str) -> list[Message]:
        """Messages sent to `number` (MT) and received from it (MO), newest first."""
        wanted = normalize_number(number)
        matching = [
            r
            for r in reversed(self.records)
            if normalize_number(r.destination if r.direction == "mt" else r.source) == wanted
        ]
        return assemble(matching)


def assemble(records_newest_first: list[PartRecord]) -> list[Message]:
    """Join concatenated parts by (source, destination, ref, total); keep the order."""
    slots: list[PartRecord | _Group] = []
    open_groups: dict[tuple[str, str, int, int], _Group] = {}
    for record in records_newest_first:
        info = record.concat
        if info is None:
            slots.append(record)
            continue
        key = (record.source, record.destination, info.ref, info.total)
        group = open_groups.get(key)
        if group is None or info.seq in group.parts or group.oldest - record.at > CONCAT_WINDOW_S:
            group = open_groups[key] = _Group(key, oldest=record.at)
            slots.append(group)
        group.parts[info.seq] = record
        group.oldest = record.at
    return [_single(s) if isinstance(s, PartRecord) else _joined(s) for s in slots]


def _single(record: PartRecord) -> Message:
    return Message(
        direction=record.direction,
        system_id=record.system_id,
        source=record.source,
        destination=record.destination,
        data_coding=record.data_coding,
        text=record.text,
        first_at=record.at,
        last_at=record.at,
        parts=[record],
        total_parts=1,
        concat_ref=None,
    )


def _joined(group: _Group) -> Message:
    parts = [group.parts[seq] for seq in sorted(group.parts)]
    first = parts[0]
    payload = b"".join(p.payload for p in parts)
    _, _, ref, total = group.key
    return Message(
        direction=first.direction,
        system_id=first.system_id,
        source=first.source,
        destination=first.destination,
        data_coding=first.data_coding,
        text=decode_text(payload, first.data_coding, first.default_alphabet),
        first_at=min(p.at for p in parts),
        last_at=max(p.at for p in parts),
        parts=parts,
        total_parts=total,
        concat_ref=ref,
    )
