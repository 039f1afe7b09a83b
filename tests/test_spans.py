"""The span index against a brute-force reference, and selection trimming."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.spans import SpanIndex, trim_whitespace


class Span:
    def __init__(self, id, start, end):
        self.id, self.start, self.end = id, start, end


spans_strategy = st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 6_000)), max_size=60)


@given(spans_strategy, st.integers(0, 16_000), st.integers(0, 300))
def test_index_agrees_with_brute_force(pairs, query_start, query_length):
    spans = [Span(str(i), s, s + length) for i, (s, length) in enumerate(pairs)]
    index = SpanIndex(spans[: len(spans) // 2])
    for span in spans[len(spans) // 2 :]:
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


def test_remove_then_query_a_point_inside_a_long_span():
    index = SpanIndex([Span("long", 100, 20_000), Span("short", 150, 160)])
    assert {s.id for s in index.overlapping(10_000, 10_000)} == {"long"}
    assert index.remove("long").id == "long"
    assert index.overlapping(10_000, 10_001) == [] and len(index) == 1
