import dataclasses
import unicodedata

import pytest

from corriere.platform.text.gsm import (
    GSM7_BASIC_CHARS,
    GSM7_BASIC_TABLE,
    GSM7_EXTENSION_CHARS,
    Encoding,
    analyse,
    check_parts,
    decode,
    invalid_chars,
    pack_septets,
    reassemble,
    split,
    udh_concat,
    unicode_chars,
    unpack_septets,
)

CYR = "Ж"  # BMP, outside GSM: forces UCS-2 with one code unit per char
EMOJI = "😀"  # outside the BMP: a surrogate pair, two code units


# --- tables -----------------------------------------------------------------


def test_basic_table_shape() -> None:
    assert len(GSM7_BASIC_TABLE) == 128
    assert GSM7_BASIC_TABLE[0x1B] == "\x1b"
    assert len(GSM7_BASIC_CHARS) == 127
    assert len(set(GSM7_BASIC_CHARS)) == 127
    assert not set(GSM7_BASIC_CHARS) & set(GSM7_EXTENSION_CHARS)
    assert sorted(GSM7_EXTENSION_CHARS) == sorted("\f^{}\\[~]|€")


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0x00, "COMMERCIAL AT"),
        (0x01, "POUND SIGN"),
        (0x09, "LATIN CAPITAL LETTER C WITH CEDILLA"),
        (0x10, "GREEK CAPITAL LETTER DELTA"),
        (0x12, "GREEK CAPITAL LETTER PHI"),
        (0x13, "GREEK CAPITAL LETTER GAMMA"),
        (0x14, "GREEK CAPITAL LETTER LAMDA"),
        (0x15, "GREEK CAPITAL LETTER OMEGA"),
        (0x16, "GREEK CAPITAL LETTER PI"),
        (0x17, "GREEK CAPITAL LETTER PSI"),
        (0x18, "GREEK CAPITAL LETTER SIGMA"),
        (0x19, "GREEK CAPITAL LETTER THETA"),
        (0x1A, "GREEK CAPITAL LETTER XI"),
        (0x1F, "LATIN CAPITAL LETTER E WITH ACUTE"),
        (0x24, "CURRENCY SIGN"),
        (0x40, "INVERTED EXCLAMATION MARK"),
        (0x5F, "SECTION SIGN"),
        (0x60, "INVERTED QUESTION MARK"),
        (0x7F, "LATIN SMALL LETTER A WITH GRAVE"),
    ],
)
def test_basic_table_positions(code: int, name: str) -> None:
    assert unicodedata.name(GSM7_BASIC_TABLE[code]) == name


def test_ascii_ranges_in_place() -> None:
    assert GSM7_BASIC_TABLE[0x20:0x24] == ' !"#'
    assert GSM7_BASIC_TABLE[0x25:0x40] == "%&'()*+,-./0123456789:;<=>?"
    assert GSM7_BASIC_TABLE[0x41:0x5B] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert GSM7_BASIC_TABLE[0x61:0x7B] == "abcdefghijklmnopqrstuvwxyz"
    assert GSM7_BASIC_TABLE[0x0A] == "\n"
    assert GSM7_BASIC_TABLE[0x0D] == "\r"


def test_extension_codes() -> None:
    assert split("\f^{}\\[~]|€") == [
        b"\x1b\x0a\x1b\x14\x1b\x28\x1b\x29\x1b\x2f\x1b\x3c\x1b\x3d\x1b\x3e\x1b\x40\x1b\x65"
    ]


# --- encoding choice --------------------------------------------------------


def test_data_coding() -> None:
    assert Encoding.GSM7.data_coding == 0x00
    assert Encoding.UCS2.data_coding == 0x08
    assert Encoding("gsm7") is Encoding.GSM7
    assert str(Encoding.UCS2) == "ucs2"


def test_backtick_forces_ucs2() -> None:
    info = analyse("price `5`")
    assert info.encoding is Encoding.UCS2
    assert info.unicode_chars == ("`",)
    assert split("`") == ["`".encode("utf-16-be")]


