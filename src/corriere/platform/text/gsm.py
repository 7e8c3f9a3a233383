"""SMS text rules: GSM 03.38 / UCS-2 choice, part counting, splitting and codecs.

The tables are written here rather than taken from ``smpplib.gsm``, which splits
escape and surrogate pairs across parts, maps ` onto the § code and cannot
encode §.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from typing import Final

_ESC: Final = 0x1B

# GSM 03.38 default alphabet indexed by septet value. Greek capitals are written
# as escapes so that Latin look-alikes cannot slip in. Position 0x1B is ESC, the
# switch to the extension table, not a character of its own.
GSM7_BASIC_TABLE: Final[str] = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

# Extension table: these cost two septets (ESC + code).
_EXTENSION_TABLE: Final[dict[int, str]] = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

GSM7_BASIC_CHARS: Final[str] = GSM7_BASIC_TABLE.replace("\x1b", "")
GSM7_EXTENSION_CHARS: Final[str] = "".join(_EXTENSION_TABLE.values())

# char -> encoded septets (one byte per septet, unpacked as SMPP sends them).
_GSM_ENCODE: Final[dict[str, bytes]] = {
    **{ch: bytes([code]) for code, ch in enumerate(GSM7_BASIC_TABLE) if code != _ESC},
    **{ch: bytes([_ESC, code]) for code, ch in _EXTENSION_TABLE.items()},
}

_GSM7_SINGLE: Final = 160
_GSM7_MULTI: Final = 153  # 160 - 7 septets taken by the 6-byte UDH (+1 fill bit)
_UCS2_SINGLE: Final = 70
_UCS2_MULTI: Final = 67  # (140 - 6 UDH bytes) / 2


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"

    @property
    def data_coding(self) -> int:
        """SMPP data_coding: 0x00 SMSC default alphabet, 0x08 UCS-2."""
        return 0x00 if self is Encoding.GSM7 else 0x08

    @property
    def single_part_units(self) -> int:
        return _GSM7_SINGLE if self is Encoding.GSM7 else _UCS2_SINGLE

    @property
    def multi_part_units(self) -> int:
        """Units per part once a concatenation UDH is present."""
        return _GSM7_MULTI if self is Encoding.GSM7 else _UCS2_MULTI


@dataclass(frozen=True, slots=True, kw_only=True)
class TextInfo:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int
    chars: int
    unicode_chars: tuple[str, ...]
    remaining_in_part: int

    @property
    def is_empty(self) -> bool:
        return self.chars == 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PartsCheck:
    ok: bool
    encoding: Encoding
    parts: int
    max_parts: int
    max_chars: int  # capacity in units (== characters for plain GSM/BMP text)
    excess_units: int  # units to drop from the end to fit; 0 when ok
    excess_chars: int  # characters to drop from the end to fit; 0 when ok


@dataclass(frozen=True, slots=True)
class _Part:
    start: int
    stop: int
    units: int


def _is_gsm(ch: str) -> bool:
    return ch in _GSM_ENCODE


def _encoding_of(text: str) -> Encoding:
    return Encoding.GSM7 if all(map(_is_gsm, text)) else Encoding.UCS2


def _unit_sizes(text: str, encoding: Encoding) -> list[int]:
    # Each character is atomic for splitting: an escape pair or a surrogate pair
    # is one entry of size 2, so no part boundary can fall inside it.
    if encoding is Encoding.GSM7:
        return [len(_GSM_ENCODE[ch]) for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _layout(sizes: Sequence[int], encoding: Encoding) -> list[_Part]:
    """Greedy split into parts (character ranges); one part if it fits unsegmented."""
    total = sum(sizes)
    if total <= encoding.single_part_units:
        return [_Part(0, len(sizes), total)]
    limit = encoding.multi_part_units
    parts: list[_Part] = []
    start = used = 0
    for i, size in enumerate(sizes):
        if used + size > limit:
            parts.append(_Part(start, i, used))
            start, used = i, 0
        used += size
    parts.append(_Part(start, len(sizes), used))
    return parts


def _distinct(chars: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(chars))


def unicode_chars(text: str) -> tuple[str, ...]:
    """Distinct characters outside GSM 03.38, in order of first appearance."""
    return _distinct([ch for ch in text if not _is_gsm(ch)])


def analyse(text: str) -> TextInfo:
    encoding = _encoding_of(text)
    sizes = _unit_sizes(text, encoding)
    layout = _layout(sizes, encoding)
    limit = encoding.single_part_units if len(layout) == 1 else encoding.multi_part_units
    return TextInfo(
        encoding=encoding,
        units=sum(sizes),
        parts=len(layout),
        chars=len(text),
        unicode_chars=unicode_chars(text) if encoding is Encoding.UCS2 else (),
        remaining_in_part=limit - layout[-1].units,
    )


def split(text: str) -> list[bytes]:
    """Encoded payload of each part, without UDH; GSM-7 is unpacked (one septet per byte).

    Raises UnicodeEncodeError (a ValueError) on lone surrogates, which UCS-2 cannot carry.
    """
    encoding = _encoding_of(text)
    layout = _layout(_unit_sizes(text, encoding), encoding)
    chunks = [text[p.start : p.stop] for p in layout]
    if encoding is Encoding.GSM7:
        return [b"".join([_GSM_ENCODE[ch] for ch in chunk]) for chunk in chunks]
    return [chunk.encode("utf-16-be") for chunk in chunks]


def check_parts(text: str, max_parts: int) -> PartsCheck:
    """Check ``text`` against a per-type part limit (e.g. 4 for PRO, 1 for SMART/REPLY)."""
    if max_parts < 1:
        raise ValueError(f"max_parts must be >= 1, got {max_parts}")
    encoding = _encoding_of(text)
    sizes = _unit_sizes(text, encoding)
    layout = _layout(sizes, encoding)
    if max_parts == 1:
        capacity = encoding.single_part_units
    else:
        capacity = encoding.multi_part_units * max_parts
    ok = len(layout) <= max_parts
    excess_units = excess_chars = 0
    if not ok:
        # Longest prefix that fits; greedy packing is optimal for an ordered prefix.
        if max_parts == 1:
            running = list(accumulate(sizes))
            fit_chars = bisect_right(running, capacity)
            fit_units = running[fit_chars - 1] if fit_chars else 0
        else:
            kept = layout[:max_parts]
            fit_chars = kept[-1].stop
            fit_units = sum(p.units for p in kept)
        excess_units = sum(sizes) - fit_units
        excess_chars = len(text) - fit_chars
    return PartsCheck(
        ok=ok,
        encoding=encoding,
        parts=len(layout),
        max_parts=max_parts,
        max_chars=capacity,
        excess_units=excess_units,
        excess_chars=excess_chars,
    )


def invalid_chars(text: str) -> tuple[str, ...]:
    """Distinct characters not allowed in SMS text: C0/C1 controls (and DEL) except
    LF, CR and FF, plus lone surrogates."""
    bad = [
        ch
        for ch in text
        if (
            ((o := ord(ch)) < 0x20 and ch not in "\n\r\f")
            or 0x7F <= o <= 0x9F
            or 0xD800 <= o <= 0xDFFF
        )
    ]
    return _distinct(bad)


def _decode_gsm7(payload: bytes) -> str:
    out: list[str] = []
    escaped = False
    for value in payload:
        if value > 0x7F:
            # Not a septet: keep going rather than failing an inbound message.
            out.append("\ufffd")
            escaped = False
        elif escaped:
            escaped = False
            if value == _ESC:
                out.append(" ")  # 23.038: ESC ESC is reserved, display as space
            else:
                # 23.038: unknown extension code falls back to the basic table.
                out.append(_EXTENSION_TABLE.get(value, GSM7_BASIC_TABLE[value]))
        elif value == _ESC:
            escaped = True
        else:
            out.append(GSM7_BASIC_TABLE[value])
    # A trailing lone ESC carries no character and is dropped.
    return "".join(out)


def decode(payload: bytes, data_coding: int) -> str:
    """Decode an SMPP short_message payload (without UDH).

    0x00 GSM-7 unpacked, 0x08 UCS-2/UTF-16BE; 0x01 (IA5), 0x03 (Latin-1) and
    0x02/0x04 (8-bit binary) are read as Latin-1 so inbound messages never fail.
    """
    if data_coding == 0x00:
        return _decode_gsm7(payload)
    if data_coding == 0x08:
        # Inbound robustness: broken pairs or odd lengths become U+FFFD.
        return payload.decode("utf-16-be", errors="replace")
    if data_coding in (0x01, 0x02, 0x03, 0x04):
        return payload.decode("latin-1")
    raise ValueError(f"unsupported data_coding 0x{data_coding:02x}")


def reassemble(parts: list[bytes], data_coding: int) -> str:
    """Join part payloads (without UDH) and decode.

    Bytes are joined before decoding so that escape or surrogate pairs split by
    other senders still decode correctly.
    """
    return decode(b"".join(parts), data_coding)


def udh_concat(ref: int, total: int, seq: int) -> bytes:
    """6-byte concatenation UDH with an 8-bit reference: 05 00 03 ref total seq."""
    if not 0 <= ref <= 0xFF:
        raise ValueError(f"ref must be 0..255, got {ref}")
    if not 1 <= total <= 0xFF:
        raise ValueError(f"total must be 1..255, got {total}")
    if not 1 <= seq <= total:
        raise ValueError(f"seq must be 1..{total}, got {seq}")
    return bytes([0x05, 0x00, 0x03, ref, total, seq])


def _check_fill_bits(fill_bits: int) -> None:
    if not 0 <= fill_bits <= 6:
        raise ValueError(f"fill_bits must be 0..6, got {fill_bits}")


def pack_septets(data: bytes, *, fill_bits: int = 0) -> bytes:
    """Pack septet values (one per byte, each < 0x80) into GSM 7-bit packed octets.

    ``fill_bits`` leading zero bits align the septets after a UDH in PDU mode
    (1 for the 6-byte concatenation UDH).
    """
    _check_fill_bits(fill_bits)
    if not data:
        return b""
    out = bytearray()
    acc = 0
    nbits = fill_bits
    for value in data:
        if value > 0x7F:
            raise ValueError(f"not a septet: 0x{value:02x}")
        acc |= value << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int, *, fill_bits: int = 0) -> bytes:
    """Unpack ``count`` septets (the count is needed: 8 septets fit in 7 octets)."""
    _check_fill_bits(fill_bits)
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if count and fill_bits + 7 * count > 8 * len(data):
        raise ValueError(f"{len(data)} octets cannot hold {count} septets")
    out = bytearray()
    acc = 0
    nbits = 0
    skip = fill_bits
    for byte in data:
        if len(out) == count:
            break
        acc |= byte << nbits
        nbits += 8
        if skip:
            acc >>= skip
            nbits -= skip
            skip = 0
        while nbits >= 7 and len(out) < count:
            out.append(acc & 0x7F)
            acc >>= 7
            nbits -= 7
    return bytes(out)
