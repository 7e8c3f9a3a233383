"""Write what the gateway hears in batches: one transaction per flush instead of one per PDU.

Outcomes are written before receipts in each flush so a receipt can match a part recorded in the
same flush. A failed write keeps its items for the next flush: nothing heard is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from corriere.platform.messaging.delivery import (
    InboundIn,
    MessageOutcome,
    ReceiptIn,
    inbound_record,
    outcomes_record,
    receipts_match_pending,
    receipts_record,
)

log = logging.getLogger("corriere.recorder")


class DeliveryRecorder:
    def __init__(self, *, interval: float = 0.05, max_batch: int = 5000) -> None:
        self.interval = interval
        self.max_batch = max_batch
        self._outcomes: list[tuple[MessageOutcome, asyncio.Future[None]]] = []
        self._receipts: list[ReceiptIn] = []
        self._inbound: list[InboundIn] = []
        self._acks: list[Callable[[], None]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._sweep_every = 2.0

    # TransportEvents
    def receipt(self, receipt: ReceiptIn, ack: Callable[[], None]) -> None:
        self._receipts.append(receipt)
        self._acks.append(ack)
        if len(self._receipts) >= self.max_batch:
            self._wake.set()

    def inbound(self, message: InboundIn, ack: Callable[[], None]) -> None:
        self._inbound.append(message)
        self._acks.append(ack)
        self._wake.set()

    def outcome(self, outcome: MessageOutcome) -> asyncio.Future[None]:
        """Queue an outcome; the future resolves once it is committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append((outcome, future))
        if len(self._outcomes) >= self.max_batch:
            self._wake.set()
        return future

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-recorder")

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        await self.flush()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_sweep = loop.time()
        while not self._closing:
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
                if loop.time() - last_sweep > self._sweep_every:
                    last_sweep = loop.time()
                    await receipts_match_pending()
            except Exception:
                log.exception("recording delivery events failed; retrying")
                await asyncio.sleep(0.5)

    async def flush(self) -> None:
        acks, self._acks = self._acks, []
        try:
            await self._write()
        except BaseException:
            self._acks[:0] = acks
            raise
        for ack in acks:
            ack()

    async def _write(self) -> None:
        if self._outcomes:
            batch, self._outcomes = self._outcomes, []
            try:
                await outcomes_record([o for o, _ in batch])
            except BaseException:
                self._outcomes[:0] = batch
                raise
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
        if self._receipts:
            receipts, self._receipts = self._receipts, []
            try:
                await receipts_record(receipts)
            except BaseException:
                self._receipts[:0] = receipts
                raise
        if self._inbound:
            inbound, self._inbound = self._inbound, []
            try:
                await inbound_record(inbound)
            except BaseException:
                self._inbound[:0] = inbound
                raise

    @property
    def backlog(self) -> int:
        return len(self._outcomes) + len(self._receipts) + len(self._inbound)
