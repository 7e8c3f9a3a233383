"""One SMPP transceiver bind, owned by one thread (smpplib's client is not thread-safe).

The thread keeps a window of outstanding submit_sm, honours the route's throughput limit, answers
enquire_link and deliver_sm, sends its own enquire_link when idle, retries throttled submits later
and reconnects with backoff. Results go back to the asyncio loop in batches through `emit`.
"""

from __future__ import annotations

import collections
import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.smpp

from corriere.gateway.smpp.receipts import RECEIPT_ESM_MASK, ParsedReceipt, parse_receipt
from corriere.platform.settings import SmppRoute
from corriere.platform.text.gsm import decode

log = logging.getLogger("corriere.gateway.smpp")

RETRY_STATUSES = frozenset({c.SMPP_ESME_RTHROTTLED, c.SMPP_ESME_RMSGQFUL})
RESPONSE_TIMEOUT_S = 30.0
MAX_BACKOFF_S = 30.0


@dataclass(slots=True)
class SubmitPart:
    key: tuple[int, int]  # (message id, part seq)
    source: str
    source_ton: int
    source_npi: int
    destination: str
    short_message: bytes
    esm_class: int
    data_coding: int
    registered_delivery: int


@dataclass(frozen=True, slots=True)
class SubmitResult:
    key: tuple[int, int]
    smsc_id: str | None
    status: int


@dataclass(frozen=True, slots=True)
class Inbound:
    sender: str
    recipient: str
    text: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Delivered:
    """A deliver_sm to acknowledge with `ack(sequence)` once what it carried is on record."""

    sequence: int
    item: ParsedReceipt | Inbound | None  # None: nothing to record (an intermediate notification)


Event = SubmitResult | Delivered


class SessionStopped(Exception):
    pass


