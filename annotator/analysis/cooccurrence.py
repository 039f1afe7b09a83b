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

from annotator.analysis.intervals import (
    Ints,
    merged,
    overlap_counts,
    overlapping,
    overlapping_pairs,
    union_lengths,
)
from annotator.analysis.query import Measure

if TYPE_CHECKING:
    from annotator.analysis.loaded import LoadedSpans


def pair_counts(loaded: LoadedSpans, start: Ints, end: Ints, n: int, measure: Measure) -> np.ndarray:
    """tags x tags over every counted span (no region filters)."""

    spans = loaded.spans
    of = [np.flatnonzero(spans.tag == k) for k in range(n)]
    out = np.zeros((n, n), dtype=np.float64)
    if measure in (Measure.CHARACTERS, Measure.JACCARD):
        pieces = [merged(start[i], end[i]) for i in of]  # paragraph-widened if asked
        alone = np.array([int((e - s).sum()) for s, e in pieces], dtype=np.int64)
        own = union_lengths(spans.tag, spans.start, spans.end, n, loaded.docs.line_length)  # as coded
        for r in range(n):
            for c in range(n):
                if r == c:
                    out[r, c] = own[r] if measure is Measure.CHARACTERS else float(alone[r] > 0)
                    continue
                shared = shared_length(pieces[r], pieces[c])
                either = alone[r] + alone[c] - shared
                out[r, c] = shared if measure is Measure.CHARACTERS else (shared / either if either else 0.0)
        return out
    starts = [np.sort(start[i]) for i in of]
    ends = [np.sort(end[i]) for i in of]
    if measure is Measure.DOCUMENTS:
        for r in range(n):
            for c in range(n):
                hits = (
                    np.ones(len(of[r]))
                    if r == c
                    else overlap_counts(start[of[r]], end[of[r]], starts[c], ends[c])
                )
                out[r, c] = len(np.unique(spans.doc[of[r]][hits > 0]))
        return out
    # pairs (r, c) = sum over r's spans of (c's starting before its end) - (c's ending by its start);
    # all spans' ends (and starts) in ascending order: each search starts where the last ended
    by_end, by_start = np.argsort(end, kind="stable"), np.argsort(start, kind="stable")
    all_ends, all_starts = end[by_end], start[by_start]
    tag_by_end, tag_by_start = spans.tag[by_end], spans.tag[by_start]
    for c in range(n):
        before_end = np.searchsorted(starts[c], all_ends, side="left")
        ended = np.searchsorted(ends[c], all_starts, side="right")
        out[:, c] = np.bincount(tag_by_end, weights=before_end, minlength=n) - np.bincount(
            tag_by_start, weights=ended, minlength=n
        )
    out[np.arange(n), np.arange(n)] = [len(i) for i in of]
    if measure is Measure.PRESENCE:
        out = (out > 0).astype(np.float64)
    return out


def shared_length(a: tuple[Ints, Ints], b: tuple[Ints, Ints]) -> int:
    """Characters covered by both of two merged (sorted, disjoint) sets of intervals."""
    (a_start, a_end), (b_start, b_end) = a, b
    if not len(a_start) or not len(b_start):
        return 0
    before = np.concatenate([[0], np.cumsum(b_end - b_start)])  # b's length before each piece

    def covered(x: Ints) -> Ints:  # characters of b before position x
        k = np.searchsorted(b_start, x, side="right") - 1
        inside = np.clip(
            x - b_start[np.maximum(k, 0)], 0, b_end[np.maximum(k, 0)] - b_start[np.maximum(k, 0)]
        )
        return np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0)

    return int((covered(a_end) - covered(a_start)).sum())


def filtered_pairs(loaded: LoadedSpans, start: Ints, end: Ints, n: int, measure: Measure) -> np.ndarray:
    """tags x tags when the overlap regions must pass ``not`` and speaker filters."""

    spans = loaded.spans
    order = np.argsort(start, kind="stable")
    s, e, tag, doc = start[order], end[order], spans.tag[order], spans.doc[order]
    first, second = overlapping_pairs(s, e)
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
