"""Read a deliver_sm: a delivery receipt (Appendix B text and/or TLVs) or an inbound SMS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

RECEIPT_ESM_MASK = 0x3C  # SMSC receipt, SME ack, manual ack, intermediate notification
_TEXT = re.compile(
    rb"id:(?P<id>\S+).*?(?:done date:(?P<done>\d{10,12}))?\s*stat:(?P<stat>\w+)"
    rb"(?:\s+err:(?P<err>\w+))?",
    re.IGNORECASE | re.DOTALL,
)
_STAT = {
    "DELIVRD": "delivered",
    "DELIVERED": "delivered",
    "UNDELIV": "undelivered",
    "UNDELIVERABLE": "undelivered",
    "REJECTD": "undelivered",
    "REJECTED": "undelivered",
    "DELETED": "undelivered",
    "UNKNOWN": "undelivered",
    "EXPIRED": "expired",
}
# message_state TLV (0x0427) values; 1 ENROUTE and 6 ACCEPTED are not final.
_MESSAGE_STATE = {
    2: "delivered",
    3: "expired",
    4: "undelivered",
    5: "undelivered",
    7: "undelivered",
    8: "undelivered",
}


@dataclass(frozen=True, slots=True)
class ParsedReceipt:
    smsc_id: str
    state: str | None  # None: an intermediate notification, nothing to record
    error: str | None
    done_at: datetime


def _done_date(raw: bytes | None, now: datetime) -> datetime:
    if not raw:
        return now
    text = raw.decode()
    try:
        fmt = "%y%m%d%H%M%S" if len(text) == 12 else "%y%m%d%H%M"
        return datetime.strptime(text, fmt).replace(tzinfo=UTC)
    except ValueError:
        return now


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.rstrip(b"\x00").decode("latin-1") or None
    return str(value) or None


def parse_receipt(
    *,
    short_message: bytes,
    receipted_message_id: object = None,
    message_state: object = None,
    network_error_code: object = None,
    now: datetime,
) -> ParsedReceipt | None:
    """Whatever the SMSC sent: the TLVs win for the id and the state, the text fills the gaps."""
    match = _TEXT.search(short_message or b"")
    smsc_id = _text(receipted_message_id) or (
        match.group("id").decode("latin-1") if match else None
    )
    if not smsc_id:
        return None
    state: str | None = None
    error: str | None = None
    if message_state is not None:
        state = _MESSAGE_STATE.get(int(message_state))  # type: ignore[call-overload]
    if match:
        if state is None:
            state = _STAT.get(match.group("stat").decode("latin-1").upper())
        err = match.group("err")
        if err and err.strip(b"0"):
            error = "err:" + err.decode("latin-1")
    if error is None and network_error_code and state in ("undelivered", "expired"):
        raw = network_error_code if isinstance(network_error_code, bytes) else b""
        error = "net:" + raw.hex() if raw else None
    if error is None and state == "undelivered":
        error = "stat:UNDELIV"
    return ParsedReceipt(
        smsc_id=smsc_id,
        state=state,
        error=error,
        done_at=_done_date(match.group("done") if match else None, now),
    )
