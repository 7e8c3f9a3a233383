"""Text decoding/encoding for SMPP data_coding values, with our own GSM 03.38 table.

GSM-7 here means *unpacked* septets (one per octet), which is what SMPP carries.
"""

from __future__ import annotations

from typing import Literal

DefaultAlphabet = Literal["gsm7", "ascii"]

# 3GPP TS 23.038 default alphabet; index = septet value. 0x1B is the escape to the extension.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = {
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
assert len(GSM7_BASIC) == 128

# Fast path: septets as latin-1 code points translated through the table.
_BASIC_TRANSLATE = {i: ch for i, ch in enumerate(GSM7_BASIC)}
_ENCODE_BASIC = {ch: i for i, ch in enumerate(GSM7_BASIC) if i != 0x1B}
_ENCODE_EXTENSION = {ch: code for code, ch in GSM7_EXTENSION.items()}


def gsm7_decode(data: bytes) -> str:
    if b"\x1b" not in data:
        # Octets above 0x7F are not valid septets; mask them rather than fail.
        if max(data, default=0) > 0x7F:
            data = bytes(b & 0x7F for b in data)
        return data.decode("latin-1").translate(_BASIC_TRANSLATE)
    out: list[str] = []
    escape = False
    for octet in data:
        septet = octet & 0x7F
        if escape:
            # Unknown extension codes fall back to the basic character (TS 23.038).
            out.append(GSM7_EXTENSION.get(septet, GSM7_BASIC[septet]))
            escape = False
        elif septet == 0x1B:
            escape = True
        else:
            out.append(GSM7_BASIC[septet])
    if escape:
        out.append(" ")
    return "".join(out)


def gsm7_encode(text: str) -> bytes | None:
    """Unpacked GSM-7 septets, or None if some character is not in the alphabet."""
    out = bytearray()
    for ch in text:
        code = _ENCODE_BASIC.get(ch)
        if code is not None:
            out.append(code)
            continue
        code = _ENCODE_EXTENSION.get(ch)
        if code is None:
            return None
        out += bytes((0x1B, code))
    return bytes(out)


def decode_text(data: bytes, data_coding: int, default_alphabet: DefaultAlphabet = "gsm7") -> str:
    """Best-effort text of a (UDH-stripped) payload for display."""
    coding = data_coding
    if coding & 0xF0 == 0xF0:  # message class group: bit 2 selects 8-bit data
        coding = 0x04 if coding & 0x04 else 0x00
    if coding == 0x00:
        if default_alphabet == "gsm7":
            return gsm7_decode(data)
        return data.decode("ascii", "replace")
    if coding == 0x08:
        return data.decode("utf-16-be", "replace")
    if coding == 0x01:
        return data.decode("ascii", "replace")
    if coding in (0x02, 0x04):
        return data.hex()
    return data.decode("latin-1")


def encode_text(text: str, default_alphabet: DefaultAlphabet = "gsm7") -> tuple[bytes, int]:
    """(payload, data_coding): default alphabet (0) when it can carry the text, else UCS-2."""
    if default_alphabet == "gsm7":
        encoded = gsm7_encode(text)
        if encoded is not None:
            return encoded, 0x00
    elif text.isascii():
        return text.encode("ascii"), 0x00
    return text.encode("utf-16-be"), 0x08
