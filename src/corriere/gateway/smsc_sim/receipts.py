"""Delivery outcomes and the deliver_sm bodies of their receipts."""

from __future__ import annotations

import time
from dataclasses import dataclass

from corriere.gateway.smpp_pdu import (
    ESM_DELIVERY_RECEIPT,
    STATE_DELIVERED,
    STATE_EXPIRED,
    STATE_REJECTED,
    STATE_UNDELIVERABLE,
    TAG_MESSAGE_STATE,
    TAG_RECEIPTED_MESSAGE_ID,
    ShortMessage,
    encode_cstring,
    format_receipt_text,
)
from corriere.gateway.smsc_sim.config import ReceiptStyle


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str  # as recorded: "delivered", "undeliverable", ...
    stat: str  # receipt text `stat:`
    state: int  # message_state TLV
    err: str  # receipt text `err:`
    delivered: int  # receipt text `dlvrd:`

    @property
    def failed(self) -> bool:
        return self.state != STATE_DELIVERED


DELIVERED = Outcome("delivered", "DELIVRD", STATE_DELIVERED, "000", 1)
UNDELIVERABLE = Outcome("undeliverable", "UNDELIV", STATE_UNDELIVERABLE, "001", 0)
EXPIRED = Outcome("expired", "EXPIRED", STATE_EXPIRED, "000", 0)
REJECTED = Outcome("rejected", "REJECTD", STATE_REJECTED, "000", 0)


class _MinuteClock:
    """YYMMDDhhmm for a timestamp, cached: strftime per receipt would be wasteful."""

    __slots__ = ("_minute", "_text")

    def __init__(self) -> None:
        self._minute = -1
        self._text = ""

    def format(self, ts: float) -> str:
        minute = int(ts // 60)
        if minute != self._minute:
            self._minute = minute
            self._text = time.strftime("%y%m%d%H%M", time.gmtime(ts))
        return self._text


class ReceiptBuilder:
    """Builds receipt deliver_sm bodies; dates are UTC."""

    def __init__(self) -> None:
        self._submit_clock = _MinuteClock()
        self._done_clock = _MinuteClock()

    def build(
        self,
        original: ShortMessage,
        message_id: str,
        outcome: Outcome,
        submitted_at: float,
        done_at: float,
        text: str,
        style: ReceiptStyle,
    ) -> bytes:
        # A receipt travels back: from the handset to the original sender.
        receipt = ShortMessage(
            source_addr=original.destination_addr,
            source_addr_ton=original.dest_addr_ton,
            source_addr_npi=original.dest_addr_npi,
            destination_addr=original.source_addr,
            dest_addr_ton=original.source_addr_ton,
            dest_addr_npi=original.source_addr_npi,
            esm_class=ESM_DELIVERY_RECEIPT,
        )
        if style != "tlv":
            receipt.short_message = format_receipt_text(
                message_id,
                self._submit_clock.format(submitted_at),
                self._done_clock.format(done_at),
                outcome.stat,
                outcome.err,
                text,
                delivered=outcome.delivered,
            )
        if style != "text":
            receipt.tlvs = {
                TAG_RECEIPTED_MESSAGE_ID: encode_cstring(message_id),
                TAG_MESSAGE_STATE: bytes((outcome.state,)),
            }
        return receipt.encode()
