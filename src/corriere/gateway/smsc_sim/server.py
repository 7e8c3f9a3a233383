"""SMSC simulator: a local SMPP 3.4 server for the demo and the test suite.

    async with SmscSimulator(SmscSimConfig(port=0, control_port=None)) as sim:
        ...connect an ESME to 127.0.0.1:sim.port...

Accepted submits get a message id and, when asked for, a delivery receipt after
`receipt_delay_ms`, sent to a receiver/transceiver session bound with the same system_id.
Outcomes are chosen by destination prefix (see `SmscSimConfig`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from types import TracebackType

from corriere.gateway.smpp_pdu import (
    BIND_TRANSCEIVER,
    ESME_RINVDSTADR,
    ESME_RINVPASWD,
    ESME_RINVSYSID,
    ESME_ROK,
    ESME_RTHROTTLED,
    SUBMIT_SM_RESP,
    Bind,
    PduError,
    ShortMessage,
    encode_message_id_resp,
    encode_pdu,
)
from corriere.gateway.smsc_sim.alphabet import decode_text, encode_text
from corriere.gateway.smsc_sim.config import SmscSimConfig, normalize_number
from corriere.gateway.smsc_sim.control import ControlServer
from corriere.gateway.smsc_sim.receipts import (
    DELIVERED,
    EXPIRED,
    UNDELIVERABLE,
    Outcome,
    ReceiptBuilder,
)
from corriere.gateway.smsc_sim.records import Message, MessageLog, PartRecord, PhoneSummary
from corriere.gateway.smsc_sim.session import SmppSession
from corriere.gateway.smsc_sim.stats import SimStats

log = logging.getLogger(__name__)

MAX_QUEUED_RECEIPTS = 10_000  # per system_id, while no receiver is bound


def _address(number: str) -> tuple[str, int, int]:
    """(addr, ton, npi) for an MO address: +E.164 is international, letters alphanumeric."""
    if number.startswith("+"):
        return number[1:], 1, 1
    if number.isdigit():
        return number, 0, 1
    return number, 5, 0


class SmscSimulator:
    def __init__(self, config: SmscSimConfig | None = None) -> None:
        self.config = config or SmscSimConfig()
        self.message_log = MessageLog(self.config.max_records)
        self.counters = SimStats()
        self._server: asyncio.Server | None = None
        self._control: ControlServer | None = None
        self._sessions: set[SmppSession] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._queued: dict[str, deque[bytes]] = {}
        self._throttle_window: deque[float] = deque()
        # Seeded from the clock so ids stay unique across restarts of the simulator too.
        self._next_id = int(time.time()) * 100_000
        self._mo_turn = 0
        self._receipts = ReceiptBuilder()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            return
        self._stopped = False
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(
            self._on_connection, self.config.host, self.config.port, reuse_address=True
        )
        if self.config.control_port is not None:
            self._control = ControlServer(self, self.config.host, self.config.control_port)
            await self._control.start()

    async def stop(self) -> None:
        """Stop listening, unbind every session, wait for them to close."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopped = True  # receipt timers still pending become no-ops
        server.close()
        if self._control is not None:
            await self._control.stop()
            self._control = None
        sessions = list(self._sessions)
        if sessions:
            await asyncio.gather(*(s.unbind_and_close() for s in sessions))
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=2.0)
            for task in pending:
                task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2.0)

    async def __aenter__(self) -> SmscSimulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("simulator not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def control_port(self) -> int | None:
        return self._control.port if self._control is not None else None

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        session = SmppSession(self, reader, writer)
        self._sessions.add(session)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await session.run()

    # --- SessionHost ----------------------------------------------------------------------

    @property
    def smsc_system_id(self) -> str:
        return self.config.smsc_system_id

    def authenticate(self, bind: Bind) -> int:
        credentials = self.config.credentials
        status = ESME_ROK
        if credentials:
            expected = credentials.get(bind.system_id)
            if expected is None:
                status = ESME_RINVSYSID
            elif expected != bind.password:
                status = ESME_RINVPASWD
        if status == ESME_ROK:
            self.counters.binds += 1
        else:
            self.counters.bind_failures += 1
        return status

    def session_bound(self, session: SmppSession) -> None:
        if session.can_receive:
            queued = self._queued.pop(session.system_id, None)
            while queued:
                self.counters.receipts_queued -= 1
                self.counters.receipts_sent += 1
                session.send_deliver_sm(queued.popleft(), is_receipt=True)

    def session_closed(self, session: SmppSession) -> None:
        self._sessions.discard(session)
        pending = session.unacked_receipts()
        if pending and not self._stopped:
            target = self._receiver_for(session.system_id)
            for body in pending:
                if target is not None:
                    target.send_deliver_sm(body, is_receipt=True)
                else:
                    queue = self._queued.setdefault(
                        session.system_id, deque(maxlen=MAX_QUEUED_RECEIPTS)
                    )
                    self.counters.receipts_queued += 1
                    queue.append(body)

    def deliver_sm_acked(self, is_receipt: bool, status: int) -> None:
        if is_receipt:
            self.counters.receipts_acked += 1
        else:
            self.counters.mo_acked += 1

    def count_enquire_link(self) -> None:
        self.counters.enquire_links += 1

    def count_generic_nack(self) -> None:
        self.counters.generic_nacks += 1

    # --- submit_sm ------------------------------------------------------------------------

    def handle_submit(self, session: SmppSession, sequence: int, body: bytes) -> None:
        counters = self.counters
        counters.submits_received += 1
        try:
            sm = ShortMessage.decode(body)
        except PduError as exc:
            counters.submits_rejected += 1
            session.send(encode_pdu(SUBMIT_SM_RESP, sequence, b"", exc.status))
            return
        config = self.config
        if config.throttle_tps and self._throttled(config.throttle_tps):
            counters.submits_throttled += 1
            session.send(encode_pdu(SUBMIT_SM_RESP, sequence, b"", ESME_RTHROTTLED))
            return
        destination = normalize_number(sm.destination_addr)
        if not destination or (
            config.reject_prefixes and destination.startswith(config.reject_prefixes)
        ):
            counters.submits_rejected += 1
            session.send(encode_pdu(SUBMIT_SM_RESP, sequence, b"", ESME_RINVDSTADR))
            return

        counters.submits_accepted += 1
        outcome = DELIVERED
        if config.undeliverable_prefixes and destination.startswith(config.undeliverable_prefixes):
            outcome = UNDELIVERABLE
        elif config.expire_prefixes and destination.startswith(config.expire_prefixes):
            outcome = EXPIRED
        self._next_id += 1
        message_id = (
            f"{self._next_id:x}" if config.message_id_format == "hex" else str(self._next_id)
        )
        now = time.time()
        self.message_log.add(
            PartRecord(
                at=now,
                direction="mt",
                system_id=session.system_id,
                source=sm.source_addr,
                destination=sm.destination_addr,
                data_coding=sm.data_coding,
                esm_class=sm.esm_class,
                udh=sm.udh,
                concat=sm.concat,
                payload=sm.text_payload,
                message_id=message_id,
                outcome=outcome.name,
                default_alphabet=config.default_alphabet,
            )
        )
        resp = encode_pdu(SUBMIT_SM_RESP, sequence, encode_message_id_resp(message_id))
        wanted = sm.registered_delivery & 0x03
        if not (wanted == 1 or (wanted == 2 and outcome.failed)):
            session.send(resp)
            return
        if config.receipt_before_resp_prefixes and destination.startswith(
            config.receipt_before_resp_prefixes
        ):
            self._send_receipt(session, sm, message_id, outcome, now)
            session.send(resp)
            return
        session.send(resp)
        if config.receipt_delay_ms <= 0:
            self._send_receipt(session, sm, message_id, outcome, now)
        else:
            assert self._loop is not None
            self._loop.call_later(
                config.receipt_delay_ms / 1000.0,
                self._send_receipt,
                session,
                sm,
                message_id,
                outcome,
                now,
            )

    def _throttled(self, tps: int) -> bool:
        """Sliding one-second window over the submits that got past the throttle."""
        now = time.monotonic()
        window = self._throttle_window
        cutoff = now - 1.0
        while window and window[0] <= cutoff:
            window.popleft()
        if len(window) >= tps:
            return True
        window.append(now)
        return False

    def _send_receipt(
        self,
        origin: SmppSession,
        sm: ShortMessage,
        message_id: str,
        outcome: Outcome,
        submitted_at: float,
    ) -> None:
        if self._stopped:
            return
        text = decode_text(sm.text_payload[:40], sm.data_coding, self.config.default_alphabet)
        body = self._receipts.build(
            sm, message_id, outcome, submitted_at, time.time(), text, self.config.receipt_style
        )
        target = origin if origin.can_receive else self._receiver_for(origin.system_id)
        if target is None:
            # Nobody to tell yet: keep it for the next receiver of this system_id.
            queue = self._queued.setdefault(origin.system_id, deque(maxlen=MAX_QUEUED_RECEIPTS))
            if len(queue) < MAX_QUEUED_RECEIPTS:
                self.counters.receipts_queued += 1
            queue.append(body)
            return
        self.counters.receipts_sent += 1
        target.send_deliver_sm(body, is_receipt=True)

    def _receiver_for(self, system_id: str | None) -> SmppSession | None:
        receivers = [
            s
            for s in self._sessions
            if s.can_receive and (system_id is None or s.system_id == system_id)
        ]
        if not receivers:
            return None
        # Round robin, so MO traffic spreads over the bound receivers.
        self._mo_turn += 1
        return receivers[self._mo_turn % len(receivers)]

    # --- MO -------------------------------------------------------------------------------

    async def inject_mo(
        self, source: str, dest: str, text: str, *, system_id: str | None = None
    ) -> bool:
        """Send an inbound message to a bound receiver/transceiver (fire and forget).

        Returns False when no receiver is bound (for `system_id`, if given).
        """
        target = self._receiver_for(system_id)
        if target is None:
            return False
        payload, data_coding = encode_text(text, self.config.default_alphabet)
        source_addr, source_ton, source_npi = _address(source)
        dest_addr, dest_ton, dest_npi = _address(dest)
        sm = ShortMessage(
            source_addr=source_addr,
            source_addr_ton=source_ton,
            source_addr_npi=source_npi,
            destination_addr=dest_addr,
            dest_addr_ton=dest_ton,
            dest_addr_npi=dest_npi,
            data_coding=data_coding,
        )
        sm.set_payload(payload)  # long texts go in message_payload
        target.send_deliver_sm(sm.encode(), is_receipt=False)
        self.counters.mo_sent += 1
        self.message_log.add(
            PartRecord(
                at=time.time(),
                direction="mo",
                system_id=target.system_id,
                source=source,
                destination=dest,
                data_coding=data_coding,
                esm_class=0,
                udh=b"",
                concat=None,
                payload=payload,
                message_id=None,
                outcome="sent",
                default_alphabet=self.config.default_alphabet,
            )
        )
        return True

    # --- inspection -----------------------------------------------------------------------

    def messages_for(self, number: str) -> list[Message]:
        """Messages to (and MO from) `number`, concatenated parts joined, newest first."""
        return self.message_log.messages_for(number)

    def phones(self) -> list[PhoneSummary]:
        """Numbers that received messages, most recent first."""
        return self.message_log.phone_list()

    def stats(self) -> dict[str, int]:
        data = self.counters.as_dict()
        data["sessions"] = len(self._sessions)
        data["bound_sessions"] = sum(1 for s in self._sessions if s.bound)
        data["records"] = len(self.message_log.records)
        return data

    def sessions(self) -> list[dict[str, str | bool]]:
        return [
            {
                "peer": s.peer,
                "system_id": s.system_id,
                "bound": s.bound,
                "transceiver": s.bind_command == BIND_TRANSCEIVER,
                "can_receive": s.can_receive,
            }
            for s in self._sessions
        ]


async def serve_forever(config: SmscSimConfig) -> None:
    """Run the simulator until cancelled (the CLI entry point)."""
    async with SmscSimulator(config) as sim:
        control = (
            f", control API on http://{config.host}:{sim.control_port}"
            if sim.control_port is not None
            else ""
        )
        log.info("SMSC simulator listening on %s:%d%s", config.host, sim.port, control)
        await asyncio.Event().wait()
