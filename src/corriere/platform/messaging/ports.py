"""What the pipeline needs from the outside world; adapters live in `corriere.gateway`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from corriere.platform.messaging.delivery import InboundIn, MessageOutcome, ReceiptIn
from corriere.platform.messaging.dispatch import OutboundMessage


@dataclass(frozen=True, slots=True)
class BindStatus:
    route: str
    state: str  # down / connecting / bound
    since: float  # epoch seconds
    submitted: int
    receipts: int
    errors: int
    last_error: str


Ack = Callable[[], None]


class TransportEvents(Protocol):
    """Where a transport hands what it hears; `ack` is called once it is safely recorded."""

    def receipt(self, receipt: ReceiptIn, ack: Ack) -> None: ...

    def inbound(self, message: InboundIn, ack: Ack) -> None: ...


class SmsTransport(Protocol):
    route: str

    async def start(self, events: TransportEvents) -> None: ...

    async def stop(self) -> bool:
        """True when nothing sent is left without an answer."""
        ...

    def status(self) -> BindStatus: ...

    async def submit(
        self, messages: Sequence[OutboundMessage], on_outcome: Callable[[MessageOutcome], None]
    ) -> None:
        """Submit every part of every message; `on_outcome` is called once per message."""
        ...
