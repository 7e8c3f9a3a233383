"""A small, fast SMPP 3.4 PDU codec (struct based).

Used by the SMSC simulator and by tests that talk SMPP over a raw socket. It covers the
session-level PDUs (bind*, unbind, enquire_link, generic_nack), submit_sm / deliver_sm and
their responses, TLVs, concatenation UDHs and delivery-receipt texts. It deliberately does
not depend on smpplib, so the simulator is an independent implementation to test against.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

# --- command ids --------------------------------------------------------------------------

GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_RECEIVER_RESP = 0x80000001
BIND_TRANSMITTER = 0x00000002
BIND_TRANSMITTER_RESP = 0x80000002
QUERY_SM = 0x00000003
QUERY_SM_RESP = 0x80000003
SUBMIT_SM = 0x00000004
SUBMIT_SM_RESP = 0x80000004
DELIVER_SM = 0x00000005
DELIVER_SM_RESP = 0x80000005
UNBIND = 0x00000006
UNBIND_RESP = 0x80000006
BIND_TRANSCEIVER = 0x00000009
BIND_TRANSCEIVER_RESP = 0x80000009
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015

RESP_BIT = 0x80000000

COMMAND_NAMES: dict[int, str] = {
    GENERIC_NACK: "generic_nack",
    BIND_RECEIVER: "bind_receiver",
    BIND_RECEIVER_RESP: "bind_receiver_resp",
    BIND_TRANSMITTER: "bind_transmitter",
    BIND_TRANSMITTER_RESP: "bind_transmitter_resp",
    QUERY_SM: "query_sm",
    QUERY_SM_RESP: "query_sm_resp",
    SUBMIT_SM: "submit_sm",
    SUBMIT_SM_RESP: "submit_sm_resp",
    DELIVER_SM: "deliver_sm",
    DELIVER_SM_RESP: "deliver_sm_resp",
    UNBIND: "unbind",
    UNBIND_RESP: "unbind_resp",
    BIND_TRANSCEIVER: "bind_transceiver",
    BIND_TRANSCEIVER_RESP: "bind_transceiver_resp",
    ENQUIRE_LINK: "enquire_link",
    ENQUIRE_LINK_RESP: "enquire_link_resp",
}

BIND_COMMANDS = frozenset({BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER})

# --- command_status values ----------------------------------------------------------------

ESME_ROK = 0x00
ESME_RINVMSGLEN = 0x01
ESME_RINVCMDLEN = 0x02
ESME_RINVCMDID = 0x03
ESME_RINVBNDSTS = 0x04
ESME_RALYBND = 0x05
ESME_RSYSERR = 0x08
ESME_RINVSRCADR = 0x0A
ESME_RINVDSTADR = 0x0B
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RSUBMITFAIL = 0x45
ESME_RTHROTTLED = 0x58

# --- TLV tags -----------------------------------------------------------------------------

TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_SAR_MSG_REF_NUM = 0x020C
TAG_SAR_TOTAL_SEGMENTS = 0x020E
TAG_SAR_SEGMENT_SEQNUM = 0x020F
TAG_SC_INTERFACE_VERSION = 0x0210
TAG_NETWORK_ERROR_CODE = 0x0423
TAG_MESSAGE_PAYLOAD = 0x0424
TAG_MESSAGE_STATE = 0x0427

# --- message_state values -----------------------------------------------------------------

STATE_ENROUTE = 1
STATE_DELIVERED = 2
STATE_EXPIRED = 3
STATE_DELETED = 4
STATE_UNDELIVERABLE = 5
STATE_ACCEPTED = 6
STATE_UNKNOWN = 7
STATE_REJECTED = 8

# --- esm_class bits -----------------------------------------------------------------------

ESM_DELIVERY_RECEIPT = 0x04
ESM_UDHI = 0x40

SMPP_VERSION_34 = 0x34
HEADER_LEN = 16
MAX_SHORT_MESSAGE = 254
# Generous upper bound: a submit_sm with a full message_payload stays far below this.
MAX_PDU_LEN = 64 * 1024

_HEADER = struct.Struct(">IIII")
_TLV_HEAD = struct.Struct(">HH")
_U16 = struct.Struct(">H")


class PduError(ValueError):
    """A PDU could not be decoded; `status` is the command_status to answer with."""

    def __init__(self, message: str, status: int = ESME_RSYSERR) -> None:
        super().__init__(message)
        self.status = status


# --- framing ------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Pdu:
    """A framed PDU whose body is left undecoded."""

    command_id: int
    status: int
    sequence: int
    body: bytes = b""

    @property
    def name(self) -> str:
        return COMMAND_NAMES.get(self.command_id, f"0x{self.command_id:08x}")

    def encode(self) -> bytes:
        return encode_pdu(self.command_id, self.sequence, self.body, self.status)


def encode_pdu(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return _HEADER.pack(HEADER_LEN + len(body), command_id, status, sequence) + body


def decode_header(data: bytes, offset: int = 0) -> tuple[int, int, int, int]:
    """Return (command_length, command_id, command_status, sequence_number)."""
    length, command_id, status, sequence = _HEADER.unpack_from(data, offset)
    return length, command_id, status, sequence


def decode_pdu(data: bytes) -> Pdu:
    """Decode exactly one whole PDU."""
    if len(data) < HEADER_LEN:
        raise PduError("short PDU", ESME_RINVCMDLEN)
    length, command_id, status, sequence = _HEADER.unpack_from(data)
    if length != len(data):
        raise PduError("command_length does not match the data", ESME_RINVCMDLEN)
    return Pdu(command_id, status, sequence, bytes(data[HEADER_LEN:]))


class PduReader:
    """Incremental framer: feed stream bytes, get whole PDUs back.

    Reads the length prefix, then waits for the full body; keeps the remainder buffered.
    """

    __slots__ = ("_buf", "max_len")

    def __init__(self, max_len: int = MAX_PDU_LEN) -> None:
        self._buf = b""
        self.max_len = max_len

    def feed(self, data: bytes) -> list[Pdu]:
        buf = self._buf + data if self._buf else data
        out: list[Pdu] = []
        pos = 0
        end = len(buf)
        unpack = _HEADER.unpack_from
        while end - pos >= HEADER_LEN:
            length, command_id, status, sequence = unpack(buf, pos)
            if length < HEADER_LEN or length > self.max_len:
                self._buf = b""
                raise PduError(f"invalid command_length {length}", ESME_RINVCMDLEN)
            if end - pos < length:
                break
            out.append(Pdu(command_id, status, sequence, buf[pos + HEADER_LEN : pos + length]))
            pos += length
        self._buf = buf[pos:] if pos < end else b""
        return out

    @property
    def pending(self) -> int:
        return len(self._buf)


# --- primitive fields ---------------------------------------------------------------------


def encode_cstring(value: str | bytes) -> bytes:
    """C-Octet String: the bytes followed by NUL."""
    if isinstance(value, str):
        value = value.encode("latin-1", "replace")
    return value + b"\x00"


def decode_cstring(data: bytes, pos: int, max_len: int = 0) -> tuple[str, int]:
    """Read a C-Octet String at `pos`; return (text, position after the NUL).

    `max_len` counts the NUL, as in the specification tables (0 = unbounded).
    """
    end = data.find(b"\x00", pos)
    if end < 0:
        raise PduError("unterminated C-Octet String", ESME_RINVMSGLEN)
    if max_len and end - pos >= max_len:
        raise PduError("C-Octet String too long", ESME_RINVMSGLEN)
    return data[pos:end].decode("latin-1"), end + 1


def encode_tlvs(tlvs: dict[int, bytes]) -> bytes:
    return b"".join(_TLV_HEAD.pack(tag, len(value)) + value for tag, value in tlvs.items())


def decode_tlvs(data: bytes, pos: int = 0) -> dict[int, bytes]:
    """Parse every optional parameter from `pos` to the end into {tag: value}."""
    out: dict[int, bytes] = {}
    end = len(data)
    while pos < end:
        if end - pos < 4:
            raise PduError("truncated TLV header", ESME_RINVMSGLEN)
        tag, length = _TLV_HEAD.unpack_from(data, pos)
        pos += 4
        if end - pos < length:
            raise PduError(f"truncated TLV 0x{tag:04x}", ESME_RINVMSGLEN)
        out[tag] = data[pos : pos + length]
        pos += length
    return out


def tlv_int(value: bytes | None) -> int | None:
    """Big-endian integer value of a TLV (message_state, sar_* ...)."""
    if not value:
        return None
    return int.from_bytes(value, "big")


def tlv_cstring(value: bytes | None) -> str | None:
    """Text of a C-Octet String TLV such as receipted_message_id (NUL optional)."""
    if value is None:
        return None
    return value.split(b"\x00", 1)[0].decode("latin-1")


# --- bind ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Bind:
    """Body of bind_transmitter / bind_receiver / bind_transceiver."""

    system_id: str
    password: str = ""
    system_type: str = ""
    interface_version: int = SMPP_VERSION_34
    addr_ton: int = 0
    addr_npi: int = 0
    address_range: str = ""

    def encode(self) -> bytes:
        return b"".join(
            (
                encode_cstring(self.system_id),
                encode_cstring(self.password),
                encode_cstring(self.system_type),
                bytes((self.interface_version, self.addr_ton, self.addr_npi)),
                encode_cstring(self.address_range),
            )
        )

    @classmethod
    def decode(cls, body: bytes) -> Bind:
        system_id, pos = decode_cstring(body, 0, 16)
        password, pos = decode_cstring(body, pos, 9)
        system_type, pos = decode_cstring(body, pos, 13)
        if len(body) < pos + 3:
            raise PduError("truncated bind", ESME_RINVMSGLEN)
        version, ton, npi = body[pos], body[pos + 1], body[pos + 2]
        # address_range is often sent without its NUL by sloppy clients: be lenient.
        address_range = decode_cstring(body, pos + 3)[0] if body.find(b"\x00", pos + 3) >= 0 else ""
        return cls(system_id, password, system_type, version, ton, npi, address_range)


def encode_bind_resp(system_id: str, interface_version: int | None = SMPP_VERSION_34) -> bytes:
    body = encode_cstring(system_id)
    if interface_version is not None:
        body += encode_tlvs({TAG_SC_INTERFACE_VERSION: bytes((interface_version,))})
    return body


def decode_bind_resp(body: bytes) -> str:
    """system_id of a bind_*_resp (empty when the body was omitted on error)."""
    if not body:
        return ""
    return decode_cstring(body, 0)[0]


# --- submit_sm / deliver_sm ---------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class ConcatInfo:
    """Concatenation data from a UDH (IEI 0x00 / 0x08) or from the SAR TLVs."""

    ref: int
    total: int
    seq: int


def parse_concat_udh(udh: bytes) -> ConcatInfo | None:
    """Find the concatenation element in a UDH (which starts with its UDHL byte)."""
    pos = 1
    end = min(len(udh), 1 + (udh[0] if udh else 0))
    while pos + 2 <= end:
        iei, iedl = udh[pos], udh[pos + 1]
        data = udh[pos + 2 : pos + 2 + iedl]
        if iei == 0x00 and iedl == 3 and len(data) == 3:
            return ConcatInfo(data[0], data[1], data[2])
        if iei == 0x08 and iedl == 4 and len(data) == 4:
            return ConcatInfo(_U16.unpack_from(data)[0], data[2], data[3])
        pos += 2 + iedl
    return None


def make_concat_udh(ref: int, total: int, seq: int) -> bytes:
    """8-bit reference UDH when possible (6 octets), 16-bit otherwise (7 octets)."""
    if ref < 256:
        return bytes((5, 0x00, 3, ref, total, seq))
    return bytes((6, 0x08, 4, ref >> 8, ref & 0xFF, total, seq))


@dataclass(slots=True)
class ShortMessage:
    """Body of submit_sm and deliver_sm (they share the mandatory layout)."""

    source_addr: str = ""
    destination_addr: str = ""
    short_message: bytes = b""
    data_coding: int = 0
    esm_class: int = 0
    registered_delivery: int = 0
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    service_type: str = ""
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    replace_if_present_flag: int = 0
    sm_default_msg_id: int = 0
    tlvs: dict[int, bytes] = field(default_factory=dict)

    def encode(self) -> bytes:
        if len(self.short_message) > MAX_SHORT_MESSAGE:
            raise PduError("short_message longer than 254 octets", ESME_RINVMSGLEN)
        return b"".join(
            (
                encode_cstring(self.service_type),
                bytes((self.source_addr_ton, self.source_addr_npi)),
                encode_cstring(self.source_addr),
                bytes((self.dest_addr_ton, self.dest_addr_npi)),
                encode_cstring(self.destination_addr),
                bytes((self.esm_class, self.protocol_id, self.priority_flag)),
                encode_cstring(self.schedule_delivery_time),
                encode_cstring(self.validity_period),
                bytes(
                    (
                        self.registered_delivery,
                        self.replace_if_present_flag,
                        self.data_coding,
                        self.sm_default_msg_id,
                        len(self.short_message),
                    )
                ),
                self.short_message,
                encode_tlvs(self.tlvs) if self.tlvs else b"",
            )
        )

    @classmethod
    def decode(cls, body: bytes) -> ShortMessage:
        try:
            service_type, pos = decode_cstring(body, 0, 6)
            source_ton, source_npi = body[pos], body[pos + 1]
            source_addr, pos = decode_cstring(body, pos + 2, 21)
            dest_ton, dest_npi = body[pos], body[pos + 1]
            destination_addr, pos = decode_cstring(body, pos + 2, 21)
            esm_class, protocol_id, priority_flag = body[pos], body[pos + 1], body[pos + 2]
            schedule, pos = decode_cstring(body, pos + 3, 17)
            validity, pos = decode_cstring(body, pos, 17)
            registered, replace, data_coding, default_id, sm_length = body[pos : pos + 5]
        except (IndexError, ValueError) as exc:
            if isinstance(exc, PduError):
                raise
            raise PduError("truncated short message body", ESME_RINVMSGLEN) from None
        pos += 5
        if sm_length > MAX_SHORT_MESSAGE or pos + sm_length > len(body):
            raise PduError("invalid sm_length", ESME_RINVMSGLEN)
        short_message = body[pos : pos + sm_length]
        pos += sm_length
        tlvs = decode_tlvs(body, pos) if pos < len(body) else {}
        return cls(
            source_addr,
            destination_addr,
            short_message,
            data_coding,
            esm_class,
            registered,
            source_ton,
            source_npi,
            dest_ton,
            dest_npi,
            service_type,
            protocol_id,
            priority_flag,
            schedule,
            validity,
            replace,
            default_id,
            tlvs,
        )

    def set_payload(self, payload: bytes) -> None:
        """Put `payload` in short_message, or in message_payload when it does not fit."""
        if len(payload) > MAX_SHORT_MESSAGE:
            self.short_message = b""
            self.tlvs[TAG_MESSAGE_PAYLOAD] = payload
        else:
            self.short_message = payload
            self.tlvs.pop(TAG_MESSAGE_PAYLOAD, None)

    @property
    def payload(self) -> bytes:
        """The user data: short_message, or message_payload when short_message is empty."""
        if self.short_message:
            return self.short_message
        return self.tlvs.get(TAG_MESSAGE_PAYLOAD, b"")

    @property
    def udh(self) -> bytes:
        """The User Data Header including its UDHL octet (empty without UDHI)."""
        if not self.esm_class & ESM_UDHI:
            return b""
        payload = self.payload
        if not payload:
            return b""
        return payload[: 1 + payload[0]]

    @property
    def text_payload(self) -> bytes:
        """The user data without the UDH: the encoded text of this part."""
        payload = self.payload
        if not self.esm_class & ESM_UDHI or not payload:
            return payload
        return payload[1 + payload[0] :]

    @property
    def concat(self) -> ConcatInfo | None:
        if self.esm_class & ESM_UDHI:
            return parse_concat_udh(self.udh)
        if TAG_SAR_MSG_REF_NUM in self.tlvs:
            ref = tlv_int(self.tlvs.get(TAG_SAR_MSG_REF_NUM))
            total = tlv_int(self.tlvs.get(TAG_SAR_TOTAL_SEGMENTS))
            seq = tlv_int(self.tlvs.get(TAG_SAR_SEGMENT_SEQNUM))
            if ref is not None and total and seq:
                return ConcatInfo(ref, total, seq)
        return None

    @property
    def is_receipt(self) -> bool:
        return bool(self.esm_class & ESM_DELIVERY_RECEIPT)

    @property
    def receipted_message_id(self) -> str | None:
        return tlv_cstring(self.tlvs.get(TAG_RECEIPTED_MESSAGE_ID))

    @property
    def message_state(self) -> int | None:
        return tlv_int(self.tlvs.get(TAG_MESSAGE_STATE))


def encode_message_id_resp(message_id: str) -> bytes:
    """Body of submit_sm_resp / deliver_sm_resp."""
    return encode_cstring(message_id)


def decode_message_id_resp(body: bytes) -> str:
    """message_id of a submit_sm_resp ("" when the body was omitted on error)."""
    if not body:
        return ""
    return decode_cstring(body, 0)[0]


# --- delivery receipts (SMPP 3.4 Appendix B) ----------------------------------------------


def format_receipt_text(
    message_id: str,
    submit_date: str,
    done_date: str,
    stat: str,
    err: str = "000",
    text: str = "",
    submitted: int = 1,
    delivered: int = 1,
) -> bytes:
    """`id:… sub:… dlvrd:… submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:… err:… text:…`.

    Dates are pre-formatted by the caller (cheap to cache per second).
    """
    return (
        f"id:{message_id} sub:{submitted:03d} dlvrd:{delivered:03d} "
        f"submit date:{submit_date} done date:{done_date} stat:{stat} err:{err} "
        f"text:{text[:20]}"
    ).encode("ascii", "replace")


_RECEIPT_FIELD = re.compile(r"(id|sub|dlvrd|submit date|done date|stat|err|text):")


def parse_receipt_text(data: bytes | str) -> dict[str, str]:
    """Split a receipt text into its fields (keys as in the specification)."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    out: dict[str, str] = {}
    matches = list(_RECEIPT_FIELD.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[match.end() : end]
        # `text:` is last and may contain spaces; the others are single tokens.
        out[match.group(1)] = value if match.group(1) == "text" else value.strip()
    return out
