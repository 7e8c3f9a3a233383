from hypothesis import given, settings
from hypothesis import strategies as st

from corriere.platform.text.gsm import (
    GSM7_BASIC_CHARS,
    GSM7_EXTENSION_CHARS,
    Encoding,
    analyse,
    check_parts,
    invalid_chars,
    pack_septets,
    reassemble,
    split,
    udh_concat,
    unpack_septets,
)

_GSM_ALPHABET = st.sampled_from(GSM7_BASIC_CHARS + GSM7_EXTENSION_CHARS)
# Arbitrary text minus what invalid_chars rejects (lone surrogates, controls).
_UNICODE_ALPHABET = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\r\f")


def _texts(alphabet: st.SearchStrategy[str], pads: str) -> st.SearchStrategy[str]:
    # Short texts, long multipart texts, and texts padded up to the part
    # boundaries, where escape/surrogate pairs are most likely to straddle.
    padded = st.builds(
        lambda pad, n, tail: pad * n + tail,
        st.sampled_from(pads),
        st.sampled_from([66, 67, 69, 70, 133, 152, 153, 159, 160, 305, 611]),
        st.text(alphabet, min_size=1, max_size=12),
    )
    return st.one_of(
        st.text(alphabet, max_size=200),
        st.text(alphabet, min_size=150, max_size=700),
        padded,
    )


GSM_TEXTS = _texts(_GSM_ALPHABET, pads="a€")
UNICODE_TEXTS = _texts(_UNICODE_ALPHABET, pads="aЖ😀")
ANY_TEXTS = st.one_of(GSM_TEXTS, UNICODE_TEXTS)


def _assert_parts_fit(text: str) -> None:
    info = analyse(text)
    parts = split(text)
    assert len(parts) == info.parts
    if info.encoding is Encoding.GSM7:
        if len(parts) == 1:
            assert len(parts[0]) <= 160
            assert len(pack_septets(parts[0])) <= 140
        else:
            for i, part in enumerate(parts, start=1):
                assert len(part) <= 153
                # Packed after a 6-byte UDH (1 fill bit) it must fit 140 octets.
                udh = udh_concat(1, len(parts), i)
                assert len(udh) + len(pack_septets(part, fill_bits=1)) <= 140
    else:
        if len(parts) == 1:
            assert len(parts[0]) <= 140
        else:
            for part in parts:
                assert len(part) <= 134
                assert len(part) % 2 == 0
    # Greedy: a non-last part is full, or one unit short when a pair did not fit.
    fullish = 152 if info.encoding is Encoding.GSM7 else 132
    assert all(len(p) >= fullish for p in parts[:-1])


@settings(deadline=None)
@given(GSM_TEXTS)
def test_gsm_texts_stay_gsm(text: str) -> None:
    info = analyse(text)
    assert info.encoding is Encoding.GSM7
    assert info.unicode_chars == ()
    assert info.units == len(text) + sum(ch in GSM7_EXTENSION_CHARS for ch in text)


@settings(deadline=None)
@given(ANY_TEXTS)
def test_round_trip(text: str) -> None:
    info = analyse(text)
    assert reassemble(split(text), info.encoding.data_coding) == text


@settings(deadline=None)
@given(ANY_TEXTS)
def test_parts_fit_limits(text: str) -> None:
    _assert_parts_fit(text)


@settings(deadline=None)
@given(ANY_TEXTS)
def test_analyse_consistent(text: str) -> None:
    info = analyse(text)
    assert info.chars == len(text)
    assert info.is_empty == (text == "")
    assert info.remaining_in_part >= 0
    total_bytes = sum(len(p) for p in split(text))
    if info.encoding is Encoding.GSM7:
        assert info.units == total_bytes
    else:
        assert info.units * 2 == total_bytes
        assert info.unicode_chars
        assert len(set(info.unicode_chars)) == len(info.unicode_chars)
        assert all(analyse(ch).encoding is Encoding.UCS2 for ch in info.unicode_chars)
    assert invalid_chars(text) == ()


@settings(deadline=None)
@given(ANY_TEXTS, st.integers(min_value=1, max_value=6))
def test_check_parts_matches_analyse(text: str, max_parts: int) -> None:
    info = analyse(text)
    check = check_parts(text, max_parts)
    assert check.ok == (info.parts <= max_parts)
    assert check.parts == info.parts
    if check.ok:
        assert (check.excess_units, check.excess_chars) == (0, 0)
    else:
        assert check.excess_units >= 1
        assert 1 <= check.excess_chars <= check.excess_units
        # Dropping exactly the reported tail makes it fit, dropping less does not.
        # (If trimming drops the last non-GSM char the text turns GSM-7 and fits too.)
        trimmed = analyse(text[: len(text) - check.excess_chars])
        assert trimmed.parts <= max_parts
        if trimmed.encoding is info.encoding:
            assert trimmed.units == info.units - check.excess_units
        longer = analyse(text[: len(text) - check.excess_chars + 1])
        if longer.encoding is info.encoding:
            assert longer.parts > max_parts


@settings(deadline=None)
@given(ANY_TEXTS)
def test_check_parts_four(text: str) -> None:
    assert check_parts(text, 4).ok == (analyse(text).parts <= 4)


@settings(deadline=None)
@given(st.binary(max_size=400).map(lambda b: bytes(x & 0x7F for x in b)), st.integers(0, 6))
def test_pack_unpack_round_trip(septets: bytes, fill_bits: int) -> None:
    packed = pack_septets(septets, fill_bits=fill_bits)
    expected_len = (fill_bits + 7 * len(septets) + 7) // 8 if septets else 0
    assert len(packed) == expected_len
    assert unpack_septets(packed, len(septets), fill_bits=fill_bits) == septets
