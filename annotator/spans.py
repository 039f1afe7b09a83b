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
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class SpanLike(Protocol):
    id: str
    start: int
    end: int


S = TypeVar("S", bound=SpanLike)

#: Spans longer than this (code points) go to the scanned list.
LONG_SPAN = 4096


class SpanIndex(Generic[S]):
    """A mutable index of spans answering overlap queries in O(log n + k)."""

    def __init__(self, spans: Iterable[S] = ()):
        self._by_id: dict[str, S] = {}
        self._keys: list[tuple[int, str]] = []
        self._long: dict[str, S] = {}
        self._max_short = 0
        items = list(spans)
        self._by_id = {span.id: span for span in items}
        short, longest = [], 0
        for span in items:
            length = span.end - span.start
            if length > LONG_SPAN:
                self._long[span.id] = span
            else:
                short.append((span.start, span.id))
                if length > longest:
                    longest = length
        self._max_short = longest
        short.sort()
        self._keys = short

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
            bisect.insort(self._keys, (span.start, span.id))
            self._max_short = max(self._max_short, span.end - span.start)

    def remove(self, span_id: str) -> S | None:
        """Drop a span; returns it, or None if it was not indexed."""
        span = self._by_id.pop(span_id, None)
        if span is None:
            return None
        if self._long.pop(span_id, None) is None:
            position = bisect.bisect_left(self._keys, (span.start, span_id))
            if position < len(self._keys) and self._keys[position] == (span.start, span_id):
                del self._keys[position]
        return span

    def overlapping(self, start: int, end: int) -> list[S]:
        """Spans intersecting ``[start, end)`` (for ``start == end``: containing that point)."""
        end = max(end, start + 1)
        low = bisect.bisect_left(self._keys, (start - self._max_short, ""))
        high = bisect.bisect_left(self._keys, (end, ""))
        found = []
        for _, span_id in self._keys[low:high]:
            span = self._by_id[span_id]
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
