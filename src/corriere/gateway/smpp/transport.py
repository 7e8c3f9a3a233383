"""The SMPP adapter of the `SmsTransport` port: builds the parts, hands them to the bind's thread
and turns what comes back into the platform's outcomes, receipts and inbound messages."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from corriere.gateway.smpp.receipts import ParsedReceipt
from corriere.gateway.smpp.session import (
    Event,
    Inbound,
    SmppSession,
    SubmitPart,
    SubmitResult,
)
from corriere.platform.messaging.delivery import InboundIn, MessageOutcome, PartOutcome, ReceiptIn
from corriere.platform.messaging.dispatch import OutboundMessage
from corriere.platform.messaging.ports import BindStatus, TransportEvents
from corriere.platform.settings import SmppRoute
from corriere.platform.text.gsm import analyse, split, udh_concat


@dataclass(slots=True)
class _Pending:
    message_id: int
    expected: int
    on_outcome: Callable[[MessageOutcome], None]
    done: asyncio.Future[None]
    results: list[PartOutcome] = field(default_factory=list)


def message_parts(message: OutboundMessage) -> list[SubmitPart]:
    """The submit_sm payloads of a message: UDH-concatenated when it needs more than one part."""
    info = analyse(message.text)
    segments = split(message.text)
    total = len(segments)
    ref = random.randint(0, 255)
    alpha = not message.sender.lstrip("+").isdigit()
    parts = []
    for seq, payload in enumerate(segments, start=1):
        if seq in message.done_seqs:
            continue
        parts.append(
            SubmitPart(
                key=(message.id, seq),
                source=message.sender,
                source_ton=5 if alpha else 1,
                source_npi=0 if alpha else 1,
                destination=message.recipient.lstrip("+"),
                short_message=(udh_concat(ref, total, seq) + payload) if total > 1 else payload,
                esm_class=0x40 if total > 1 else 0,
                data_coding=info.encoding.data_coding,
                registered_delivery=1 if message.delivery_report else 0,
            )
        )
    return parts


class SmppTransport:
    def __init__(self, route: SmppRoute) -> None:
        self.route = route.name
        self._config = route
        self._pending: dict[int, _Pending] = {}
        self._session: SmppSession | None = None
        self._events: TransportEvents | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, events: TransportEvents) -> None:
        self._events = events
        self._loop = asyncio.get_running_loop()
        self._session = SmppSession(self._config, self._emit_threadsafe)
        self._session.start()

    async def stop(self) -> bool:
        """Stop the bind; True when every submit sent had its answer (nothing left in doubt)."""
        if self._session is None:
            return True
        return await asyncio.to_thread(self._session.stop)

    def status(self) -> BindStatus:
        s = self._session
        if s is None:
            return BindStatus(self.route, "down", 0.0, 0, 0, 0, "")
        return BindStatus(
            self.route, s.state, s.since, s.submitted, s.receipts, s.errors, s.last_error
        )

    async def submit(
        self, messages: Sequence[OutboundMessage], on_outcome: Callable[[MessageOutcome], None]
    ) -> None:
        assert self._session is not None and self._loop is not None, "transport not started"
        waits = []
        parts: list[SubmitPart] = []
        for message in messages:
            message_parts_ = message_parts(message)
            if not message_parts_:
                on_outcome(MessageOutcome(message.id, self.route, ()))
                continue
            pending = _Pending(
                message.id, len(message_parts_), on_outcome, self._loop.create_future()
            )
            self._pending[message.id] = pending
            waits.append(pending.done)
            parts.extend(message_parts_)
        self._session.submit(parts)
        await asyncio.gather(*waits)

    def _emit_threadsafe(self, events: list[Event]) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._dispatch, events)

    def _dispatch(self, events: list[Event]) -> None:
        assert self._events is not None and self._session is not None
        session = self._session
        for event in events:
            if isinstance(event, SubmitResult):
                self._result(event)
                continue
            item = event.item
            ack = functools.partial(session.ack, [event.sequence])
            if isinstance(item, ParsedReceipt):
                assert item.state is not None
                self._events.receipt(
                    ReceiptIn(self.route, item.smsc_id, item.state, item.error, item.done_at), ack
                )
            elif isinstance(item, Inbound):
                self._events.inbound(
                    InboundIn(self.route, item.sender, item.recipient, item.text, item.received_at),
                    ack,
                )
            else:
                ack()

    def _result(self, result: SubmitResult) -> None:
        message_id, seq = result.key
        pending = self._pending.get(message_id)
        if pending is None:
            return
        error = None if result.status == 0 else f"smpp:0x{result.status:02X}"
        pending.results.append(PartOutcome(seq=seq, smsc_id=result.smsc_id, error=error))
        if len(pending.results) >= pending.expected:
            del self._pending[message_id]
            pending.on_outcome(
                MessageOutcome(
                    message_id, self.route, tuple(sorted(pending.results, key=lambda p: p.seq))
                )
            )
            if not pending.done.done():
                pending.done.set_result(None)
