"""How many passages a retrieval has in each document, in one pass over the corpus.

A retrieval whose filters SQL cannot apply alone (``not``, speakers, ``ALL``)
is counted here once, per document, so that its pages can then be built one
document at a time. ``ANY`` and ``ALL`` of two tags are counted with NumPy
over the whole corpus (masks; overlapping pairs listed by array arithmetic);
``ALL`` of three tags or more runs, document by document, the code that builds
the rows. The tests check every count against the rows it stands for.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from annotator.analysis.intervals import (
    CorpusDocuments,
    CorpusSpans,
    corpus,
    merged,
    overlapping,
    overlapping_pairs,
    paragraph_bounds,
    paragraph_extents,
)
from annotator.analysis.retrieval import Plan, Row, document_passages, paragraph_bounds_of

if TYPE_CHECKING:
    from annotator.store import Store


def passages_per_document(store: Store, plan: Plan) -> dict[str, int]:
    """Document id -> passages in it (documents without any left out), in corpus order."""
    q = plan.query
    coded = plan.coded if plan.coded is not None else tuple(t.id for t in plan.tree.tags)
    needed = tuple(dict.fromkeys((*coded, *plan.excluded, *q.speakers)))
    annotators = tuple(dict.fromkeys(q.annotators)) if q.annotators else None
    docs, spans, wanted = corpus(store, needed, q.documents, tuple(str(s) for s in q.statuses), annotators)
    if plan.all_of and len(plan.groups) == 2:
        counts = _pairs_per_document(store, plan, docs, spans, wanted)
    elif plan.all_of:
        found = _overlaps_per_document(store, plan, docs, spans, wanted)
        return {docs.ids[i]: found[i] for i in range(len(docs.ids)) if found.get(i)}
    else:
        counts = _spans_per_document(plan, spans, wanted, len(docs.ids))
    return {docs.ids[i]: int(counts[i]) for i in range(len(docs.ids)) if counts[i]}


def _roles(plan: Plan, spans: CorpusSpans, wanted: tuple[str, ...]) -> dict[str, np.ndarray]:
    index = {t: i for i, t in enumerate(wanted)}

    def of(tag_ids: tuple[str, ...]) -> np.ndarray:
        return np.isin(spans.tag, [index[t] for t in tag_ids if t in index])

    by_counted = np.ones(len(spans), dtype=bool) if spans.annotator is None else spans.annotator >= 0
    coded = plan.coded if plan.coded is not None else wanted
    return {
        "coded": of(coded) & by_counted,
        "excluded": of(plan.excluded) & by_counted,
        "turns": of(plan.query.speakers),
    }


def _spans_per_document(
    plan: Plan, spans: CorpusSpans, wanted: tuple[str, ...], documents: int
) -> np.ndarray:
    roles = _roles(plan, spans, wanted)
    keep = roles["coded"].copy()
    s, e = spans.start, spans.end
    if plan.excluded:
        keep &= ~overlapping(s, e, *merged(s[roles["excluded"]], e[roles["excluded"]]))
    if plan.query.speakers:
        keep &= overlapping(s, e, *merged(s[roles["turns"]], e[roles["turns"]]))
    return np.bincount(spans.doc[keep], minlength=documents)


def _pairs_per_document(
    store: Store, plan: Plan, docs: CorpusDocuments, spans: CorpusSpans, wanted: tuple[str, ...]
) -> np.ndarray:
    """ALL of two tags, vectorised: the pairs of distinct spans, one of each, whose regions pass the filters.

    Every overlapping pair among the spans of either tag is listed once (``i``
    before ``j`` in start order); a pair counts when one span stands for the
    first tag and the other for the second, either way round, which is the
    rule of ``document_passages`` (a set of spans is one passage).
    """
    index = {t: i for i, t in enumerate(wanted)}
    roles = _roles(plan, spans, wanted)
    first_tag = np.isin(spans.tag, [index[t] for t in plan.groups[0] if t in index]) & roles["coded"]
    second_tag = np.isin(spans.tag, [index[t] for t in plan.groups[1] if t in index]) & roles["coded"]
    either = np.flatnonzero(first_tag | second_tag)  # still in order of start
    s, e = spans.start[either], spans.end[either]
    if plan.query.same_paragraph and len(either):
        s, e = paragraph_extents(s, e, paragraph_bounds(store, docs))
    i, j = overlapping_pairs(s, e)
    a, b = first_tag[either], second_tag[either]
    keep = (a[i] & b[j]) | (b[i] & a[j])
    region_start, region_end = np.maximum(s[i], s[j]), np.minimum(e[i], e[j])
    if plan.excluded:
        out = roles["excluded"]
        keep &= ~overlapping(region_start, region_end, *merged(spans.start[out], spans.end[out]))
    if plan.query.speakers:
        turns = roles["turns"]
        keep &= overlapping(region_start, region_end, *merged(spans.start[turns], spans.end[turns]))
    return np.bincount(spans.doc[either][i[keep]], minlength=len(docs.ids))


def _overlaps_per_document(
    store: Store, plan: Plan, docs: CorpusDocuments, spans: CorpusSpans, wanted: tuple[str, ...]
) -> defaultdict[int, int]:
    counts: defaultdict[int, int] = defaultdict(int)
    if not len(spans):
        return counts
    names = plan.query.annotators
    order = np.lexsort((spans.end, spans.start, spans.doc))
    doc, start, end, tag = spans.doc[order], spans.start[order], spans.end[order], spans.tag[order]
    who = spans.annotator[order] if spans.annotator is not None else None
    texts: dict[str, str] = {}
    if plan.query.same_paragraph:
        texts = dict(store.document_texts([docs.ids[i] for i in np.unique(doc)]))
    cuts = np.flatnonzero(np.diff(doc)) + 1
    for piece in np.split(np.arange(len(doc)), cuts):
        d = int(doc[piece[0]])
        base = int(docs.offsets[d])
        rows: list[Row] = []
        for i in piece:
            annotator = names[who[i]] if who is not None and who[i] >= 0 else ""
            rows.append(
                (
                    docs.ids[d],
                    int(start[i]) - base,
                    int(end[i]) - base,
                    wanted[tag[i]],
                    str(i),
                    annotator,
                    None,
                )
            )
        bounds = paragraph_bounds_of(texts[docs.ids[d]]) if texts else None
        counts[d] = len(document_passages(plan, rows, bounds))
    return counts