def test_section_sign_is_gsm() -> None:
    info = analyse("§ 5")
    assert info.encoding is Encoding.GSM7
    assert info.unicode_chars == ()
    assert split("§") == [b"\x5f"]


def test_lowercase_c_cedilla_is_not_gsm() -> None:
    assert analyse("Ç").encoding is Encoding.GSM7
    assert analyse("ç").encoding is Encoding.UCS2


def test_unicode_chars_distinct_in_first_appearance_order() -> None:
    text = "Ciao ç è `x` ç 😀 ç €"
    assert analyse(text).unicode_chars == ("ç", "`", EMOJI)
    assert unicode_chars(text) == ("ç", "`", EMOJI)
    assert unicode_chars("plain €") == ()


# --- counting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "parts"),
    [
        (0, 1),
        (1, 1),
        (160, 1),
        (161, 2),
        (306, 2),
        (307, 3),
        (459, 3),
        (460, 4),
        (612, 4),
        (613, 5),
    ],
)
def test_gsm_parts(length: int, parts: int) -> None:
    info = analyse("a" * length)
    assert info.encoding is Encoding.GSM7
    assert info.units == length
    assert info.chars == length
    assert info.parts == parts
    assert len(split("a" * length)) == parts


@pytest.mark.parametrize(
    ("length", "parts"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (268, 4), (269, 5)]
)
def test_ucs2_parts(length: int, parts: int) -> None:
    info = analyse(CYR * length)
    assert info.encoding is Encoding.UCS2
    assert info.units == length
    assert info.parts == parts
    assert len(split(CYR * length)) == parts


def test_euro_counts_two() -> None:
    info = analyse("€")
    assert (info.units, info.chars, info.parts) == (2, 1, 1)
    assert analyse("€" * 80).parts == 1
    assert analyse("€" * 81).parts == 2


def test_emoji_counts_two_units() -> None:
    info = analyse(EMOJI)
    assert (info.encoding, info.units, info.chars) == (Encoding.UCS2, 2, 1)
    assert analyse(EMOJI * 35).parts == 1
    assert analyse(EMOJI * 36).parts == 2


def test_empty() -> None:
    info = analyse("")
    assert info.is_empty
    assert (info.encoding, info.units, info.parts, info.chars) == (Encoding.GSM7, 0, 1, 0)
    assert info.remaining_in_part == 160
    assert split("") == [b""]
    assert not analyse("a").is_empty


@pytest.mark.parametrize(
    ("text", "remaining"),
    [
        ("a", 159),
        ("a" * 160, 0),
        ("a" * 161, 153 - 8),
        ("a" * 306, 0),
        ("€", 158),
        (CYR, 69),
        (CYR * 71, 67 - 4),
        (EMOJI, 68),
    ],
)
def test_remaining_in_part(text: str, remaining: int) -> None:
    assert analyse(text).remaining_in_part == remaining


