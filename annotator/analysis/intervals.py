"""Spans of the whole corpus as arrays, and the interval arithmetic matrices need, vectorised.

Counting a million spans pair by pair in Python takes seconds; here each
span is a row of NumPy arrays and every count is a sort, a prefix maximum or
a binary search over them. Documents are laid end to end on one line (each
shifted by the lengths of the documents before it, plus one), so spans of
different documents can never overlap and one global sort serves them all.
The same trick separates groups (a tag, a cell): shifting group ``k`` by
``k`` times the length of the whole line keeps groups apart.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from annotator.store.analysis import SpanFilter

if TYPE_CHECKING:
    from annotator.store import Store

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CorpusDocuments:
    """The documents a query covers, in corpus order, with where each starts on the global line."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    offsets: Ints  # global position of each document's first character
    line_length: int  # the whole line: every document and one gap after each
    longest: int  # the longest document's length

    @classmethod
    def load(cls, store: Store, documents: tuple[str, ...], statuses: tuple[str, ...]) -> CorpusDocuments:
        rows = store.analysis_documents(documents, statuses)
        lengths = np.array([r[2] for r in rows], dtype=np.int64)
        offsets = np.zeros(len(rows), dtype=np.int64)
        if len(rows):
            offsets[1:] = np.cumsum(lengths + 1)[:-1]
        return cls(
            ids=tuple(r[0] for r in rows),
            titles=tuple(r[1] for r in rows),
            offsets=offsets,
            line_length=int((lengths + 1).sum()),
            longest=int(lengths.max(initial=0)),
        )


@dataclass(frozen=True)
class CorpusSpans:
    """Spans of some tags over the covered documents: one array element per span."""

    doc: Ints  # index into CorpusDocuments.ids
    start: Ints  # global positions
    end: Ints
    tag: Ints  # index into the tag ids asked for
    annotator: Ints | None  # index into the annotators asked for, -1 for others

    @classmethod
    def load(
        cls,
        store: Store,
        docs: CorpusDocuments,
        span_filter: SpanFilter,
        tag_ids: tuple[str, ...],
        annotators: tuple[str, ...] | None = None,
    ) -> CorpusSpans:
        """The spans passing ``span_filter`` (which keeps only ``tag_ids``) in the documents ``docs``."""
        bits = max(1, docs.longest.bit_length())
        rows, together = store.packed_spans(span_filter, tag_ids, annotators, offset_bits=bits)
        index = {doc_id: i for i, doc_id in enumerate(docs.ids)}
        # documents in corpus order, each one's spans in the index's (start, end) order: the arrays
        # are then sorted by global start, which every later union and search relies on for speed
        rows = sorted((r for r in rows if r[0] in index), key=lambda r: index[r[0]])
        packed = _ints(",".join(r[1] for r in rows))
        counts = np.array([r[1].count(",") + 1 for r in rows], dtype=np.int64)
        doc = np.repeat(np.array([index[r[0]] for r in rows], dtype=np.int64), counts)
        base = docs.offsets[doc] if len(doc) else np.zeros(0, dtype=np.int64)
        if together:
            mask = (1 << bits) - 1
            start, end, rest = (packed >> bits) & mask, packed & mask, packed >> (2 * bits)
            who_bits = (len(annotators) + 1).bit_length() if annotators is not None else 0
            tag, who = rest >> who_bits, rest & ((1 << who_bits) - 1)
        else:
            start, end = packed >> 32, packed & 0xFFFFFFFF
            tag = _ints(",".join(r[2] or "" for r in rows))
            who = _ints(",".join(r[3] or "" for r in rows)) if annotators is not None else tag
        return cls(
            doc=doc,
            start=base + start,
            end=base + end,
            tag=tag,
            annotator=who - 1 if annotators is not None else None,
        )

    def where(self, mask: Bools) -> CorpusSpans:
        """The spans where ``mask`` holds."""
        return CorpusSpans(
            self.doc[mask],
            self.start[mask],
            self.end[mask],
            self.tag[mask],
            None if self.annotator is None else self.annotator[mask],
        )

    def __len__(self) -> int:
        return len(self.doc)


