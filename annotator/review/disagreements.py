"""Where annotators disagree in one document: missing spans, other boundaries, other tags.

Disagreements are between annotators, not between files: the spans of every
compared file are pooled first (one UUID is one span, however many files hold
it: a shared copy holds the sender's spans too), then every pair of
annotators is compared, the same pairs as agreement. Spans a program made
(annotators named ``auto:...``) are left out unless asked for. Each
disagreement has a stable key, so a dismissed or accepted one stays settled.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass

from annotator.model import DocumentSummary, is_automatic
from annotator.review.compare import shared_lengths, tag_key
from annotator.store import Store
from annotator.store.review import ReviewSpan

KINDS = ("missing", "boundaries", "tag")


@dataclass(frozen=True)
class Disagreement:
    """One place where annotator ``b``'s spans (``theirs``) differ from annotator ``a``'s (``ours``)."""

    kind: str  # "missing" (only one side has it), "boundaries" or "tag"
    start: int
    end: int
    ours: ReviewSpan | None
    theirs: ReviewSpan | None
    a: str = ""
    b: str = ""

    @property
    def key(self) -> str:
        """Stable identity: the kind and the ids of the spans involved.

        The pair's names are not part of it, so decisions recorded before
        disagreements were computed per annotator still apply.
        """
        return f"{self.kind}:{self.ours.id if self.ours else '-'}:{self.theirs.id if self.theirs else '-'}"

    def describe(self, you: str | None = None) -> str:
        """One line for the list; the annotator named ``you`` is written "you"."""

        def name(who: str, fallback: str) -> str:
            return "you" if who and who == you else who or fallback

        a, b = name(self.a, "you"), name(self.b, "the colleague")
        if self.kind == "missing":
            side = self.theirs or self.ours
            assert side is not None  # a missing span is on one side
            who, other = (b, a) if self.theirs else (a, b)
            return f"only {who}, not {other}: {side.tag} [{self.start}, {self.end})"
        assert self.ours is not None and self.theirs is not None  # the other kinds pair two spans
        if self.kind == "boundaries":
            return (
                f"{self.ours.tag}: {a} [{self.ours.start}, {self.ours.end}) vs "
                f"{b} [{self.theirs.start}, {self.theirs.end})"
            )
        return f"[{self.start}, {self.end}): {a} {self.ours.tag}, {b} {self.theirs.tag}"


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


def find_disagreements(
    ours: list[ReviewSpan],
    theirs: list[ReviewSpan],
    dismissed: Set[str] = frozenset(),
    *,
    a: str = "",
    b: str = "",
) -> list[Disagreement]:
    """Disagreements between two annotators' spans (``a``'s, ``b``'s) on one document, in text order.

    The two lists must each be one annotator's: comparing two files' lists
    directly would take the spans a shared copy repeats for agreement and
    call everything else one side's (use ``between_annotators``).

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
            found.append(
                Disagreement(
                    "boundaries", min(mine.start, best.start), max(mine.end, best.end), mine, best, a, b
                )
            )
        else:
            unpaired.append(mine)
    for mine in unpaired:
        other = next(iter(pool.same_range(mine)), None)
        if other is None:
            found.append(Disagreement("missing", mine.start, mine.end, mine, None, a, b))
        else:
            pool.paired.add(other.id)
            found.append(Disagreement("tag", mine.start, mine.end, mine, other, a, b))
    found.extend(
        Disagreement("missing", t.start, t.end, None, t, a, b) for t in pool.sorted if t.id not in pool.paired
    )
    return sorted((d for d in found if d.key not in dismissed), key=lambda d: (d.start, d.end, d.kind))


def union_spans(span_lists: Iterable[Iterable[ReviewSpan]]) -> list[ReviewSpan]:
    """The spans of several files as one list: a UUID met again is the same span, and the first file's
    version is kept (as agreement does), so our own file's spans win over their copies in a colleague's."""
    seen: set[str] = set()
    pooled = []
    for spans in span_lists:
        for span in spans:
            if span.id not in seen:
                seen.add(span.id)
                pooled.append(span)
    return pooled


