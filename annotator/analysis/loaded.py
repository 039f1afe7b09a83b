"""The spans a matrix counts, loaded once, with the speaker turns and exclusions around them.

Shared by ``matrices`` (which loads them) and ``cooccurrence`` (which counts
pairs of them), so neither module needs the other's insides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.analysis.intervals import CorpusDocuments, CorpusSpans, Ints, merged, overlapping
from annotator.analysis.retrieval import Plan


@dataclass(frozen=True)
class LoadedSpans:
    """The counted spans of a matrix, and the turns and exclusions around them."""

    plan: Plan
    docs: CorpusDocuments
    spans: CorpusSpans  # counted tags only, annotator filter applied
    tags: tuple[str, ...]  # counted tag ids in palette order; spans.tag indexes it
    excluded: tuple[Ints, Ints]  # merged
    turns: dict[str, tuple[Ints, Ints]]  # speaker id -> merged turns
    annotators: tuple[str, ...]  # spans.annotator indexes it

    def passes(self) -> np.ndarray:
        """Which counted spans pass the ``not`` and speaker filters of the base query."""
        s, e = self.spans.start, self.spans.end
        keep = np.ones(len(s), dtype=bool)
        if self.plan.excluded:
            keep &= ~overlapping(s, e, *self.excluded)
        if self.plan.query.speakers:
            ts, te = merged_of([self.turns[x] for x in self.plan.query.speakers])
            keep &= overlapping(s, e, ts, te)
        return keep


def merged_of(pieces: list[tuple[Ints, Ints]]) -> tuple[Ints, Ints]:
    if not pieces:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return merged(np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces]))
