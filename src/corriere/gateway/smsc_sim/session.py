"""One SMPP connection of the simulator: framing, bind state, session-level PDUs.

Message handling (submit_sm outcomes, receipts, MO) belongs to the host (the simulator);
the session only frames, dispatches and writes. Writes are coalesced: PDUs produced in
the same event-loop iteration go out in one `write`, and we only await `drain` when the
transport buffer grows large.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Protocol

from corriere.gateway.smpp_pdu import (
    BIND_RECEIVER,
    BIND_TRANSCEIVER,
    BIND_TRANSMITTER,
    DELIVER_SM,
    DELIVER_SM_RESP,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESME_RALYBND,
    ESME_RINVBNDSTS,
    ESME_RINVCMDID,
    ESME_ROK,
    GENERIC_NACK,
    RESP_BIT,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    UNBIND,
    UNBIND_RESP,
    Bind,
    PduError,
    PduReader,
    encode_bind_resp,
    encode_pdu,
)

READ_CHUNK = 256 * 1024
DRAIN_ABOVE = 256 * 1024  # pause reading until the peer catches up
ABORT_ABOVE = 64 * 1024 * 1024  # a peer that stopped reading altogether
MAX_SEQUENCE = 0x7FFFFFFF
MAX_UNACKED = 100_000  # deliver_sm sequences remembered to count their resps


class SessionHost(Protocol):
    """What a session needs from the simulator."""

    def authenticate(self, bind: Bind) -> int: ...

    def session_bound(self, session: SmppSession) -> None: ...

    def session_closed(self, session: SmppSession) -> None: ...

    def handle_submit(self, session: SmppSession, sequence: int, body: bytes) -> None: ...

    def deliver_sm_acked(self, is_receipt: bool, status: int) -> None: ...

    def count_enquire_link(self) -> None: ...

    def count_generic_nack(self) -> None: ...

    @property
    def smsc_system_id(self) -> str: ...


class SmppSession:
    def __init__(
        self,
        host: SessionHost,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.host = host
        self.reader = reader
        self.writer = writer
        self.transport = writer.transport
        self.loop = asyncio.get_running_loop()
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.system_id = ""
        self.bind_command = 0  # 0 while unbound
        self.closed = False
        self._out: list[bytes] = []
        self._flush_scheduled = False
        self._sequence = 0
        # deliver_sm sequence -> (is a receipt, body): a receipt never acknowledged is delivered
        # again to the next receiver, as a real SMSC retries it.
        self._unacked: dict[int, tuple[bool, bytes]] = {}
        self._unbind_acked = asyncio.Event()
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # --- state ----------------------------------------------------------------------------

    @property
    def bound(self) -> bool:
        return self.bind_command != 0

    @property
    def can_transmit(self) -> bool:
        return self.bind_command in (BIND_TRANSMITTER, BIND_TRANSCEIVER)

    @property
    def can_receive(self) -> bool:
        return not self.closed and self.bind_command in (BIND_RECEIVER, BIND_TRANSCEIVER)

    def next_sequence(self) -> int:
        self._sequence = self._sequence + 1 if self._sequence < MAX_SEQUENCE else 1
        return self._sequence

    # --- writing --------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        if self.closed:
            return
        self._out.append(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._out or self.closed:
            return
        data = b"".join(self._out) if len(self._out) > 1 else self._out[0]
        self._out.clear()
        self.writer.write(data)
        if self.transport.get_write_buffer_size() > ABORT_ABOVE:
            self._abort()

    def send_resp(self, command_id: int, sequence: int, status: int, body: bytes = b"") -> None:
        self.send(encode_pdu(command_id, sequence, body, status))

    def send_deliver_sm(self, body: bytes, is_receipt: bool) -> None:
        sequence = self.next_sequence()
        unacked = self._unacked
        if len(unacked) >= MAX_UNACKED:
            del unacked[next(iter(unacked))]
        unacked[sequence] = (is_receipt, body)
        self.send(encode_pdu(DELIVER_SM, sequence, body))

    def unacked_receipts(self) -> list[bytes]:
        """Receipts sent on this session that were never acknowledged, oldest first."""
        return [body for is_receipt, body in self._unacked.values() if is_receipt]

    # --- reading --------------------------------------------------------------------------

    async def run(self) -> None:
        framer = PduReader()
        reader = self.reader
        try:
            while not self.closed:
                chunk = await reader.read(READ_CHUNK)
                if not chunk:
                    break
                try:
                    pdus = framer.feed(chunk)
                except PduError as exc:
                    self.send_resp(GENERIC_NACK, 0, exc.status)
                    self.host.count_generic_nack()
                    break
                ending = False
                for pdu in pdus:
                    if not self._dispatch(pdu.command_id, pdu.status, pdu.sequence, pdu.body):
                        ending = True
                        break
                self.flush()
                if ending:
                    break
                if self.transport.get_write_buffer_size() > DRAIN_ABOVE:
                    await self.writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            await self.close()

    def _dispatch(self, command_id: int, status: int, sequence: int, body: bytes) -> bool:
        """Handle one PDU; False when the session must end."""
        if command_id == SUBMIT_SM:
            if not self.can_transmit:
                self.send_resp(SUBMIT_SM_RESP, sequence, ESME_RINVBNDSTS)
            else:
                self.host.handle_submit(self, sequence, body)
            return True
        if command_id == DELIVER_SM_RESP:
            entry = self._unacked.pop(sequence, None)
            if entry is not None:
                self.host.deliver_sm_acked(entry[0], status)
            return True
        if command_id == ENQUIRE_LINK:
            self.host.count_enquire_link()
            self.send_resp(ENQUIRE_LINK_RESP, sequence, ESME_ROK)
            return True
        if command_id in (BIND_TRANSMITTER, BIND_RECEIVER, BIND_TRANSCEIVER):
            self._bind(command_id, sequence, body)
            return True
        if command_id == UNBIND:
            self.send_resp(UNBIND_RESP, sequence, ESME_ROK)
            return False
        if command_id == UNBIND_RESP:
            self._unbind_acked.set()
            return False
        if command_id & RESP_BIT:
            # enquire_link_resp, generic_nack and stray responses need no answer.
            return True
        self.host.count_generic_nack()
        self.send_resp(GENERIC_NACK, sequence, ESME_RINVCMDID)
        return True

    def _bind(self, command_id: int, sequence: int, body: bytes) -> None:
        resp_id = command_id | RESP_BIT
        if self.bound:
            self.send_resp(resp_id, sequence, ESME_RALYBND)
            return
        try:
            bind = Bind.decode(body)
        except PduError as exc:
            self.send_resp(resp_id, sequence, exc.status)
            return
        status = self.host.authenticate(bind)
        if status != ESME_ROK:
            # The body is omitted on error (SMPP 3.4 §4.1).
            self.send_resp(resp_id, sequence, status)
            return
        self.system_id = bind.system_id
        self.bind_command = command_id
        self.send_resp(resp_id, sequence, ESME_ROK, encode_bind_resp(self.host.smsc_system_id))
        self.host.session_bound(self)

    # --- closing --------------------------------------------------------------------------

    async def unbind_and_close(self, wait_s: float = 1.0) -> None:
        """Server-initiated clean end: unbind, wait briefly for unbind_resp, close."""
        if self.closed:
            return
        if self.bound:
            self.send(encode_pdu(UNBIND, self.next_sequence()))
            self.flush()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._unbind_acked.wait(), wait_s)
        await self.close()

    async def close(self) -> None:
        if self.closed:
            return
        with contextlib.suppress(Exception):
            self.flush()
        self.closed = True
        self.host.session_closed(self)
        self.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)

    def _abort(self) -> None:
        self.closed = True
        self.host.session_closed(self)
        self.transport.abort()