def annotator_pairs(annotators: Iterable[str], you: str | None = None) -> list[tuple[str, str]]:
    """Every pair of these annotators, each in name order as agreement has them, but with ``you`` first,
    so that the second of a pair is always the other person ("accept theirs")."""
    pairs = []
    for a, b in itertools.combinations(sorted(set(annotators)), 2):
        pairs.append((b, a) if b == you else (a, b))
    return pairs


def between_annotators(
    spans: Iterable[ReviewSpan],
    *,
    annotators: Iterable[str] = (),
    you: str | None = None,
    include_automatic: bool = False,
    settled: Set[str] = frozenset(),
) -> list[Disagreement]:
    """Disagreements of every pair of annotators over one document's pooled spans, in text order.

    ``annotators`` adds names with no span here (agreement pairs every annotator
    of the compared files, so a document someone left uncoded is all "only"
    the other); ``settled``: keys of dismissed or accepted disagreements.
    """
    by_annotator: dict[str, list[ReviewSpan]] = defaultdict(list)
    for span in spans:
        by_annotator[span.annotator].append(span)
    names = {*annotators, *by_annotator}
    if not include_automatic:
        names = {name for name in names if not is_automatic(name)}
    found = []
    for a, b in annotator_pairs(names, you):
        found.extend(find_disagreements(by_annotator.get(a, []), by_annotator.get(b, []), settled, a=a, b=b))
    return sorted(found, key=lambda d: (d.start, d.end, d.kind, d.a, d.b))


def document_disagreements(
    stores: Sequence[Store],
    sha256: str,
    *,
    you: str | None = None,
    include_automatic: bool = False,
    settled: set[str] | None = None,
) -> list[Disagreement]:
    """Every pair's disagreements in the document with this text hash, over all these files.

    ``settled`` defaults to the decisions recorded in the first file (ours).
    """
    lists = []
    for store in stores:
        doc_id = store.document_ids_by_sha().get(sha256)
        lists.append(list(store.iter_review_spans(doc_id)) if doc_id is not None else [])
    if settled is None:
        settled = settled_keys(stores[0])
    return between_annotators(
        union_spans(lists),
        annotators=file_annotators(stores),
        you=you,
        include_automatic=include_automatic,
        settled=settled,
    )


def all_disagreements(
    stores: Sequence[Store], *, you: str | None = None, include_automatic: bool = False
) -> list[tuple[DocumentSummary, list[Disagreement]]]:
    """Each document every file holds (as agreement counts them), in our order, with its disagreements.

    One pass over each file's spans; the decisions recorded in the first file settle disagreements.
    """
    shared = shared_lengths(stores)
    spans_by_doc: dict[str, list[list[ReviewSpan]]] = {sha: [] for sha in shared}
    for store in stores:
        mine: dict[str, list[ReviewSpan]] = defaultdict(list)
        for span in store.iter_review_spans():
            if span.sha256 in shared:
                mine[span.sha256].append(span)
        for sha, lists in spans_by_doc.items():
            lists.append(mine.get(sha, []))
    annotators, settled = file_annotators(stores), settled_keys(stores[0])
    return [
        (
            doc,
            between_annotators(
                union_spans(spans_by_doc[doc.sha256]),
                annotators=annotators,
                you=you,
                include_automatic=include_automatic,
                settled=settled,
            ),
        )
        for doc in stores[0].documents()
        if doc.sha256 in shared
    ]


def file_annotators(stores: Sequence[Store]) -> set[str]:
    """Everyone with an annotation in any of these files: the annotators agreement pairs."""
    return {name for store in stores for name in store.annotators()}


def compared_annotators(
    stores: Sequence[Store], *, include_automatic: bool = False
) -> tuple[list[str], list[str]]:
    """(the annotators compared, the automatic ones left out), each in name order."""
    names = sorted(file_annotators(stores))
    left_out = [] if include_automatic else [name for name in names if is_automatic(name)]
    return [name for name in names if name not in left_out], left_out


def settled_keys(store: Store) -> set[str]:
    """Keys of the disagreements this project's adjudications settled, dismissed or accepted.

    An accepted span keeps its annotator, so the two annotators still differ;
    it is the recorded decision that takes the disagreement off the list.
    """
    return {row["disagreement"] for row in store.adjudications()}
