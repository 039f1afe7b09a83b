"""Where two annotators disagree in one document: missing spans, other boundaries, other tags.

Our spans are compared with one colleague's spans on the same text. Each
disagreement has a stable key, so a dismissed one stays dismissed.
"""

from __future__ import annotations

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


def find_disagreements(ours: list[ReviewSpan], theirs: list[ReviewSpan],
                       dismissed: set[str] = frozenset()) -> list[Disagreement]:
    """Disagreements between two annotators' spans on one document, in text order."""
    found: list[Disagreement] = []
    # The same annotation on both sides (accepted or merged earlier) is agreement, and is
    # set aside first so the result does not depend on the order of the spans.
    shared_ids = {s.id for s in ours} & {s.id for s in theirs}
    matched_theirs: set[str] = set(shared_ids)
    for mine in ours:
        if mine.id in shared_ids:
            continue
        same_tag = [t for t in theirs if tag_key(t.kind, t.tag) == tag_key(mine.kind, mine.tag)
                    and _overlaps(mine, t) > 0 and t.id not in matched_theirs]
        if any(t.start == mine.start and t.end == mine.end for t in same_tag):
            exact = next(t for t in same_tag if t.start == mine.start and t.end == mine.end)
            matched_theirs.add(exact.id)
            continue
        if same_tag:
            best = max(same_tag, key=lambda t: _overlaps(mine, t))
            matched_theirs.add(best.id)
            found.append(Disagreement("boundaries", min(mine.start, best.start), max(mine.end, best.end), mine, best))
            continue
        other_tag = [t for t in theirs if t.start == mine.start and t.end == mine.end and t.id not in matched_theirs]
        if other_tag:
            matched_theirs.add(other_tag[0].id)
            found.append(Disagreement("tag", mine.start, mine.end, mine, other_tag[0]))
            continue
        found.append(Disagreement("missing", mine.start, mine.end, mine, None))
    for span in theirs:
        if span.id not in matched_theirs:
            found.append(Disagreement("missing", span.start, span.end, None, span))
    return sorted((d for d in found if d.key not in dismissed), key=lambda d: (d.start, d.end, d.kind))
