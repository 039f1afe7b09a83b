"""Code co-occurrence (tags x tags) computed on arrays: how many pairs of spans of two tags overlap.

Without ``not`` or speaker filters a count needs no pairs at all: a span of
tag B misses a span ``a`` of tag A iff it ends at or before ``a`` starts or
starts at or after ``a`` ends (never both), so the spans of B overlapping
``a`` are those starting before its end minus those ending before its start:
two binary searches per span. With those filters the overlap regions
themselves must be tested, so the pairs are listed, still without a Python
loop: after one sort by start, the spans overlapping span ``i`` and starting
after it are the run ``i+1 .. hi(i)-1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from annotator.analysis.intervals import Ints, merged, overlap_counts, overlapping, union_lengths

if TYPE_CHECKING:
    from annotator.analysis.matrices import Measure, _Loaded


def pair_counts(loaded: _Loaded, start: Ints, end: Ints, n: int, measure: Measure) -> np.ndarray:
    """tags x tags over every counted span (no region filters)."""
    from annotator.analysis.matrices import Measure

    spans = loaded.spans
    of = [np.flatnonzero(spans.tag == k) for k in range(n)]
    sorted_starts = [np.sort(start[i]) for i in of]
    sorted_ends = [np.sort(end[i]) for i in of]
    out = np.zeros((n, n), dtype=np.float64)
    if measure in (Measure.CHARACTERS, Measure.JACCARD):
        line = loaded.docs.line_length
        alone = union_lengths(spans.tag, start, end, n, line)  # paragraph-widened if asked
        own = union_lengths(spans.tag, spans.start, spans.end, n, line)  # as coded: the diagonal
        for r in range(n):
            for c in range(n):
                if r == c:
                    out[r, c] = own[r] if measure is Measure.CHARACTERS else float(alone[r] > 0)
                    continue
                both = np.concatenate([of[r], of[c]])
                either = int(
                    union_lengths(np.zeros(len(both), dtype=np.int64), start[both], end[both], 1, line)[0]
                )
                shared = int(alone[r] + alone[c] - either)
                out[r, c] = shared if measure is Measure.CHARACTERS else (shared / either if either else 0.0)
        return out
    for r in range(n):
        for c in range(n):
            if r == c:
                hits = np.ones(len(of[r]), dtype=np.int64)
            else:
                hits = overlap_counts(start[of[r]], end[of[r]], sorted_starts[c], sorted_ends[c])
            if measure is Measure.DOCUMENTS:
                out[r, c] = len(np.unique(spans.doc[of[r]][hits > 0]))
            else:
                out[r, c] = hits.sum()
    if measure is Measure.PRESENCE:
        out = (out > 0).astype(np.float64)
    return out


def filtered_pairs(loaded: _Loaded, start: Ints, end: Ints, n: int, measure: Measure) -> np.ndarray:
    """tags x tags when the overlap regions must pass ``not`` and speaker filters."""
    from annotator.analysis.matrices import Measure

    spans = loaded.spans
    order = np.argsort(start, kind="stable")
    s, e, tag, doc = start[order], end[order], spans.tag[order], spans.doc[order]
    hi = np.searchsorted(s, e, side="left")
    runs = hi - np.arange(len(s)) - 1
    first = np.repeat(np.arange(len(s)), runs)
    offsets = np.arange(len(first)) - np.repeat(np.cumsum(runs) - runs, runs)
    second = first + 1 + offsets
    region_start = s[second]
    region_end = np.minimum(e[first], e[second])
    keep = tag[first] != tag[second]
    if loaded.plan.excluded:
        keep &= ~overlapping(region_start, region_end, *loaded.excluded)
    if loaded.plan.query.speakers:
        pieces = [loaded.turns[x] for x in loaded.plan.query.speakers]
        turns = merged(np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces]))
        keep &= overlapping(region_start, region_end, *turns)
    a, b = tag[first][keep], tag[second][keep]
    cell = np.concatenate([a * n + b, b * n + a])
    cell_doc = np.concatenate([doc[first][keep], doc[first][keep]])
    cell_start = np.concatenate([region_start[keep], region_start[keep]])
    cell_end = np.concatenate([region_end[keep], region_end[keep]])
    # the diagonal: a tag's own spans that pass the filters, as they were coded
    passing = loaded.passes()
    diagonal_tag = spans.tag[passing]
    diagonal = np.arange(n) * (n + 1)
    ndocs = max(1, len(loaded.docs.ids))
    line = loaded.docs.line_length
    if measure in (Measure.CHARACTERS, Measure.JACCARD):
        shared = union_lengths(cell, cell_start, cell_end, n * n, line).reshape(n, n).astype(np.float64)
        if measure is Measure.CHARACTERS:
            shared[np.arange(n), np.arange(n)] = union_lengths(
                diagonal_tag, spans.start[passing], spans.end[passing], n, line
            )
            return shared
        alone = union_lengths(diagonal_tag, start[passing], end[passing], n, line)  # widened if asked
        either = np.maximum(shared, alone[:, None] + alone[None, :] - shared)
        ratio = np.divide(shared, either, out=np.zeros_like(shared), where=either > 0)
        ratio[np.arange(n), np.arange(n)] = (alone > 0).astype(np.float64)
        return ratio
    if measure is Measure.DOCUMENTS:
        flat = np.bincount(np.unique(cell * ndocs + cell_doc) // ndocs, minlength=n * n)
        own = np.bincount(np.unique(diagonal_tag * ndocs + spans.doc[passing]) // ndocs, minlength=n)
    else:
        flat = np.bincount(cell, minlength=n * n)
        own = np.bincount(diagonal_tag, minlength=n)
    flat = flat.astype(np.float64)
    flat[diagonal] = own
    out = flat.reshape(n, n)
    if measure is Measure.PRESENCE:
        out = (out > 0).astype(np.float64)
    return out