class SmppSession:
    def __init__(self, route: SmppRoute, emit: Callable[[list[Event]], None]) -> None:
        self.route = route
        self._emit = emit
        self._queue: collections.deque[SubmitPart] = collections.deque()
        self._retry: collections.deque[tuple[float, SubmitPart]] = collections.deque()
        self._acks: collections.deque[int] = collections.deque()
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._thread = threading.Thread(target=self._run, name=f"smpp-{route.name}", daemon=True)
        self.state = "down"
        self.since = time.time()
        self.submitted = 0
        self.receipts = 0
        self.errors = 0
        self.last_error = ""
        self._clean = True

    # -- called from the asyncio side -------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def submit(self, parts: list[SubmitPart]) -> None:
        self._queue.extend(parts)
        self._wake()

    def ack(self, sequences: list[int]) -> None:
        """Acknowledge deliver_sm now that they are recorded (thread-safe).

        Until then the SMSC keeps them as undelivered, so a gateway that dies between reading
        a receipt and storing it gets it again on the next bind instead of losing it."""
        self._acks.extend(sequences)
        self._wake()

    def stop(self, timeout: float = 10.0) -> bool:
        """Finish what is in the window, unbind and close; parts not yet sent are dropped.

        Returns True when the thread ended with no submit left unanswered."""
        self._queue.clear()
        self._retry.clear()
        self._stopping.set()
        self._wake()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive() and self._clean

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    # -- the thread ---------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.since = time.time()

    def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            client = smpplib.client.Client(
                self.route.host, self.route.port, timeout=10, allow_unknown_opt_params=True
            )
            outstanding: dict[int, tuple[SubmitPart, float]] = {}
            try:
                self._set_state("connecting")
                client.connect()
                client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                client.bind_transceiver(
                    system_id=self.route.system_id,
                    password=self.route.password,
                    system_type=self.route.system_type or None,
                )
                self._set_state("bound")
                log.info(
                    "route %s bound to %s:%s", self.route.name, self.route.host, self.route.port
                )
                backoff = 1.0
                self._serve(client, outstanding)
                return
            except (
                OSError,
                smpplib.exceptions.ConnectionError,
                smpplib.exceptions.PDUError,
            ) as exc:
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("route %s: %s; reconnecting in %.0fs", self.route.name, exc, backoff)
            finally:
                self._clean = not outstanding
                # Sent but unanswered: the SMSC may or may not have them; send again (at least once).
                for part, _ in sorted(outstanding.values(), key=lambda v: v[1], reverse=True):
                    self._queue.appendleft(part)
                try:
                    client.disconnect()
                except Exception:
                    pass
                self._set_state("down")
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _serve(self, client: Any, outstanding: dict[int, tuple[SubmitPart, float]]) -> None:
        sock = client._socket
        window = max(1, self.route.window)
        tps = self.route.tps
        tokens = float(window)
        last_fill = time.monotonic()
        last_io = last_fill
        throttled_until = 0.0
        enquire_every = self.route.enquire_link_s
        while True:
            now = time.monotonic()
            if self._stopping.is_set() and not outstanding:
                self._send_acks(client)
                self._unbind(client)
                return
            events: list[Event] = []
            while self._retry and self._retry[0][0] <= now:
                self._queue.appendleft(self._retry.popleft()[1])
            if tps > 0:
                tokens = min(float(max(tps, window)), tokens + (now - last_fill) * tps)
                last_fill = now
            while (
                self._queue
                and len(outstanding) < window
                and now >= throttled_until
                and not self._stopping.is_set()
                and (tps <= 0 or tokens >= 1)
            ):
                part = self._queue.popleft()
                pdu = smpplib.smpp.make_pdu(
                    "submit_sm",
                    client=client,
                    source_addr_ton=part.source_ton,
                    source_addr_npi=part.source_npi,
                    source_addr=part.source,
                    dest_addr_ton=1,
                    dest_addr_npi=1,
                    destination_addr=part.destination,
                    esm_class=part.esm_class,
                    registered_delivery=part.registered_delivery,
                    data_coding=part.data_coding,
                    short_message=part.short_message,
                )
                client.send_pdu(pdu)
                outstanding[pdu.sequence] = (part, now)
                tokens -= 1
                last_io = now
            self._send_acks(client)
            if now - last_io > enquire_every:
                client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
                last_io = now
            if outstanding:
                oldest = min(sent for _, sent in outstanding.values())
                if now - oldest > RESPONSE_TIMEOUT_S:
                    raise smpplib.exceptions.ConnectionError("no response to submit_sm in 30 s")
            can_send = bool(self._queue) and len(outstanding) < window and now >= throttled_until
            if can_send and tps > 0 and tokens < 1:
                wait = (1 - tokens) / tps
            elif can_send:
                wait = 0.0
            elif self._retry:
                wait = max(0.0, min(0.2, self._retry[0][0] - now))
            else:
                wait = 0.2 if not throttled_until > now else max(0.0, throttled_until - now)
            readable, _, _ = select.select([sock, self._wake_r], [], [], wait)
            if self._wake_r in readable:
                try:
                    while self._wake_r.recv(4096):
                        pass
                except BlockingIOError:
                    pass
            if sock in readable:
                # Drain everything that has arrived before going back to sending.
                while True:
                    pdu = client.read_pdu()
                    last_io = time.monotonic()
                    throttled_until = max(
                        throttled_until, self._handle(client, pdu, outstanding, events)
                    )
                    if not select.select([sock], [], [], 0)[0]:
                        break
            if events:
                self._emit(events)

    def _handle(
        self,
        client: Any,
        pdu: Any,
        outstanding: dict[int, tuple[SubmitPart, float]],
        events: list[Event],
    ) -> float:
        """Handle one PDU; returns a time before which no submit should be sent (throttling)."""
        command = pdu.command
        if command == "submit_sm_resp" or (
            command == "generic_nack" and pdu.sequence in outstanding
        ):
            entry = outstanding.pop(pdu.sequence, None)
            if entry is None:
                return 0.0
            part = entry[0]
            status = int(pdu.status)
            if status == c.SMPP_ESME_ROK:
                raw = pdu.message_id
                smsc_id = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
                if self.route.dlr_id == "hex2dec":
                    smsc_id = str(int(smsc_id, 16))
                self.submitted += 1
                events.append(SubmitResult(part.key, smsc_id, 0))
            elif status in RETRY_STATUSES:
                pause = time.monotonic() + 1.0
                self._retry.append((pause, part))
                return pause
            else:
                events.append(SubmitResult(part.key, None, status))
        elif command == "deliver_sm":
            self._deliver(client, pdu, events)
        elif command == "enquire_link":
            resp = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
        elif command == "unbind":
            resp = smpplib.smpp.make_pdu("unbind_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
            raise smpplib.exceptions.ConnectionError("the SMSC unbound")
        return 0.0

    def _deliver(self, client: Any, pdu: Any, events: list[Event]) -> None:
        now = datetime.now(UTC)
        short_message = pdu.short_message or b""
        esm_class = int(pdu.esm_class or 0)
        if esm_class & RECEIPT_ESM_MASK:
            receipt = parse_receipt(
                short_message=short_message,
                receipted_message_id=getattr(pdu, "receipted_message_id", None),
                message_state=getattr(pdu, "message_state", None),
                network_error_code=getattr(pdu, "network_error_code", None),
                now=now,
            )
            item: ParsedReceipt | Inbound | None = None
            if receipt is not None and receipt.state is not None:
                if self.route.dlr_id == "hex2dec" and not receipt.smsc_id.isdigit():
                    receipt = ParsedReceipt(
                        str(int(receipt.smsc_id, 16)), receipt.state, receipt.error, receipt.done_at
                    )
                self.receipts += 1
                item = receipt
            events.append(Delivered(pdu.sequence, item))
        else:
            payload = short_message or (getattr(pdu, "message_payload", None) or b"")
            if esm_class & 0x40 and payload:
                payload = payload[1 + payload[0] :]  # drop the UDH
            try:
                text = decode(payload, int(pdu.data_coding or 0))
            except ValueError:
                text = payload.decode("latin-1")
            inbound = Inbound(
                sender=_addr(pdu.source_addr),
                recipient=_addr(pdu.destination_addr),
                text=text,
                received_at=now,
            )
            events.append(Delivered(pdu.sequence, inbound))

    def _send_acks(self, client: Any) -> None:
        while self._acks:
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=client)
            resp.sequence = self._acks.popleft()
            client.send_pdu(resp)

    def _unbind(self, client: Any) -> None:
        # unbind() may hand back a deliver_sm instead of unbind_resp: read until it comes or time out.
        try:
            client.send_pdu(smpplib.smpp.make_pdu("unbind", client=client))
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                if not select.select([client._socket], [], [], 0.2)[0]:
                    continue
                pdu = client.read_pdu()
                if pdu.command == "unbind_resp":
                    break
        except Exception:
            pass


def _addr(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value or "")
