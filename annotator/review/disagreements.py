"""Where two annotators disagree in one document: missing spans, other boundaries, other tags.

Our spans are compared with one colleague's spans on the same text. Each
disagreement has a stable key, so a dismissed one stays dismissed.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

from annotator.review.compare import tag_key
from annotator.store.review import ReviewSpan

KINDS = ("missing", "boundaries", "tag")


@dataclass(frozen=True)
class Disagreement:
    """One place where ``theirs`` differs from ``ours``."""

    kind: str  # "missing" (only one side has it), "boundaries" or "tag"
    start: int
    end: int
    ours: ReviewSpan | None
    theirs: ReviewSpan | None

    @property
    def key(self) -> str:
        """Stable identity: the kind and the ids of the spans involved."""
        return f"{self.kind}:{self.ours.id if self.ours else '-'}:{self.theirs.id if self.theirs else '-'}"

    def describe(self) -> str:
        """One line for the list."""
        if self.kind == "missing":
            side = self.theirs or self.ours
            who = "only the colleague" if self.theirs else "only you"
            return f"{who}: {side.tag} [{self.start}, {self.end})"
        if self.kind == "boundaries":
            return (f"{self.ours.tag}: yours [{self.ours.start}, {self.ours.end}) vs "
                    f"theirs [{self.theirs.start}, {self.theirs.end})")
        return f"[{self.start}, {self.end}): yours {self.ours.tag}, theirs {self.theirs.tag}"


def _overlaps(a: ReviewSpan, b: ReviewSpan) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def _order(span: ReviewSpan) -> tuple:
    return span.start, span.end, span.id


class _Theirs:
    """The colleague's spans not yet paired, indexed by exact range and by start."""

    def __init__(self, spans: list[ReviewSpan]):
        self.sorted = sorted(spans, key=_order)
        self.starts = [s.start for s in self.sorted]
        self.longest = max((s.end - s.start for s in self.sorted), default=0)
        self.by_range: dict[tuple[int, int], list[ReviewSpan]] = defaultdict(list)
        for span in self.sorted:
            self.by_range[(span.start, span.end)].append(span)
        self.paired: set[str] = set()

    def same_range(self, mine: ReviewSpan) -> list[ReviewSpan]:
        return [t for t in self.by_range.get((mine.start, mine.end), ()) if t.id not in self.paired]

    def overlapping(self, mine: ReviewSpan) -> list[ReviewSpan]:
        first = bisect.bisect_left(self.starts, mine.start - self.longest)
        found = []
        for index in range(first, len(self.sorted)):
            span = self.sorted[index]
            if span.start >= mine.end:
                break
            if span.end > mine.start and span.id not in self.paired:
                found.append(span)
        return found


def find_disagreements(ours: list[ReviewSpan], theirs: list[ReviewSpan],
                       dismissed: set[str] = frozenset()) -> list[Disagreement]:
    """Disagreements between two annotators' spans on one document, in text order.

    Pairs are settled in passes so an exact match is never taken by a looser
    one: the same annotation (same UUID, accepted or merged earlier) and the
    same range with the same tag agree; then each remaining span of ours, in
    text order, pairs with the unpaired span of theirs of the same tag that
    overlaps it most ("boundaries"); then with one on the same range and
    another tag ("tag"); whatever is left on either side is "missing".
    """
    shared_ids = {s.id for s in ours} & {s.id for s in theirs}
    pool = _Theirs([t for t in theirs if t.id not in shared_ids])
    left = sorted((s for s in ours if s.id not in shared_ids), key=_order)
    found: list[Disagreement] = []

    def same_tag(a: ReviewSpan, b: ReviewSpan) -> bool:
        return tag_key(a.kind, a.tag) == tag_key(b.kind, b.tag)

    unpaired = []
    for mine in left:
        exact = next((t for t in pool.same_range(mine) if same_tag(mine, t)), None)
        if exact is None:
            unpaired.append(mine)
        else:
            pool.paired.add(exact.id)
    left, unpaired = unpaired, []
    for mine in left:
        candidates = [t for t in pool.overlapping(mine) if same_tag(mine, t)]
        if candidates:
            best = max(candidates, key=lambda t: _overlaps(mine, t))  # first of equals, in text order
            pool.paired.add(best.id)
            found.append(Disagreement("boundaries", min(mine.start, best.start), max(mine.end, best.end), mine, best))
        else:
            unpaired.append(mine)
    for mine in unpaired:
        other = next(iter(pool.same_range(mine)), None)
        if other is None:
            found.append(Disagreement("missing", mine.start, mine.end, mine, None))
        else:
            pool.paired.add(other.id)
            found.append(Disagreement("tag", mine.start, mine.end, mine, other))
    found.extend(Disagreement("missing", t.start, t.end, None, t) for t in pool.sorted if t.id not in pool.paired)
    return sorted((d for d in found if d.key not in dismissed), key=lambda d: (d.start, d.end, d.kind))
