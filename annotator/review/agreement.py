"""Agreement statistics between annotators: pure functions on plain values.

Units are characters of the documents every compared file holds. For one tag,
each annotator marks each character in (covered by at least one of their
spans with that tag) or out. From that:

- Cohen's kappa (a pair): ``(po - pe) / (1 - pe)`` with ``po`` the share of
  characters on which both agree and ``pe = pa*pb + (1-pa)*(1-pb)``; ``pa``,
  ``pb`` the shares each marked in.
- Krippendorff's alpha, nominal: ``1 - (n - 1) * o_io / (n_in * n_out)`` where
  ``o_io`` sums, over characters, ``k*(m-k)/(m-1)`` (``m`` annotators, ``k`` of
  them marking it in), ``n_in``/``n_out`` count in/out values and
  ``n = n_in + n_out``. For two annotators it is computed the same way.
- "Overall" pools the tags: every (character, tag) pair is a unit, i.e. the
  per-tag counts are summed before the formulas are applied.
- Span precision/recall/F1, annotator ``b`` measured against ``a``: exact
  matches share document, start, end and tag; overlap matches share document
  and tag and intersect, each span used at most once, pairs taken greedily by
  largest overlap (ties: earliest start of ``a``, then of ``b``).

A figure with no variation to measure (``pe == 1``, no in or no out values,
no spans) is ``None``, never an error. Everything is computed from sorted span
boundaries (a sweep over each document), never character by character.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: (document key, start, end, tag key) of one span of one annotator.
Span = tuple[str, int, int, str]


@dataclass
class BinaryCounts:
    """Character counts of a pair: both in, only a, only b, neither."""

    both: int = 0
    only_a: int = 0
    only_b: int = 0
    neither: int = 0

    def add(self, other: BinaryCounts) -> None:
        self.both += other.both
        self.only_a += other.only_a
        self.only_b += other.only_b
        self.neither += other.neither

    @property
    def total(self) -> int:
        return self.both + self.only_a + self.only_b + self.neither


@dataclass
class AlphaCounts:
    """Sufficient statistics of nominal alpha over binary values."""

    disagreement: float = 0.0  # o_io
    n_in: int = 0
    n_out: int = 0

    def add(self, other: AlphaCounts) -> None:
        self.disagreement += other.disagreement
        self.n_in += other.n_in
        self.n_out += other.n_out


def cohen_kappa(counts: BinaryCounts) -> float | None:
    """Cohen's kappa of a 2x2 table; None when chance agreement is total."""
    n = counts.total
    if n == 0:
        return None
    po = (counts.both + counts.neither) / n
    pa = (counts.both + counts.only_a) / n
    pb = (counts.both + counts.only_b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe >= 1 else (po - pe) / (1 - pe)


def krippendorff_alpha(counts: AlphaCounts) -> float | None:
    """Nominal alpha from its sufficient statistics; None without variation."""
    n = counts.n_in + counts.n_out
    if counts.n_in == 0 or counts.n_out == 0 or n < 2:
        return None
    return 1 - (n - 1) * counts.disagreement / (counts.n_in * counts.n_out)


def merged_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping union of half-open intervals."""
    merged: list[tuple[int, int]] = []
    run_start = run_end = -1  # no run yet
    for start, end in sorted(intervals):
        if run_end >= 0 and start <= run_end:
            if end > run_end:
                run_end = end
            continue
        if run_end >= 0:
            merged.append((run_start, run_end))
        run_start, run_end = start, end
    if run_end >= 0:
        merged.append((run_start, run_end))
    return merged


def _clipped(merged: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, disjoint intervals cut to ``[0, length)``; only the ends can stick out, so only they are looked at."""
    while merged and merged[0][1] <= 0:
        merged.pop(0)
    while merged and merged[-1][0] >= length:
        merged.pop()
    if merged and merged[0][0] < 0:
        merged[0] = (0, merged[0][1])
    if merged and merged[-1][1] > length:
        merged[-1] = (merged[-1][0], length)
    return merged


def coverage_runs(
    length: int, layers: Sequence[list[tuple[int, int]]]
) -> Iterable[tuple[int, tuple[bool, ...]]]:
    """(run length, who covers it) over ``[0, length)`` for each annotator's merged intervals."""
    events: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for who, intervals in enumerate(layers):
        for start, end in intervals:
            events[max(0, start)].append((who, 1))
            events[min(length, end)].append((who, -1))
    state = [0] * len(layers)
    position = 0
    for point in sorted(events):
        if point > position:
            yield point - position, tuple(s > 0 for s in state)
            position = point
        for who, change in events[point]:
            state[who] += change
    if length > position:
        yield length - position, tuple(s > 0 for s in state)


def _greedy_overlap_matches(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """One-to-one overlap matches between two sorted (start, end) lists of one document and tag."""
    b_starts = [start for start, _ in b]
    longest_b = max((end - start for start, end in b), default=0)
    candidates = []
    for i, (a_start, a_end) in enumerate(a):
        first = bisect.bisect_left(b_starts, a_start - longest_b)
        for j in range(first, len(b)):
            b_start, b_end = b[j]
            if b_start >= a_end:
                break
            if b_end <= a_start:
                continue
            overlap = (a_end if a_end < b_end else b_end) - (a_start if a_start > b_start else b_start)
            candidates.append((-overlap, a_start, b_start, i, j))
    candidates.sort()
    used_a, used_b, matches = set(), set(), 0
    for _, _, _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matches += 1
    return matches


def _exact_matches(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """How many (start, end) pairs the two lists share, counting repeats as a multiset does."""
    if len(a) > len(b):
        a, b = b, a
    in_b = Counter(b)
    return sum(min(n, in_b[interval]) for interval, n in Counter(a).items() if interval in in_b)


@dataclass
class SpanCounts:
    """Counts behind the span-level figures."""

    spans_a: int = 0
    spans_b: int = 0
    exact: int = 0
    overlap: int = 0

    def add(self, other: SpanCounts) -> None:
        self.spans_a += other.spans_a
        self.spans_b += other.spans_b
        self.exact += other.exact
        self.overlap += other.overlap


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def span_counts(a: list[Span], b: list[Span]) -> SpanCounts:
    """Exact and overlap matches of ``b`` against ``a`` (spans of one tag, any documents)."""
    by_doc_a, by_doc_b = defaultdict(list), defaultdict(list)
    for doc, start, end, _ in a:
        by_doc_a[doc].append((start, end))
    for doc, start, end, _ in b:
        by_doc_b[doc].append((start, end))
    counts = SpanCounts(spans_a=len(a), spans_b=len(b))
    for doc, intervals in by_doc_a.items():
        if doc in by_doc_b:
            matched = _document_span_counts(sorted(intervals), sorted(by_doc_b[doc]))
            counts.exact += matched.exact
            counts.overlap += matched.overlap
    return counts


def _document_span_counts(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> SpanCounts:
    """Span counts of one document and tag, from each side's sorted (start, end) list."""
    if not a or not b:
        return SpanCounts(spans_a=len(a), spans_b=len(b))
    return SpanCounts(
        spans_a=len(a), spans_b=len(b), exact=_exact_matches(a, b), overlap=_greedy_overlap_matches(a, b)
    )


@dataclass
class Metrics:
    """Every figure for one pair (or all annotators) and one tag, with its counts."""

    binary: BinaryCounts = field(default_factory=BinaryCounts)
    alpha: AlphaCounts = field(default_factory=AlphaCounts)
    spans: SpanCounts = field(default_factory=SpanCounts)

    def add(self, other: Metrics) -> None:
        self.binary.add(other.binary)
        self.alpha.add(other.alpha)
        self.spans.add(other.spans)

    def as_dict(self) -> dict:
        """The JSON shape of ``annotator agree --json``."""
        s = self.spans
        return {
            "cohen_kappa": cohen_kappa(self.binary),
            "krippendorff_alpha": krippendorff_alpha(self.alpha),
            "precision_exact": _ratio(s.exact, s.spans_b),
            "recall_exact": _ratio(s.exact, s.spans_a),
            "f1_exact": _ratio(2 * s.exact, s.spans_a + s.spans_b),
            "precision_overlap": _ratio(s.overlap, s.spans_b),
            "recall_overlap": _ratio(s.overlap, s.spans_a),
            "f1_overlap": _ratio(2 * s.overlap, s.spans_a + s.spans_b),
            "counts": {
                "characters": self.binary.total,
                "both": self.binary.both,
                "only_a": self.binary.only_a,
                "only_b": self.binary.only_b,
                "neither": self.binary.neither,
                "spans_a": s.spans_a,
                "spans_b": s.spans_b,
                "matches_exact": s.exact,
                "matches_overlap": s.overlap,
            },
        }


def intersection_length(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Total length of the intersection of two sorted, merged interval lists (two pointers)."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        start = a[i][0] if a[i][0] > b[j][0] else b[j][0]
        end = a[i][1] if a[i][1] < b[j][1] else b[j][1]
        if end > start:
            total += end - start
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _pair_metrics(
    length: int, a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> tuple[BinaryCounts, AlphaCounts]:
    """The two-annotator case in closed form: only lengths and one intersection are needed."""
    in_a = sum(end - start for start, end in a)
    in_b = sum(end - start for start, end in b)
    both = intersection_length(a, b)
    binary = BinaryCounts(
        both=both, only_a=in_a - both, only_b=in_b - both, neither=length - in_a - in_b + both
    )
    # with m = 2 a character disagrees (k = 1) exactly when one annotator alone marks it
    alpha = AlphaCounts(
        disagreement=binary.only_a + binary.only_b, n_in=in_a + in_b, n_out=2 * length - in_a - in_b
    )
    return binary, alpha


def character_metrics(
    length: int, layers: Sequence[list[tuple[int, int]]]
) -> tuple[BinaryCounts, AlphaCounts]:
    """Binary (first two layers) and alpha counts for one document and one tag."""
    merged = [_clipped(merged_intervals(layer), length) for layer in layers]
    if len(merged) == 2:
        return _pair_metrics(length, merged[0], merged[1])
    binary, alpha = BinaryCounts(), AlphaCounts()
    m = len(layers)
    for run, covered in coverage_runs(length, merged):
        k = sum(covered)
        if m >= 2:
            a, b = covered[0], covered[1]
            if a and b:
                binary.both += run
            elif a:
                binary.only_a += run
            elif b:
                binary.only_b += run
            else:
                binary.neither += run
            alpha.disagreement += run * k * (m - k) / (m - 1)
        alpha.n_in += run * k
        alpha.n_out += run * (m - k)
    return binary, alpha


def _index_spans(
    spans: Iterable[Span], lengths: dict[str, int], tags: set[str]
) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """tag -> document -> sorted (start, end) of one annotator, on the compared documents only."""
    index: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for doc, start, end, tag in spans:
        if doc in lengths and tag in tags:
            index[tag][doc].append((start, end))
    for by_doc in index.values():
        for intervals in by_doc.values():
            intervals.sort()
    return index


def compare(
    lengths: dict[str, int], spans_by_annotator: dict[str, list[Span]], tags: Sequence[str]
) -> tuple[list[dict], dict]:
    """Every pair of annotators, per tag and overall, plus alpha across all annotators.

    ``lengths``: document key -> text length (the shared documents only);
    ``spans_by_annotator``: annotator -> spans on those documents.
    """
    annotators = sorted(spans_by_annotator)
    wanted = set(tags)
    index = {name: _index_spans(spans_by_annotator[name], lengths, wanted) for name in annotators}
    all_characters = sum(lengths.values())

    def metrics_for(group: Sequence[str], tag: str) -> Metrics:
        """Documents nobody in ``group`` tagged with ``tag`` are all "out": counted without a sweep."""
        metrics = Metrics()
        by_doc = [index[name].get(tag, {}) for name in group]
        touched = [doc for doc in lengths if any(doc in layer for layer in by_doc)]
        untouched = all_characters - sum(lengths[doc] for doc in touched)
        metrics.binary.neither += untouched
        metrics.alpha.n_out += len(group) * untouched
        for doc in touched:
            binary, alpha = character_metrics(lengths[doc], [layer.get(doc, []) for layer in by_doc])
            metrics.binary.add(binary)
            metrics.alpha.add(alpha)
            if len(group) == 2:
                metrics.spans.add(_document_span_counts(by_doc[0].get(doc, []), by_doc[1].get(doc, [])))
        return metrics

    pairs = []
    pair_alpha: dict[str, AlphaCounts] = {}  # with exactly two annotators, the pair is everyone
    for a, b in itertools.combinations(annotators, 2):
        per_tag, overall = {}, Metrics()
        for tag in tags:
            metrics = metrics_for((a, b), tag)
            per_tag[tag] = metrics.as_dict()
            overall.add(metrics)
            pair_alpha[tag] = metrics.alpha
        pairs.append({"a": a, "b": b, "per_tag": per_tag, "overall": overall.as_dict()})
    everyone_tags: dict[str, float | None] = {}
    everyone = AlphaCounts()
    for tag in tags:
        if len(annotators) == 2:
            alpha_counts = pair_alpha[tag]
        else:
            alpha_counts = metrics_for(annotators, tag).alpha if len(annotators) > 2 else AlphaCounts()
        everyone_tags[tag] = krippendorff_alpha(alpha_counts)
        everyone.add(alpha_counts)
    return pairs, {
        "annotators": annotators,
        "per_tag": everyone_tags,
        "overall": krippendorff_alpha(everyone),
    }
