"""The one conversion between code points and Qt's UTF-16 positions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.gui.offsets import OffsetMap
from annotator.spans import SpanIndex, trim_whitespace

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


class Span:
    def __init__(self, id, start, end):
        self.id, self.start, self.end = id, start, end


spans_strategy = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(1, 6_000)), max_size=60
)


@given(spans_strategy, st.integers(0, 16_000), st.integers(0, 300))
def test_index_agrees_with_brute_force(pairs, query_start, query_length):
    spans = [Span(str(i), s, s + length) for i, (s, length) in enumerate(pairs)]
    index = SpanIndex(spans[: len(spans) // 2])
    for span in spans[len(spans) // 2:]:
        index.add(span)
    for span in spans[::3]:
        index.remove(span.id)
    kept = [s for s in spans if s not in spans[::3]]
    query_end = query_start + query_length
    expected = {s.id for s in kept if s.start < max(query_end, query_start + 1) and s.end > query_start}
    assert {s.id for s in index.overlapping(query_start, query_end)} == expected
    assert len(index) == len(kept)


def test_at_returns_innermost_first_and_update_replaces():
    index = SpanIndex([Span("outer", 0, 50), Span("inner", 10, 20), Span("long", 0, 9000)])
    assert [s.id for s in index.at(15)] == ["inner", "outer", "long"]
    index.add(Span("inner", 30, 40))
    assert [s.id for s in index.at(15)] == ["outer", "long"]
    assert index.remove("missing") is None


def test_trim_whitespace():
    assert trim_whitespace("  hello world \n", 0, 15) == (2, 13)
    assert trim_whitespace("a b", 1, 2) is None
    assert trim_whitespace("abc", -5, 99) == (0, 3)
