"""Counts and matrices of the coded corpus: frequencies, co-occurrence, theme by speaker, document by tag.

Every matrix counts passages that a retrieval can list: ``Matrix.cell_query``
gives, for each cell, the query whose retrieval holds exactly the passages the
COUNT cell counts. The rules:

- Tag axes show each tag's own spans (a theme's sub-themes are rows of their
  own, never added in); with no tags in ``base``, the tag axis is every theme.
- tags x tags (co-occurrence): a cell counts the pairs of spans, one of each
  tag, that overlap (share a character); with ``same_paragraph``, that touch
  a common paragraph (a line). The diagonal is the tag's number of spans.
  JACCARD: characters coded with both over characters coded with either
  (paragraph-widened with ``same_paragraph``).
- Every other pair of axes counts spans (of the tags in ``base``, else every
  theme) that belong to both the row and the column: tag = the tag, document
  = in it, annotator = by them, speaker = overlapping a turn of theirs.
- DOCUMENTS: documents where the cell has a passage; CHARACTERS: characters
  its passages cover, each once; PRESENCE: 1 if the count is not 0.
- ``base`` filters (annotators, documents, statuses, speakers, not) apply to
  every cell, with the retrieval's meaning.

Everything is computed from one load of the spans into arrays
(``annotator.analysis.intervals``): sorts, prefix maxima and binary searches,
never a Python loop over pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from annotator.analysis.intervals import (
    CorpusSpans,
    Ints,
    annotator_names,
    corpus,
    documents_per_group,
    merged,
    overlap_counts,
    overlapping,
    paragraph_bounds,
    paragraph_extents,
    union_lengths,
)
from annotator.analysis.loaded import LoadedSpans
from annotator.analysis.query import Axis, Combine, Measure, PassageQuery
from annotator.analysis.retrieval import Plan, TagTree
from annotator.model import Tag, TagKind

if TYPE_CHECKING:
    from annotator.store import Store


@dataclass(frozen=True, slots=True)
class Label:
    """One row or column heading."""

    key: str  # tag id, document id, annotator name
    name: str
    color: str | None  # tag colour for tag axes


@dataclass(frozen=True, slots=True)
class Matrix:
    """A table over two axes, with the filters every cell shares."""

    rows: Axis
    cols: Axis
    measure: Measure
    row_labels: tuple[Label, ...]
    col_labels: tuple[Label, ...]
    values: tuple[tuple[float, ...], ...]  # values[row][col]
    base: PassageQuery
    #: The tags whose spans are counted when neither axis is a tag axis.
    counted_tags: tuple[str, ...] = ()
    same_paragraph: bool = False

    def cell_query(self, row: int, col: int) -> PassageQuery:
        """The retrieval of exactly the passages this cell counts (its COUNT is their number)."""
        r, c = self.row_labels[row].key, self.col_labels[col].key
        query = replace(self.base, combine=Combine.ANY, include_subthemes=False, tags=self.counted_tags)
        if self.rows is Axis.TAGS and self.cols is Axis.TAGS:
            if r == c:
                return replace(query, tags=(r,))
            return replace(query, tags=(r, c), combine=Combine.ALL, same_paragraph=self.same_paragraph)
        for axis, key in ((self.rows, r), (self.cols, c)):
            if axis is Axis.TAGS:
                query = replace(query, tags=(key,))
            elif axis is Axis.DOCUMENTS:
                query = replace(query, documents=(key,))
            elif axis is Axis.ANNOTATORS:
                query = replace(query, annotators=(key,))
            else:
                query = replace(query, speakers=(key,))
        return query


@dataclass(frozen=True, slots=True)
class TagFrequency:
    """How much one tag is used; the totals add its sub-themes."""

    tag: Tag
    depth: int  # 0 for top-level themes
    passages: int  # spans of this tag itself
    documents: int
    characters: int  # coded characters (union of its spans per document)
    total_passages: int  # itself plus all sub-themes
    total_documents: int
    total_characters: int


# -- loading -------------------------------------------------------------------


def _load(
    store: Store, base: PassageQuery, tree: TagTree, speakers: tuple[str, ...], axes: tuple[Axis, ...] = ()
) -> LoadedSpans:
    if base.combine is Combine.ALL and len(set(base.tags)) > 1:
        raise ValueError("matrices count spans: choose their tags with 'any', not 'all'")
    plan = Plan.make(store, replace(base, combine=Combine.ANY), tree)
    palette = [t.id for t in tree.tags]
    if plan.coded is None:
        counted = tuple(t.id for t in tree.tags if t.kind is TagKind.THEME)
    else:
        chosen = set(plan.coded)
        counted = tuple(t for t in palette if t in chosen)
    annotators: tuple[str, ...] | None = None
    if Axis.ANNOTATORS in axes:
        annotators = annotator_names(store)
    elif base.annotators:
        annotators = tuple(dict.fromkeys(base.annotators))
    needed = tuple(dict.fromkeys((*counted, *plan.excluded, *speakers, *base.speakers)))
    statuses = tuple(str(s) for s in base.statuses)
    docs, spans, wanted = corpus(store, needed, base.documents, statuses, annotators)
    by_annotator = np.ones(len(spans), dtype=bool)
    if base.annotators:
        assert spans.annotator is not None and annotators is not None
        by_annotator = np.isin(
            spans.annotator, [annotators.index(a) for a in base.annotators if a in annotators]
        )

    position = {t: i for i, t in enumerate(wanted)}

    def of(tag_ids: tuple[str, ...]) -> np.ndarray:
        return np.isin(spans.tag, [position[t] for t in tag_ids if t in position])

    excluded = spans.where(of(plan.excluded) & by_annotator)
    turns = {}
    for speaker in dict.fromkeys((*speakers, *base.speakers)):
        turn = spans.where(of((speaker,)))
        turns[speaker] = merged(turn.start, turn.end)
    kept = spans.where(of(counted) & by_annotator)
    recode = np.array([counted.index(t) if t in counted else -1 for t in wanted], dtype=np.int64)
    kept = CorpusSpans(kept.doc, kept.start, kept.end, recode[kept.tag], kept.annotator)
    return LoadedSpans(
        plan, docs, kept, counted, merged(excluded.start, excluded.end), turns, annotators or ()
    )


# -- matrices --------------------------------------------------------------------


def matrix(
    store: Store,
    *,
    rows: Axis,
    cols: Axis,
    measure: Measure = Measure.COUNT,
    base: PassageQuery = PassageQuery(),
    same_paragraph: bool = False,
) -> Matrix:
    """One matrix of the corpus (see the module's docstring); impossible combinations raise ValueError."""
    rows, cols, measure = Axis(rows), Axis(cols), Measure(measure)
    co_occurrence = rows is Axis.TAGS and cols is Axis.TAGS
    if rows is cols and not co_occurrence:
        raise ValueError(f"{rows.value} against {cols.value} is not a matrix; choose two different axes")
    if measure is Measure.JACCARD and not co_occurrence:
        raise ValueError("jaccard compares tags with tags: use --rows tags --cols tags")
    if same_paragraph and not co_occurrence:
        raise ValueError("same-paragraph counts compare tags with tags: use --rows tags --cols tags")
    if Axis.ANNOTATORS in (rows, cols) and base.exclude_tags:
        raise ValueError("an annotator axis cannot be combined with 'not' (whose spans would exclude?)")
    tree = TagTree.load(store)
    speaker_labels = _speaker_labels(tree, base) if Axis.SPEAKERS in (rows, cols) else ()
    loaded = _load(store, base, tree, tuple(label.key for label in speaker_labels), (rows, cols))
    if co_occurrence:
        labels = _tag_labels(tree, loaded.tags)
        values = _co_occurrence(store, loaded, measure, same_paragraph)
        row_labels = col_labels = labels
    else:
        passes = loaded.passes()
        spans = loaded.spans.where(passes)
        row_labels, row_member = _members(rows, loaded, spans, tree, speaker_labels)
        col_labels, col_member = _members(cols, loaded, spans, tree, speaker_labels)
        values = _cells(loaded, spans, row_member, col_member, len(row_labels), len(col_labels), measure)
    return Matrix(
        rows=rows,
        cols=cols,
        measure=measure,
        row_labels=row_labels,
        col_labels=col_labels,
        values=tuple(map(tuple, np.asarray(values, dtype=np.float64).tolist())),
        base=base,
        counted_tags=loaded.tags,
        same_paragraph=same_paragraph and co_occurrence,
    )


def _tag_labels(tree: TagTree, tag_ids: tuple[str, ...]) -> tuple[Label, ...]:
    return tuple(Label(t, tree.by_id[t].name, tree.by_id[t].color) for t in tag_ids)


def _speaker_labels(tree: TagTree, base: PassageQuery) -> tuple[Label, ...]:
    wanted = set(base.speakers) if base.speakers else None
    return tuple(
        Label(t.id, t.name, t.color)
        for t in tree.tags
        if t.kind is TagKind.SPEAKER and (wanted is None or t.id in wanted)
    )


#: For each membership: (span index, label index), as two arrays.
_Members = tuple[Ints, Ints]


def _members(
    axis: Axis, loaded: LoadedSpans, spans: CorpusSpans, tree: TagTree, speakers: tuple[Label, ...]
) -> tuple[tuple[Label, ...], _Members]:
    everyone = np.arange(len(spans), dtype=np.int64)
    if axis is Axis.TAGS:
        return _tag_labels(tree, loaded.tags), (everyone, spans.tag)
    if axis is Axis.DOCUMENTS:
        labels = tuple(Label(i, t, None) for i, t in zip(loaded.docs.ids, loaded.docs.titles, strict=True))
        return labels, (everyone, spans.doc)
    if axis is Axis.ANNOTATORS:
        assert spans.annotator is not None
        present = np.unique(spans.annotator)
        names = sorted(loaded.annotators[i] for i in present if i >= 0)
        position = np.full(len(loaded.annotators) + 1, -1, dtype=np.int64)
        for i, name in enumerate(names):
            position[loaded.annotators.index(name)] = i
        return tuple(Label(n, n, None) for n in names), (everyone, position[spans.annotator])
    found_spans, found_labels = [], []
    for i, label in enumerate(speakers):
        inside = np.flatnonzero(overlapping(spans.start, spans.end, *loaded.turns[label.key]))
        found_spans.append(inside)
        found_labels.append(np.full(len(inside), i, dtype=np.int64))
    if not found_spans:
        return speakers, (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    return speakers, (np.concatenate(found_spans), np.concatenate(found_labels))


def _join(row: _Members, col: _Members, count: int) -> tuple[Ints, Ints, Ints]:
    """(span, row label, column label) for every span in both a row and a column."""
    row_of = np.full(count, -1, dtype=np.int64)
    if len(row[0]) == count and np.array_equal(row[0], np.arange(count)):
        row_of = row[1]
        span, col_label = col
        return span, row_of[span], col_label
    col_of = np.full(count, -1, dtype=np.int64)
    col_of[col[0]] = col[1]
    span, row_label = row
    return span, row_label, col_of[span]


def _cells(
    loaded: LoadedSpans,
    spans: CorpusSpans,
    row: _Members,
    col: _Members,
    n_rows: int,
    n_cols: int,
    measure: Measure,
) -> np.ndarray:
    span, r, c = _join(row, col, len(spans))
    ok = (r >= 0) & (c >= 0)
    span, cell = span[ok], r[ok] * n_cols + c[ok]
    size = n_rows * n_cols
    if measure is Measure.DOCUMENTS:
        flat = documents_per_group(cell, spans.doc[span], size, max(1, len(loaded.docs.ids)))
    elif measure is Measure.CHARACTERS:
        flat = union_lengths(cell, spans.start[span], spans.end[span], size, loaded.docs.line_length)
    else:
        flat = np.bincount(cell, minlength=size)
        if measure is Measure.PRESENCE:
            flat = (flat > 0).astype(np.int64)
    return flat.reshape(n_rows, n_cols)


def _co_occurrence(store: Store, loaded: LoadedSpans, measure: Measure, same_paragraph: bool) -> np.ndarray:
    """tags x tags: pairs of overlapping (or same-paragraph) spans, or what ``measure`` makes of them."""
    from annotator.analysis.cooccurrence import filtered_pairs, pair_counts

    spans = loaded.spans
    start, end = spans.start, spans.end
    if same_paragraph and len(spans):
        start, end = paragraph_extents(start, end, paragraph_bounds(store, loaded.docs))
    n = len(loaded.tags)
    if loaded.plan.excluded or loaded.plan.query.speakers:
        return filtered_pairs(loaded, start, end, n, measure)
    return pair_counts(loaded, start, end, n, measure)


# -- frequencies -----------------------------------------------------------------


def frequencies(store: Store, base: PassageQuery = PassageQuery()) -> list[TagFrequency]:
    """One row per tag (themes and speakers, or the tags of ``base``), in palette order.

    A tag's own figures count its own spans; its totals count the spans of
    itself and every sub-theme (characters and documents each once). The
    ``base`` filters apply as in a retrieval.
    """
    tree = TagTree.load(store)
    if base.tags:
        query = base
    else:
        query = replace(
            base, tags=tuple(t.id for t in tree.tags if t.parent_id is None), include_subthemes=True
        )
    loaded = _load(store, query, tree, ())
    spans = loaded.spans.where(loaded.passes())
    n = len(loaded.tags)
    line, ndocs = loaded.docs.line_length, max(1, len(loaded.docs.ids))
    count = np.bincount(spans.tag, minlength=n)
    documents = documents_per_group(spans.tag, spans.doc, n, ndocs)
    characters = union_lengths(spans.tag, spans.start, spans.end, n, line)
    totals = {}
    position = {t: i for i, t in enumerate(loaded.tags)}
    for i, tag_id in enumerate(loaded.tags):
        below = [position[t] for t in tree.descendants(tag_id) if t in position]
        if len(below) == 1:
            totals[i] = (int(count[i]), int(documents[i]), int(characters[i]))
            continue
        inside = spans.where(np.isin(spans.tag, below))  # still in order of start
        s, e = merged(inside.start, inside.end)
        totals[i] = (len(inside), len(np.unique(inside.doc)), int((e - s).sum()))
    return [
        TagFrequency(
            tag=tree.by_id[tag_id],
            depth=tree.depth(tag_id),
            passages=int(count[i]),
            documents=int(documents[i]),
            characters=int(characters[i]),
            total_passages=totals[i][0],
            total_documents=totals[i][1],
            total_characters=totals[i][2],
        )
        for i, tag_id in enumerate(loaded.tags)
    ]


def _ancestors(tree: TagTree, tag_id: str) -> list[str]:
    found: list[str] = []
    tag = tree.by_id[tag_id]
    while tag.parent_id and tag.parent_id in tree.by_id and tag.parent_id not in found:
        found.append(tag.parent_id)
        tag = tree.by_id[tag.parent_id]
    return found


__all__ = [
    "Axis",
    "Combine",
    "Label",
    "Matrix",
    "Measure",
    "TagFrequency",
    "frequencies",
    "matrix",
    "overlap_counts",
]
