"""The one conversion between code points and Qt's UTF-16 positions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.gui.offsets import OffsetMap

CASES = [
    "plain ascii",
    "😀 emoji first, then 🧪 again",
    "家族 日本語 𠀋 (an extension-B ideograph)",
    "e\u0301 combining accent, cafe\u0301",
    "مرحبا بالعالم and שלום",
    "👩‍🔬 zero-width joiner family 👨‍👩‍👧",
    "\n\nblank lines\n😀\n",
]


def utf16_index(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def test_known_cases_match_utf16_counting():
    for text in CASES:
        mapping = OffsetMap(text)
        assert mapping.qt_length == len(text.encode("utf-16-le")) // 2
        for offset in range(len(text) + 1):
            assert mapping.to_qt(offset) == utf16_index(text, offset)
            assert mapping.from_qt(mapping.to_qt(offset)) == offset


def test_position_inside_a_surrogate_pair_snaps_to_its_start():
    mapping = OffsetMap("a😀b")
    assert [mapping.from_qt(q) for q in range(5)] == [0, 1, 1, 2, 3]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_round_trip_on_any_text(text):
    mapping = OffsetMap(text)
    for offset in range(len(text) + 1):
        assert mapping.from_qt(mapping.to_qt(offset)) == offset
        assert mapping.to_qt(offset) == utf16_index(text, offset)