#: The last spans loaded from each open store: the key they were loaded for, the tags coded
#: (``spans.tag`` indexes them) and the tags asked for (those without spans are not coded).
_recent: weakref.WeakKeyDictionary[
    Store, tuple[tuple[object, ...], CorpusDocuments, CorpusSpans, tuple[str, ...], tuple[str, ...]]
] = weakref.WeakKeyDictionary()
#: Above this many tags asked for, the tags without spans are left out of a load's codes.
_FEW_TAGS = 64
_names: weakref.WeakKeyDictionary[Store, tuple[tuple[int, int], tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)


def corpus(
    store: Store,
    tag_ids: tuple[str, ...],
    documents: tuple[str, ...],
    statuses: tuple[str, ...],
    annotators: tuple[str, ...] | None,
) -> tuple[CorpusDocuments, CorpusSpans, tuple[str, ...]]:
    """The documents a query covers and the spans of (at least) ``tag_ids`` in them.

    Returns the tags coded too: ``spans.tag`` indexes them; a tag asked for
    may be missing from them when it has no spans. Reading a million
    spans is most of the time of a matrix, and a window shows several matrices
    and retrievals of one project in a row, so the last load is kept
    (read-only arrays, about 40 MB per million spans) and reused for any tags
    it holds while the project is unchanged: ``store.change_stamp()`` moves
    with every commit, ours or another program's.
    """
    key = (store.change_stamp(), documents, statuses, annotators)
    known = _recent.get(store)
    if known is not None and known[0] == key and set(tag_ids) <= set(known[4]):
        return known[1], known[2], known[3]
    asked = tag_ids
    if len(tag_ids) > _FEW_TAGS:  # a large scheme: code only the tags that have spans
        in_use = store.tags_in_use()
        tag_ids = tuple(t for t in tag_ids if t in in_use)
    docs = CorpusDocuments.load(store, documents, statuses)
    span_filter = SpanFilter(tag_ids=tag_ids, documents=documents, statuses=statuses)
    spans = CorpusSpans.load(store, docs, span_filter, tag_ids, annotators)
    for array in (spans.doc, spans.start, spans.end, spans.tag, spans.annotator, docs.offsets):
        if array is not None:
            array.flags.writeable = False
    _recent[store] = (key, docs, spans, tag_ids, asked)
    return docs, spans, tag_ids


def annotator_names(store: Store) -> tuple[str, ...]:
    """Everyone with a span, remembered while the project is unchanged (reading them scans every span)."""
    stamp = store.change_stamp()
    known = _names.get(store)
    if known is not None and known[0] == stamp:
        return known[1]
    names = tuple(store.annotator_names())
    _names[store] = (stamp, names)
    return names


def forget(store: Store) -> None:
    """Drop what ``corpus`` and ``annotator_names`` keep for ``store`` (benchmarks measure cold loads)."""
    _recent.pop(store, None)
    _names.pop(store, None)


def _ints(text: str) -> Ints:
    """Comma-separated integers as an array (NumPy's text parser: a tenth of the time of split)."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def merged(start: Ints, end: Ints) -> tuple[Ints, Ints]:
    """The union of intervals as sorted, disjoint, non-touching intervals.

    Intervals already sorted by start (as loaded spans and their subsets are)
    are not sorted again: checking takes a millisecond per million, sorting a tenth of a second.
    """
    if not len(start):
        return start, end
    if np.all(start[1:] >= start[:-1]):
        s, e = start, end
    else:
        order = np.argsort(start, kind="stable")
        s, e = start[order], end[order]
    reach = np.maximum.accumulate(e)
    # a new piece begins where a start lies beyond everything before it reaches
    begins = np.ones(len(s), dtype=bool)
    begins[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(begins)
    last = np.append(first[1:], len(s)) - 1
    return s[first], reach[last]


def overlapping(start: Ints, end: Ints, union_start: Ints, union_end: Ints) -> Bools:
    """For each interval, whether it shares a character with the union (given merged)."""
    if not len(union_start):
        return np.zeros(len(start), dtype=bool)
    before_end = np.searchsorted(union_start, end, side="left")  # pieces starting before our end
    ended = np.searchsorted(union_end, start, side="right")  # pieces ending at or before our start
    return before_end > ended


def overlap_counts(start: Ints, end: Ints, other_start_sorted: Ints, other_end_sorted: Ints) -> Ints:
    """For each interval, how many of the other intervals share a character with it.

    An other interval misses ours iff it ends at or before our start or starts
    at or after our end, never both: so the count is those starting before our
    end minus those ending at or before our start.
    """
    return np.searchsorted(other_start_sorted, end, side="left") - np.searchsorted(
        other_end_sorted, start, side="right"
    )


def overlapping_pairs(start: Ints, end: Ints) -> tuple[Ints, Ints]:
    """Every pair ``(i, j)``, ``i < j``, of intervals sharing a character, given intervals sorted by start.

    The intervals overlapping ``i`` that start at or after it are the run
    ``i+1 .. hi(i)-1``, where ``hi(i)`` is the first to start at or after ``i``'s
    end: each pair is listed once, without a Python loop.
    """
    hi = np.searchsorted(start, end, side="left")
    runs = np.maximum(hi - np.arange(len(start)) - 1, 0)
    first = np.repeat(np.arange(len(start)), runs)
    offsets = np.arange(len(first)) - np.repeat(np.cumsum(runs) - runs, runs)
    return first, first + 1 + offsets


def union_lengths(group: Ints, start: Ints, end: Ints, groups: int, line_length: int) -> Ints:
    """Per group, how many characters its intervals cover (each character once)."""
    if not len(group):
        return np.zeros(groups, dtype=np.int64)
    # a stable sort by group keeps each group's intervals in their order (by start, for loaded spans);
    # small group numbers sort by radix, in linear time
    order = np.argsort(group.astype(np.uint16) if groups < 1 << 16 else group, kind="stable")
    shift = group[order] * (line_length + 1)
    s, e = merged(start[order] + shift, end[order] + shift)
    return np.bincount(s // (line_length + 1), weights=e - s, minlength=groups).astype(np.int64)


def documents_per_group(group: Ints, doc: Ints, groups: int, documents: int) -> Ints:
    """Per group, in how many documents it has an interval."""
    if groups * documents <= 1 << 26:
        seen = np.bincount(group * documents + doc, minlength=groups * documents) > 0
        per_group: Ints = seen.reshape(groups, documents).sum(axis=1)
        return per_group
    return np.bincount(np.unique(group * documents + doc) // documents, minlength=groups)


def paragraph_bounds(store: Store, docs: CorpusDocuments) -> Ints:
    """Sorted global positions where the paragraphs of the covered documents begin and end.

    A paragraph is a line: it ends just after a newline (or at the end of the
    text), so paragraphs tile the text and a blank line is a paragraph of its
    own. Joined with a newline in the gap after each document, the texts put
    every character at its global position, so line lengths give the bounds.
    """
    texts = dict(store.document_texts(list(docs.ids)))
    # the lines of the joined texts are each text's lines in turn: no joined copy is needed
    line_lengths: list[int] = []
    for doc_id in docs.ids:
        line_lengths.extend(map(len, texts[doc_id].split("\n")))
    after_newlines = np.cumsum(np.array(line_lengths, dtype=np.int64) + 1)[:-1]
    lengths = np.array([len(texts[doc_id]) for doc_id in docs.ids], dtype=np.int64)
    bounds: Ints = np.unique(np.concatenate([after_newlines, docs.offsets, docs.offsets + lengths, [0]]))
    return bounds


def paragraph_extents(start: Ints, end: Ints, bounds: Ints) -> tuple[Ints, Ints]:
    """Each interval widened to the whole paragraphs it touches."""
    if not len(start):
        return start, end
    lo = bounds[np.searchsorted(bounds, start, side="right") - 1]
    hi = bounds[np.searchsorted(bounds, end, side="left")]
    return lo, hi