def test_text_info_is_frozen() -> None:
    info = analyse("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.units = 5  # type: ignore[misc]


# --- splitting --------------------------------------------------------------


def test_escape_pair_not_split() -> None:
    text = "a" * 152 + "€"
    info = analyse(text)
    assert (info.units, info.parts) == (154, 1)  # fits a single SMS
    text = "a" * 152 + "€" + "b" * 10
    parts = split(text)
    assert len(parts) == analyse(text).parts == 2
    assert parts[0] == b"a" * 152
    assert parts[1] == b"\x1b\x65" + b"b" * 10


def test_escape_pair_not_split_when_only_escape_overflows() -> None:
    # 161 septets: must segment, and the pair straddles septet 153.
    text = "a" * 152 + "€" + "a" * 7
    parts = split(text)
    assert [len(p) for p in parts] == [152, 9]
    assert parts[1].startswith(b"\x1b\x65")
    assert analyse(text).remaining_in_part == 153 - 9


def test_surrogate_pair_not_split() -> None:
    text = CYR * 66 + EMOJI + CYR * 5  # 73 units: segmented, emoji at units 67-68
    parts = split(text)
    assert len(parts) == analyse(text).parts == 2
    assert parts[0] == (CYR * 66).encode("utf-16-be")
    assert len(parts[0]) == 132
    assert parts[1] == (EMOJI + CYR * 5).encode("utf-16-be")


def test_split_full_parts() -> None:
    parts = split("x" * 400)
    assert [len(p) for p in parts] == [153, 153, 94]
    parts = split(CYR * 150)
    assert [len(p) for p in parts] == [134, 134, 32]


def test_split_lone_surrogate_raises() -> None:
    with pytest.raises(ValueError):
        split("a\ud800")


def test_split_gsm_values() -> None:
    assert split("@£$\n\rÅ") == [bytes([0x00, 0x01, 0x02, 0x0A, 0x0D, 0x0E])]
    assert split("ΔΩ_") == [bytes([0x10, 0x15, 0x11])]


# --- check_parts ------------------------------------------------------------


def test_check_parts_gsm_ok_and_over() -> None:
    ok = check_parts("a" * 612, 4)
    assert (ok.ok, ok.parts, ok.max_parts, ok.max_chars, ok.excess_units) == (True, 4, 4, 612, 0)
    assert ok.excess_chars == 0
    over = check_parts("a" * 613, 4)
    assert (over.ok, over.parts, over.max_chars, over.excess_units, over.excess_chars) == (
        False,
        5,
        612,
        1,
        1,
    )


def test_check_parts_single() -> None:
    ok = check_parts("a" * 160, 1)
    assert (ok.ok, ok.max_chars, ok.excess_units) == (True, 160, 0)
    over = check_parts("a" * 165, 1)
    assert (over.ok, over.parts, over.max_chars, over.excess_units) == (False, 2, 160, 5)
    euro = check_parts("a" * 159 + "€", 1)
    assert (euro.ok, euro.excess_units, euro.excess_chars) == (False, 2, 1)


def test_check_parts_ucs2() -> None:
    ok = check_parts(CYR * 268, 4)
    assert (ok.ok, ok.encoding, ok.max_chars) == (True, Encoding.UCS2, 268)
    over = check_parts(CYR * 270, 4)
    assert (over.ok, over.excess_units, over.excess_chars) == (False, 2, 2)
    assert check_parts(CYR * 70, 1).max_chars == 70
    emoji = check_parts(CYR * 69 + EMOJI, 1)
    assert (emoji.ok, emoji.excess_units, emoji.excess_chars) == (False, 2, 1)


def test_check_parts_escape_at_boundary() -> None:
    over = check_parts("a" * 611 + "€", 4)
    assert (over.ok, over.parts, over.excess_units, over.excess_chars) == (False, 5, 2, 1)


def test_check_parts_units_within_capacity_but_pairs_waste_space() -> None:
    # 612 septets, but each part holds 76 euros (152 septets), so 5 parts.
    check = check_parts("€" * 306, 4)
    assert (check.ok, check.parts, check.max_chars) == (False, 5, 612)
    assert check.excess_units == 612 - 4 * 152
    assert check.excess_chars == 306 - 4 * 76


def test_check_parts_rejects_zero() -> None:
    with pytest.raises(ValueError):
        check_parts("a", 0)


# --- invalid characters -----------------------------------------------------


def test_invalid_chars() -> None:
    text = "a\x00b\tc\n\r\f\x85\x7f\ud800\t€😀"
    assert invalid_chars(text) == ("\x00", "\t", "\x85", "\x7f", "\ud800")
    assert invalid_chars("ok\n\r\f text € 😀 `") == ()
    assert invalid_chars("\x1b") == ("\x1b",)


def test_esc_char_is_not_gsm() -> None:
    # ESC is the table switch, not a character a user may send.
    assert analyse("\x1b").encoding is Encoding.UCS2


# --- decode / reassemble ----------------------------------------------------


def test_decode_gsm() -> None:
    assert decode(b"Hi \x00\x40\x1b\x65\x5f\x60\x10", 0x00) == "Hi @¡€§¿Δ"
    assert decode(b"\x1b\x0a", 0x00) == "\f"


def test_decode_gsm_robustness() -> None:
    assert decode(b"\x1b\x41", 0x00) == "A"  # unknown extension -> basic table
    assert decode(b"\x1b\x1b", 0x00) == " "
    assert decode(b"a\x1b", 0x00) == "a"  # trailing lone ESC
    assert decode(b"a\xe9", 0x00) == "a\ufffd"


def test_decode_ucs2() -> None:
    assert decode("Ж😀".encode("utf-16-be"), 0x08) == "Ж😀"
    assert decode(b"\x04\x16\x00", 0x08) == "Ж\ufffd"
    assert decode(b"\xd8\x3d", 0x08) == "\ufffd"


@pytest.mark.parametrize("data_coding", [0x01, 0x02, 0x03, 0x04])
def test_decode_latin1(data_coding: int) -> None:
    assert decode(b"caf\xe9", data_coding) == "café"


def test_decode_unsupported() -> None:
    with pytest.raises(ValueError):
        decode(b"x", 0x05)


def test_reassemble_joins_pairs_split_by_other_senders() -> None:
    assert reassemble([b"a\x1b", b"\x65b"], 0x00) == "a€b"
    raw = "x😀".encode("utf-16-be")
    assert reassemble([raw[:4], raw[4:]], 0x08) == "x😀"


def test_reassemble_round_trip() -> None:
    text = "a" * 152 + "€" + "b" * 300
    assert reassemble(split(text), 0x00) == text
    text = CYR * 66 + EMOJI + CYR * 100
    assert reassemble(split(text), 0x08) == text


# --- UDH --------------------------------------------------------------------


def test_udh_concat() -> None:
    assert udh_concat(0x2A, 3, 1) == bytes([0x05, 0x00, 0x03, 0x2A, 0x03, 0x01])
    assert len(udh_concat(255, 255, 255)) == 6


@pytest.mark.parametrize(
    ("ref", "total", "seq"), [(256, 2, 1), (-1, 2, 1), (1, 0, 1), (1, 2, 3), (1, 2, 0)]
)
def test_udh_concat_rejects(ref: int, total: int, seq: int) -> None:
    with pytest.raises(ValueError):
        udh_concat(ref, total, seq)


# --- septet packing ---------------------------------------------------------


def test_pack_known_vector() -> None:
    septets = split("hellohello")[0]
    packed = pack_septets(septets)
    assert packed == bytes.fromhex("E8329BFD4697D9EC37")
    assert unpack_septets(packed, 10) == septets


def test_pack_eight_septets_in_seven_octets() -> None:
    packed = pack_septets(b"\x7f" * 8)
    assert packed == b"\xff" * 7
    assert unpack_septets(packed, 8) == b"\x7f" * 8
    assert unpack_septets(pack_septets(b"\x01" * 7), 7) == b"\x01" * 7


def test_pack_fill_bits() -> None:
    assert pack_septets(b"\x01", fill_bits=1) == b"\x02"
    assert unpack_septets(b"\x02", 1, fill_bits=1) == b"\x01"
    # 153 septets after a 6-byte UDH need 1 fill bit and exactly 134 octets.
    assert len(pack_septets(b"a" * 153, fill_bits=1)) == 134


def test_pack_rejects() -> None:
    with pytest.raises(ValueError):
        pack_septets(b"\x80")
    with pytest.raises(ValueError):
        pack_septets(b"a", fill_bits=7)
    with pytest.raises(ValueError):
        unpack_septets(b"\x00", 2)
    with pytest.raises(ValueError):
        unpack_septets(b"", -1)


def test_pack_empty() -> None:
    assert pack_septets(b"") == b""
    assert pack_septets(b"", fill_bits=3) == b""
    assert unpack_septets(b"", 0) == b""
