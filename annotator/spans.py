"""Spans by position: which annotations touch a range, fast for tens of thousands.

The document view asks this on every paint (the visible range) and every
hover (one offset), so it must not scan all spans. Spans are kept sorted by
start; a query looks only at starts in ``[a - longest_short, b)``. The few
very long spans (whole speaker turns, whole-document codes) live in a
separate small list that is scanned, so one long span cannot slow every
query down.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class SpanLike(Protocol):
    id: str
    start: int
    end: int


S = TypeVar("S", bound=SpanLike)

#: Spans longer than this (code points) go to the scanned list.
LONG_SPAN = 4096

_ID, _START, _END = operator.attrgetter("id"), operator.attrgetter("start"), operator.attrgetter("end")


class SpanIndex(Generic[S]):
    """A mutable index of spans answering overlap queries in O(log n + k)."""

    def __init__(self, spans: Iterable[S] = ()):
        """Index ``spans``: two parallel lists in start order, not a tuple per span.

        50,000 spans arrive at once when a document opens; tuples would be
        50,000 more objects to build and for the cyclic collector to walk.
        Spans that come sorted by start (as the store gives them) are taken
        in their order; others are sorted once.
        """
        self._by_id: dict[str, S] = {}
        self._long: dict[str, S] = {}
        short = []
        for span in spans:
            self._by_id[span.id] = span
            if span.end - span.start > LONG_SPAN:
                self._long[span.id] = span
            else:
                short.append(span)
        starts = list(map(_START, short))
        if not all(map(operator.le, starts, itertools.islice(starts, 1, None))):
            short.sort(key=_START)
            starts = list(map(_START, short))
        self._starts: list[int] = starts
        self._ids: list[str] = list(map(_ID, short))
        self._max_short = max(map(operator.sub, map(_END, short), starts), default=0)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, span_id: object) -> bool:
        return span_id in self._by_id

    def get(self, span_id: str) -> S | None:
        """The span with this id, if indexed."""
        return self._by_id.get(span_id)

    def all(self) -> list[S]:
        """Every span, in no particular order."""
        return list(self._by_id.values())

    def add(self, span: S) -> None:
        """Index a span (replacing one with the same id)."""
        if span.id in self._by_id:
            self.remove(span.id)
        self._by_id[span.id] = span
        if span.end - span.start > LONG_SPAN:
            self._long[span.id] = span
        else:
            position = bisect.bisect_right(self._starts, span.start)
            self._starts.insert(position, span.start)
            self._ids.insert(position, span.id)
            self._max_short = max(self._max_short, span.end - span.start)

    def remove(self, span_id: str) -> S | None:
        """Drop a span; returns it, or None if it was not indexed."""
        span = self._by_id.pop(span_id, None)
        if span is None:
            return None
        if self._long.pop(span_id, None) is None:
            low = bisect.bisect_left(self._starts, span.start)
            high = bisect.bisect_right(self._starts, span.start, lo=low)
            position = self._ids.index(span_id, low, high)  # among the few spans starting there
            del self._starts[position], self._ids[position]
        return span

    def overlapping(self, start: int, end: int) -> list[S]:
        """Spans intersecting ``[start, end)`` (for ``start == end``: containing that point)."""
        end = max(end, start + 1)
        low = bisect.bisect_left(self._starts, start - self._max_short)
        high = bisect.bisect_left(self._starts, end, lo=low)
        by_id = self._by_id
        found = []
        for span_id in self._ids[low:high]:
            span = by_id[span_id]
            if span.end > start:
                found.append(span)
        found.extend(s for s in self._long.values() if s.start < end and s.end > start)
        return found

    def at(self, offset: int) -> list[S]:
        """Spans containing the character at ``offset``, shortest first."""
        return sorted(self.overlapping(offset, offset + 1), key=lambda s: (s.end - s.start, s.start))


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink ``[start, end)`` past leading and trailing white space; None if nothing is left."""
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
