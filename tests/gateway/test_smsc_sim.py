"""SMSC simulator over real TCP: smpplib as the ESME, plus raw sockets speaking our codec.

smpplib is blocking, so each ESME scenario runs in a worker thread (`asyncio.to_thread`)
while the simulator serves on the test's event loop. We read PDUs with `read_pdu()`
ourselves: smpplib's default error handler would raise out of `listen()`.

Throughput self-check (not part of the suite):
    .venv/bin/python bench/smsc_sim_selfcheck.py   # prints submits/s and receipts/s as JSON
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp

from corriere.gateway.smpp_pdu import (
    BIND_TRANSCEIVER,
    BIND_TRANSCEIVER_RESP,
    BIND_TRANSMITTER,
    DELIVER_SM,
    ENQUIRE_LINK,
    ENQUIRE_LINK_RESP,
    ESME_RALYBND,
    ESME_RINVBNDSTS,
    ESME_RINVCMDID,
    ESME_RINVCMDLEN,
    ESME_RINVDSTADR,
    ESME_RINVPASWD,
    ESME_RINVSYSID,
    ESME_RTHROTTLED,
    GENERIC_NACK,
    STATE_DELIVERED,
    STATE_EXPIRED,
    STATE_UNDELIVERABLE,
    SUBMIT_SM,
    SUBMIT_SM_RESP,
    TAG_MESSAGE_PAYLOAD,
    TAG_MESSAGE_STATE,
    TAG_RECEIPTED_MESSAGE_ID,
    UNBIND,
    UNBIND_RESP,
    Bind,
    ConcatInfo,
    Pdu,
    PduError,
    PduReader,
    ShortMessage,
    decode_bind_resp,
    decode_message_id_resp,
    decode_pdu,
    encode_pdu,
    format_receipt_text,
    make_concat_udh,
    parse_receipt_text,
)
from corriere.gateway.smsc_sim.alphabet import decode_text, encode_text, gsm7_decode, gsm7_encode
from corriere.gateway.smsc_sim.config import SmscSimConfig
from corriere.gateway.smsc_sim.records import MessageLog, PartRecord
from corriere.gateway.smsc_sim.server import SmscSimulator, serve_forever

PHONE = "393331234567"
BOUND_STATES = (
    smpplib.consts.SMPP_CLIENT_STATE_BOUND_TX,
    smpplib.consts.SMPP_CLIENT_STATE_BOUND_RX,
    smpplib.consts.SMPP_CLIENT_STATE_BOUND_TRX,
)


def sim_config(**overrides: Any) -> SmscSimConfig:
    defaults: dict[str, Any] = {"port": 0, "control_port": None, "receipt_delay_ms": 0}
    defaults.update(overrides)
    return SmscSimConfig(**defaults)


async def wait_for(condition: Callable[[], bool], within_s: float = 3.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


class Esme:
    """A blocking smpplib ESME; call its methods from a worker thread."""

    def __init__(self, port: int, system_id: str = "corriere", password: str = "secret") -> None:
        self.client = smpplib.client.Client(
            "127.0.0.1", port, timeout=5, allow_unknown_opt_params=True
        )
        self.system_id = system_id
        self.password = password

    def bind(self, mode: str = "transceiver") -> Any:
        self.client.connect()
        binder = getattr(self.client, f"bind_{mode}")
        return binder(system_id=self.system_id, password=self.password)

    def submit(
        self,
        dest: str = PHONE,
        short_message: bytes = b"hello",
        *,
        data_coding: int = 0,
        esm_class: int = 0,
        registered_delivery: int = 1,
    ) -> int:
        pdu = self.client.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
            source_addr="Corriere",
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
            dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
            destination_addr=dest,
            short_message=short_message,
            data_coding=data_coding,
            esm_class=esm_class,
            registered_delivery=registered_delivery,
        )
        sequence: int = pdu.sequence
        return sequence

    def submit_text(self, dest: str, text: str, registered_delivery: int = 1) -> int:
        """Split like a real gateway would (smpplib.gsm); return the number of parts."""
        parts, encoding, esm_class = smpplib.gsm.make_parts(text)
        for part in parts:
            self.submit(
                dest,
                part,
                data_coding=encoding,
                esm_class=esm_class,
                registered_delivery=registered_delivery,
            )
        return len(parts)

    def read(self) -> Any:
        """Next PDU; deliver_sm is acknowledged at once, as an ESME must."""
        pdu = self.client.read_pdu()
        if pdu.command == "deliver_sm":
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=self.client)
            resp.sequence = pdu.sequence
            self.client.send_pdu(resp)
        return pdu

    def read_n(self, n: int) -> list[Any]:
        return [self.read() for _ in range(n)]

    def read_kinds(self, resps: int, delivers: int) -> tuple[list[Any], list[Any]]:
        """Read until `resps` submit_sm_resp and `delivers` deliver_sm have arrived."""
        got_resps: list[Any] = []
        got_delivers: list[Any] = []
        while len(got_resps) < resps or len(got_delivers) < delivers:
            pdu = self.read()
            if pdu.command == "submit_sm_resp":
                got_resps.append(pdu)
            elif pdu.command == "deliver_sm":
                got_delivers.append(pdu)
        return got_resps, got_delivers

    def close(self) -> None:
        try:
            if self.client.state in BOUND_STATES:
                self.client.unbind()
        finally:
            if self.client.state != smpplib.consts.SMPP_CLIENT_STATE_CLOSED:
                self.client.disconnect()


class RawEsme:
    """A plain blocking socket speaking our codec (for what smpplib cannot send)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.framer = PduReader()
        self.pending: list[Pdu] = []

    def send(self, command_id: int, sequence: int, body: bytes = b"") -> None:
        self.sock.sendall(encode_pdu(command_id, sequence, body))

    def read(self) -> Pdu:
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.pending.extend(self.framer.feed(data))
        return self.pending.pop(0)

    def at_eof(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def close(self) -> None:
        self.sock.close()


def receipt_fields(pdu: Any) -> dict[str, str]:
    return parse_receipt_text(pdu.short_message)


# --- codec --------------------------------------------------------------------------------


def test_codec_bind_and_header_round_trip() -> None:
    bind = Bind("corriere", "secret", "cp", 0x34, 1, 1, "")
    raw = encode_pdu(BIND_TRANSCEIVER, 7, bind.encode())
    pdu = decode_pdu(raw)
    assert (pdu.command_id, pdu.status, pdu.sequence, pdu.name) == (
        BIND_TRANSCEIVER,
        0,
        7,
        "bind_transceiver",
    )
    assert Bind.decode(pdu.body) == bind
    assert decode_bind_resp(b"") == ""
    with pytest.raises(PduError):
        decode_pdu(raw[:-1])


def test_codec_short_message_tlvs_udh_and_payload() -> None:
    udh = make_concat_udh(0x42, 3, 2)
    sm = ShortMessage(
        source_addr="Corriere",
        destination_addr=PHONE,
        short_message=udh + b"part two",
        esm_class=0x40,
        data_coding=0,
        registered_delivery=1,
        tlvs={0x1403: b"\x01\x02"},  # unknown vendor TLV survives as raw bytes
    )
    decoded = ShortMessage.decode(sm.encode())
    assert decoded == sm
    assert decoded.udh == udh
    assert decoded.text_payload == b"part two"
    assert decoded.concat == ConcatInfo(0x42, 3, 2)
    assert ShortMessage.decode(
        ShortMessage(esm_class=0x40, short_message=make_concat_udh(0x1234, 2, 1) + b"x").encode()
    ).concat == ConcatInfo(0x1234, 2, 1)

    long = ShortMessage(destination_addr=PHONE)
    long.set_payload(b"y" * 300)
    decoded = ShortMessage.decode(long.encode())
    assert decoded.short_message == b""
    assert decoded.tlvs[TAG_MESSAGE_PAYLOAD] == b"y" * 300
    assert decoded.payload == b"y" * 300

    with pytest.raises(PduError):
        ShortMessage.decode(sm.encode()[:10])
    with pytest.raises(PduError):
        ShortMessage(short_message=b"z" * 255).encode()


def test_codec_framer_handles_partial_and_coalesced_reads() -> None:
    stream = b"".join(encode_pdu(ENQUIRE_LINK, seq) for seq in range(1, 4))
    framer = PduReader()
    got: list[Pdu] = []
    for i in range(0, len(stream), 5):
        got.extend(framer.feed(stream[i : i + 5]))
    assert [p.sequence for p in got] == [1, 2, 3]
    assert framer.pending == 0
    with pytest.raises(PduError):
        PduReader().feed(b"\x00\x00\x00\x05" + b"\x00" * 12)


def test_receipt_text_and_gsm_alphabet() -> None:
    text = format_receipt_text("1a2b3c", "2501011200", "2501011201", "DELIVRD", "000", "x" * 30)
    fields = parse_receipt_text(text)
    assert fields["id"] == "1a2b3c"
    assert fields["submit date"] == "2501011200"
    assert fields["stat"] == "DELIVRD"
    assert fields["text"] == "x" * 20

    sample = "Prezzo: 5€ [promo] {oggi} ~ à è @ Ω"
    encoded = gsm7_encode(sample)
    assert encoded is not None
    assert gsm7_decode(encoded) == sample
    assert gsm7_encode("☕") is None
    assert encode_text("ciao") == (b"ciao", 0)
    assert encode_text("ciao ☕") == ("ciao ☕".encode("utf-16-be"), 8)
    assert encode_text("a@b", "ascii") == (b"a@b", 0)
    assert decode_text("Привет".encode("utf-16-be"), 8) == "Привет"
    assert decode_text(b"\x1b\x65", 0xF1) == "€"


def test_message_log_keeps_reused_concat_refs_apart() -> None:
    log = MessageLog(max_records=10)

    def part(at: float, seq: int, chunk: bytes) -> PartRecord:
        return PartRecord(
            at, "mt", "corriere", "Corriere", "+" + PHONE, 0, 0x40, b"",
            ConcatInfo(7, 2, seq), chunk, f"id{at}", "delivered",
        )  # fmt: skip

    for record in (part(1, 1, b"first "), part(2, 2, b"one"), part(3, 2, b"two")):
        log.add(record)
    log.add(part(4, 1, b"second "))
    assert [m.text for m in log.messages_for(PHONE)] == ["second two", "first one"]
    assert log.phones[PHONE].messages == 2 and log.phones[PHONE].parts == 4


# --- SMPP over TCP with smpplib -------------------------------------------------------------


async def test_gsm_and_ucs2_submits_get_ids_and_text_receipts() -> None:
    async with SmscSimulator(sim_config(receipt_style="text", receipt_delay_ms=20)) as sim:
        esme = Esme(sim.port)
        gsm_text = "Ciao {mondo} 5€ àè"
        ucs2_text = "Привет 👋"

        def scenario() -> tuple[list[Any], list[Any]]:
            esme.bind()
            esme.submit(short_message=smpplib.gsm.gsm_encode(gsm_text))
            esme.submit(short_message=ucs2_text.encode("utf-16-be"), data_coding=8)
            try:
                return esme.read_kinds(resps=2, delivers=2)
            finally:
                esme.close()

        resps, receipts = await asyncio.to_thread(scenario)

    ids = [r.message_id.decode() for r in resps]
    assert all(r.status == 0 for r in resps)
    assert len(set(ids)) == 2 and all(int(i, 16) > 0 for i in ids)
    for receipt in receipts:
        assert receipt.esm_class == 0x04
        assert receipt.source_addr == PHONE.encode()
        assert receipt.destination_addr == b"Corriere"
        assert receipt.receipted_message_id is None  # text style: no TLVs
        fields = receipt_fields(receipt)
        assert fields["stat"] == "DELIVRD" and fields["err"] == "000"
        assert fields["sub"] == "001" and fields["dlvrd"] == "001"
        assert len(fields["submit date"]) == 10
    assert sorted(receipt_fields(r)["id"] for r in receipts) == sorted(ids)

    messages = sim.messages_for("+" + PHONE)
    assert [m.text for m in messages] == [ucs2_text, gsm_text]  # newest first
    newest = messages[0].parts[0]
    assert (newest.system_id, newest.source, newest.data_coding) == ("corriere", "Corriere", 8)
    assert newest.message_id == ids[1] and newest.outcome == "delivered"
    stats = sim.stats()
    assert stats["submits_accepted"] == 2 and stats["receipts_sent"] == 2
    assert stats["receipts_acked"] == 2 and stats["binds"] == 1


async def test_tlv_receipts_and_decimal_ids() -> None:
    async with SmscSimulator(sim_config(receipt_style="tlv", message_id_format="decimal")) as sim:
        esme = Esme(sim.port)

        def scenario() -> tuple[list[Any], list[Any]]:
            esme.bind()
            esme.submit()
            try:
                return esme.read_kinds(resps=1, delivers=1)
            finally:
                esme.close()

        (resp,), (receipt,) = await asyncio.to_thread(scenario)

    assert resp.message_id.decode().isdigit()
    assert receipt.esm_class == 0x04
    assert not receipt.short_message
    assert receipt.receipted_message_id == resp.message_id
    assert receipt.message_state == STATE_DELIVERED


@pytest.mark.parametrize(
    ("setting", "stat", "err", "state", "outcome"),
    [
        ("undeliverable_prefixes", "UNDELIV", "001", STATE_UNDELIVERABLE, "undeliverable"),
        ("expire_prefixes", "EXPIRED", "000", STATE_EXPIRED, "expired"),
    ],
)
async def test_failure_receipts_in_both_styles(
    setting: str, stat: str, err: str, state: int, outcome: str
) -> None:
    async with SmscSimulator(sim_config(**{setting: ["+39333"]})) as sim:
        esme = Esme(sim.port)

        def scenario() -> tuple[list[Any], list[Any]]:
            esme.bind()
            esme.submit(PHONE)
            try:
                return esme.read_kinds(resps=1, delivers=1)
            finally:
                esme.close()

        (resp,), (receipt,) = await asyncio.to_thread(scenario)

    assert resp.status == 0
    fields = receipt_fields(receipt)
    assert (fields["stat"], fields["err"], fields["dlvrd"]) == (stat, err, "000")
    assert receipt.message_state == state
    assert receipt.receipted_message_id == resp.message_id
    assert sim.messages_for(PHONE)[0].outcome == outcome


async def test_reject_prefix_answers_invalid_destination_without_id() -> None:
    async with SmscSimulator(sim_config(reject_prefixes=["39999"])) as sim:
        esme = Esme(sim.port)

        def scenario() -> list[Any]:
            esme.bind()
            esme.submit("+39999000111")
            esme.submit(PHONE)
            try:
                return esme.read_kinds(resps=2, delivers=1)[0]
            finally:
                esme.close()

        rejected, accepted = await asyncio.to_thread(scenario)

    assert rejected.status == ESME_RINVDSTADR and not rejected.message_id
    assert accepted.status == 0 and accepted.message_id
    assert sim.messages_for("39999000111") == []
    stats = sim.stats()
    assert (stats["submits_rejected"], stats["submits_accepted"], stats["receipts_sent"]) == (
        1,
        1,
        1,
    )


async def test_throttle_answers_0x58_above_the_rate() -> None:
    async with SmscSimulator(sim_config(throttle_tps=5)) as sim:
        esme = Esme(sim.port)

        def scenario() -> tuple[list[int], int]:
            esme.bind()
            for _ in range(12):
                esme.submit(registered_delivery=0)
            burst = [p.status for p in esme.read_n(12)]
            time.sleep(1.1)  # the window slides: accepted again
            esme.submit(registered_delivery=0)
            later = esme.read().status
            esme.close()
            return burst, later

        burst, later = await asyncio.to_thread(scenario)

    assert burst.count(0) == 5 and burst.count(ESME_RTHROTTLED) == 7
    assert later == 0
    assert sim.stats()["submits_throttled"] == 7
    assert len(sim.messages_for(PHONE)) == 6  # throttled submits are not recorded


async def test_receipt_before_resp_for_configured_prefix() -> None:
    config = sim_config(receipt_before_resp_prefixes=["39333"], receipt_delay_ms=200)
    async with SmscSimulator(config) as sim:
        esme = Esme(sim.port)

        def scenario() -> list[Any]:
            esme.bind()
            esme.submit(PHONE)
            try:
                return esme.read_n(2)
            finally:
                esme.close()

        first, second = await asyncio.to_thread(scenario)

    assert (first.command, second.command) == ("deliver_sm", "submit_sm_resp")
    assert receipt_fields(first)["id"] == second.message_id.decode()
    assert first.receipted_message_id == second.message_id


async def test_receipts_reach_a_separate_receiver_and_wait_for_one() -> None:
    async with SmscSimulator(sim_config()) as sim:
        sender = Esme(sim.port)
        stranger = Esme(sim.port, system_id="other")
        late_receiver = Esme(sim.port)

        def submit_without_receiver() -> str:
            sender.bind("transmitter")
            stranger.bind("receiver")
            sender.submit()
            message_id: str = sender.read().message_id.decode()
            return message_id

        message_id = await asyncio.to_thread(submit_without_receiver)
        await wait_for(lambda: sim.stats()["receipts_queued"] == 1)

        def receive_later() -> Any:
            late_receiver.bind("receiver")
            try:
                return late_receiver.read()
            finally:
                for esme in (late_receiver, sender, stranger):
                    esme.close()

        receipt = await asyncio.to_thread(receive_later)

    assert receipt.command == "deliver_sm"
    assert receipt.receipted_message_id.decode() == message_id
    stats = sim.stats()
    assert stats["receipts_queued"] == 0 and stats["receipts_sent"] == 1


async def test_mo_injection_reaches_the_client() -> None:
    async with SmscSimulator(sim_config()) as sim:
        assert await sim.inject_mo(source="+393331234567", dest="4930", text="ciao") is False
        esme = Esme(sim.port)
        await asyncio.to_thread(esme.bind)
        long_text = "lungo " * 60
        assert await sim.inject_mo(source="+393331234567", dest="4930", text="ciao")
        assert await sim.inject_mo(source="+393331234567", dest="4930", text="perché ☕")
        assert await sim.inject_mo(source="+393331234567", dest="4930", text=long_text)
        assert not await sim.inject_mo("+39333", "4930", "x", system_id="nobody")
        mos = await asyncio.to_thread(esme.read_n, 3)
        await wait_for(lambda: sim.stats()["mo_acked"] == 3)
        await asyncio.to_thread(esme.close)

    first, second, third = mos
    assert first.esm_class == 0 and first.data_coding == 0
    assert first.short_message == b"ciao"
    assert first.source_addr == b"393331234567" and first.source_addr_ton == 1
    assert first.destination_addr == b"4930"
    assert second.data_coding == 8
    assert second.short_message.decode("utf-16-be") == "perché ☕"
    assert not third.short_message and third.message_payload == long_text.encode()
    assert sim.stats()["mo_sent"] == 3
    conversation = sim.messages_for("+393331234567")
    assert [m.direction for m in conversation] == ["mo", "mo", "mo"]
    assert conversation[1].text == "perché ☕"


async def test_credentials_are_checked_when_configured() -> None:
    async with SmscSimulator(sim_config(credentials={"corriere": "secret"})) as sim:

        def bind_status(system_id: str, password: str) -> int:
            esme = Esme(sim.port, system_id, password)
            try:
                esme.bind()
            except smpplib.exceptions.PDUError as exc:
                status: int = exc.args[1]
                return status
            finally:
                esme.close()
            return 0

        assert await asyncio.to_thread(bind_status, "corriere", "wrong") == ESME_RINVPASWD
        assert await asyncio.to_thread(bind_status, "intruder", "secret") == ESME_RINVSYSID
        assert await asyncio.to_thread(bind_status, "corriere", "secret") == 0
        stats = sim.stats()
    assert (stats["binds"], stats["bind_failures"]) == (1, 2)


async def test_concatenated_parts_are_reassembled() -> None:
    gsm_text = "Offerta speciale € [promo] " * 12  # escapes may straddle parts
    ucs2_text = "Спасибо за покупку! 🎉 " * 8
    async with SmscSimulator(sim_config()) as sim:
        esme = Esme(sim.port)

        def scenario() -> tuple[int, int]:
            esme.bind()
            gsm_parts = esme.submit_text(PHONE, gsm_text)
            ucs2_parts = esme.submit_text(PHONE, ucs2_text)
            esme.submit_text(PHONE, "short one")
            total = gsm_parts + ucs2_parts + 1
            esme.read_kinds(resps=total, delivers=total)
            esme.close()
            return gsm_parts, ucs2_parts

        gsm_parts, ucs2_parts = await asyncio.to_thread(scenario)

        # Two parts sharing a 16-bit reference, sent out of order over a raw socket.
        raw = RawEsme(sim.port)

        def raw_scenario() -> None:
            raw.send(BIND_TRANSMITTER, 1, Bind("corriere", "x").encode())
            assert raw.read().status == 0
            for seq, chunk in ((2, b"world"), (1, b"hello ")):
                sm = ShortMessage(
                    source_addr="Raw",
                    destination_addr="+39 333 7654321",
                    esm_class=0x40,
                    short_message=make_concat_udh(0xBEEF, 2, seq) + chunk,
                )
                raw.send(SUBMIT_SM, 10 + seq, sm.encode())
            assert [raw.read().status for _ in range(2)] == [0, 0]
            raw.close()

        await asyncio.to_thread(raw_scenario)

        messages = sim.messages_for(PHONE)
        raw_messages = sim.messages_for("393337654321")

    assert gsm_parts > 1 and ucs2_parts > 1
    assert [m.text for m in messages] == ["short one", ucs2_text, gsm_text]
    short, ucs2, gsm = messages
    assert (gsm.complete, len(gsm.parts), gsm.data_coding) == (True, gsm_parts, 0)
    assert (ucs2.complete, len(ucs2.parts), ucs2.data_coding) == (True, ucs2_parts, 8)
    assert len(set(gsm.message_ids)) == gsm_parts
    assert gsm.parts[0].concat is not None and gsm.parts[0].concat.seq == 1
    assert short.total_parts == 1 and short.concat_ref is None
    (joined,) = raw_messages
    assert joined.text == "hello world" and joined.concat_ref == 0xBEEF and joined.complete
    phones = {p.number: p for p in sim.phones()}
    assert phones[PHONE].messages == 3
    assert phones[PHONE].parts == gsm_parts + ucs2_parts + 1


# --- session rules over a raw socket --------------------------------------------------------


async def test_session_level_rules() -> None:
    async with SmscSimulator(sim_config()) as sim:
        raw = RawEsme(sim.port)

        def scenario() -> dict[str, Any]:
            out: dict[str, Any] = {}
            raw.send(SUBMIT_SM, 1, ShortMessage(destination_addr=PHONE).encode())
            out["early_submit"] = raw.read()
            raw.send(ENQUIRE_LINK, 2)
            out["enquire"] = raw.read()
            raw.send(0x00000103, 3, b"")  # data_sm: not supported
            out["unknown"] = raw.read()
            raw.send(BIND_TRANSCEIVER, 4, Bind("corriere", "pw").encode())
            out["bind"] = raw.read()
            raw.send(BIND_TRANSCEIVER, 5, Bind("corriere", "pw").encode())
            out["rebind"] = raw.read()
            raw.send(SUBMIT_SM, 6, ShortMessage(destination_addr=PHONE).encode())
            out["submit"] = raw.read()
            raw.send(UNBIND, 7)
            out["unbind"] = raw.read()
            out["eof"] = raw.at_eof()
            raw.close()

            broken = RawEsme(sim.port)
            broken.sock.sendall(b"\x00\x00\x00\x04" + b"\x00" * 12)  # length < header
            out["broken"] = broken.read()
            out["broken_eof"] = broken.at_eof()
            broken.close()
            return out

        out = await asyncio.to_thread(scenario)

    assert (out["early_submit"].command_id, out["early_submit"].status) == (
        SUBMIT_SM_RESP,
        ESME_RINVBNDSTS,
    )
    assert (out["enquire"].command_id, out["enquire"].sequence) == (ENQUIRE_LINK_RESP, 2)
    assert (out["unknown"].command_id, out["unknown"].status, out["unknown"].sequence) == (
        GENERIC_NACK,
        ESME_RINVCMDID,
        3,
    )
    assert out["bind"].command_id == BIND_TRANSCEIVER_RESP and out["bind"].status == 0
    assert decode_bind_resp(out["bind"].body) == "corriere-sim"
    assert out["rebind"].status == ESME_RALYBND
    assert out["submit"].status == 0 and decode_message_id_resp(out["submit"].body)
    assert out["unbind"].command_id == UNBIND_RESP and out["eof"]
    assert (out["broken"].command_id, out["broken"].status) == (GENERIC_NACK, ESME_RINVCMDLEN)
    assert out["broken_eof"]


async def test_stop_unbinds_bound_clients() -> None:
    sim = SmscSimulator(sim_config())
    await sim.start()
    raw = RawEsme(sim.port)

    def bind() -> None:
        raw.send(BIND_TRANSCEIVER, 1, Bind("corriere", "pw").encode())
        assert raw.read().status == 0

    def answer_unbind() -> tuple[Pdu, bool]:
        unbind = raw.read()
        raw.send(UNBIND_RESP, unbind.sequence)
        return unbind, raw.at_eof()

    await asyncio.to_thread(bind)
    reader = asyncio.create_task(asyncio.to_thread(answer_unbind))
    started = time.monotonic()
    await sim.stop()
    unbind, eof = await reader
    raw.close()
    assert unbind.command_id == UNBIND and eof
    assert time.monotonic() - started < 1.0  # the unbind_resp ended the wait early
    assert sim.stats()["sessions"] == 0


async def test_raw_receipt_has_tlvs_and_text_by_default() -> None:
    async with SmscSimulator(sim_config()) as sim:
        raw = RawEsme(sim.port)

        def scenario() -> tuple[Pdu, Pdu]:
            raw.send(BIND_TRANSCEIVER, 1, Bind("corriere", "pw").encode())
            raw.read()
            raw.send(
                SUBMIT_SM, 2, ShortMessage(destination_addr=PHONE, registered_delivery=1).encode()
            )
            resp, receipt = raw.read(), raw.read()
            raw.close()
            return resp, receipt

        resp, receipt = await asyncio.to_thread(scenario)

    assert receipt.command_id == DELIVER_SM
    sm = ShortMessage.decode(receipt.body)
    message_id = decode_message_id_resp(resp.body)
    assert sm.is_receipt and sm.receipted_message_id == message_id
    assert sm.tlvs[TAG_RECEIPTED_MESSAGE_ID] == message_id.encode() + b"\x00"
    assert sm.tlvs[TAG_MESSAGE_STATE] == bytes((STATE_DELIVERED,))
    assert parse_receipt_text(sm.short_message)["id"] == message_id


# --- control API ----------------------------------------------------------------------------


async def test_control_api() -> None:
    async with SmscSimulator(sim_config(control_port=0)) as sim:
        assert sim.control_port
        base = f"http://127.0.0.1:{sim.control_port}"
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            assert (
                await http.post("/mo", json={"from": "+39333", "to": "4930", "text": "x"})
            ).json() == {"sent": False}

            config = (await http.get("/config")).json()
            assert config["receipt_style"] == "both" and config["credentials"] == []
            updated = await http.post("/config", json={"reject_prefixes": ["+39999"]})
            assert updated.status_code == 200 and updated.json()["reject_prefixes"] == ["39999"]
            assert sim.config.reject_prefixes == ("39999",)
            for bad in ({"port": 1}, {"throttle_tps": "fast"}, {"receipt_style": "fax"}):
                response = await http.post("/config", json=bad)
                assert response.status_code == 400 and "error" in response.json()
            assert sim.config.throttle_tps == 0

            esme = Esme(sim.port)

            def scenario() -> list[int]:
                esme.bind()
                esme.submit("39999123")
                esme.submit_text(PHONE, "Il tuo codice è 1234")
                resps, _ = esme.read_kinds(resps=2, delivers=1)
                return [r.status for r in resps]

            assert await asyncio.to_thread(scenario) == [ESME_RINVDSTADR, 0]

            mo = await http.post("/mo", json={"from": "+" + PHONE, "to": "4930", "text": "STOP"})
            assert mo.status_code == 200 and mo.json() == {"sent": True}
            delivered = await asyncio.to_thread(esme.read)
            assert delivered.short_message == b"STOP"
            await asyncio.to_thread(esme.close)

            phones = (await http.get("/phones")).json()["phones"]
            assert [(p["number"], p["messages"]) for p in phones] == [(PHONE, 1)]
            history = (await http.get(f"/phones/%2B{PHONE}")).json()
            assert [m["text"] for m in history["messages"]] == ["STOP", "Il tuo codice è 1234"]
            assert history["messages"][1]["outcome"] == "delivered"
            assert history["messages"][1]["message_ids"]
            assert (await http.get(f"/phones/{PHONE}?limit=1")).json()["messages"][0][
                "text"
            ] == "STOP"

            stats = (await http.get("/stats")).json()
            assert stats["submits_rejected"] == 1 and stats["mo_sent"] == 1
            assert (await http.get("/sessions")).json() == {"sessions": []}

            assert (await http.get("/nowhere")).status_code == 404
            assert (await http.delete("/stats")).status_code == 405
            bad_json = await http.post(
                "/mo", content=b"{not json", headers={"content-type": "application/json"}
            )
            assert bad_json.status_code == 400 and "error" in bad_json.json()
            missing = await http.post("/mo", json={"from": "+39"})
            assert missing.status_code == 400
            assert (await http.get("/phones/x?limit=many")).status_code == 400

        def garbage() -> bytes:
            with socket.create_connection(("127.0.0.1", sim.control_port), timeout=5) as sock:
                sock.sendall(b"HELLO\r\n\r\n")
                chunks = []
                while chunk := sock.recv(4096):
                    chunks.append(chunk)
                return b"".join(chunks)

        reply = await asyncio.to_thread(garbage)
        assert reply.startswith(b"HTTP/1.1 400 ") and b'"error"' in reply


async def test_serve_forever_runs_until_cancelled() -> None:
    task = asyncio.create_task(serve_forever(sim_config()))
    await asyncio.sleep(0.05)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
