"""Coded retrieval: every passage of the corpus that a ``PassageQuery`` asks for, a page at a time.

Exact semantics (the README says the same):

- A chosen theme stands for itself and all its sub-themes unless
  ``include_subthemes`` is off; so does an excluded theme. Tags chosen twice
  count once.
- ``ANY`` (or a single tag): every span of a chosen tag is a passage, as it
  was coded; overlapping spans stay separate passages. No tags: every span.
- ``ALL``: for every choice of one span per chosen tag whose spans share at
  least one character, the passage is the region they all cover, from the
  latest start to the earliest end. A span never pairs with itself, and the
  same set of spans is one passage however the tags list them (a span of a
  sub-theme may stand for both a theme and its sub-theme). With
  ``same_paragraph``, spans pair when they touch a common paragraph (a line:
  the text up to and including a newline) and the passage is the paragraph(s)
  they share.
- ``exclude_tags`` (not): a passage is dropped if it shares a character with
  a span of an excluded tag in the same document.
- ``speakers``: a passage is kept only if it shares a character with a turn
  (a span) of one of those speakers.
- ``annotators``: only spans by these annotators make passages, pair up in
  ``ALL`` and exclude in ``not``. Speaker turns count whoever marked them
  (usually the transcript import), for the speaker filter and for each
  passage's speaker.
- ``documents`` and ``statuses`` keep the documents that pass both.
- A passage's speaker is the speaker of the turn that holds its first
  character; of several, the turn that starts last.
- Order: corpus order (document position), then start, end, tag, id.

Counting is done in SQL (a single tag set with document and annotator
filters only) or in one vectorised pass over the corpus; rows are built only
for the documents a page covers, so a retrieval of 50,000 passages never
holds 50,000 passages.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from annotator.analysis.query import Combine, Passage, PassageQuery
from annotator.errors import NotFoundError
from annotator.model import Tag, TagKind
from annotator.store.analysis import SpanFilter

if TYPE_CHECKING:
    from annotator.store import Store

#: A span row as the store gives it for a document: document id, start, end, tag id, id, annotator, note.
Row = tuple[str, int, int, str, str, str, "str | None"]
#: A passage before it is dressed: document id, start, end, the spans making it.
Found = tuple[str, int, int, tuple[Row, ...]]


@dataclass(frozen=True)
class TagTree:
    """The project's tags in palette order, with each theme's sub-themes."""

    tags: tuple[Tag, ...]
    children: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, store: Store) -> TagTree:
        tags = tuple(store.tags())
        children: dict[str, list[str]] = {}
        for tag in tags:
            if tag.parent_id:
                children.setdefault(tag.parent_id, []).append(tag.id)
        return cls(tags, {k: tuple(v) for k, v in children.items()})

    @cached_property
    def by_id(self) -> dict[str, Tag]:
        return {tag.id: tag for tag in self.tags}

    def descendants(self, tag_id: str) -> list[str]:
        """The tag and every tag below it, depth first."""
        found, stack = [], [tag_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.append(current)
            stack.extend(reversed(self.children.get(current, ())))
        return found

    def expand(self, tag_id: str, subthemes: bool) -> tuple[str, ...]:
        if tag_id not in self.by_id:
            raise NotFoundError(f"no tag with id {tag_id}")
        return tuple(self.descendants(tag_id)) if subthemes else (tag_id,)

    def depth(self, tag_id: str) -> int:
        depth, seen, tag = 0, {tag_id}, self.by_id[tag_id]
        while tag.parent_id and tag.parent_id in self.by_id and tag.parent_id not in seen:
            seen.add(tag.parent_id)
            tag = self.by_id[tag.parent_id]
            depth += 1
        return depth

    def speaker_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tags if t.kind is TagKind.SPEAKER)


@dataclass(frozen=True)
class Plan:
    """A query with its tags resolved: the groups of tag ids each chosen tag stands for."""

    query: PassageQuery
    tree: TagTree
    groups: tuple[tuple[str, ...], ...]  # empty: every span
    excluded: tuple[str, ...]

    @classmethod
    def make(cls, store: Store, query: PassageQuery, tree: TagTree | None = None) -> Plan:
        tree = tree or TagTree.load(store)
        chosen = tuple(dict.fromkeys(query.tags))
        groups = tuple(tree.expand(t, query.include_subthemes) for t in chosen)
        excluded = tuple(
            dict.fromkeys(x for t in query.exclude_tags for x in tree.expand(t, query.include_subthemes))
        )
        for speaker in query.speakers:
            tree.expand(speaker, False)
        return cls(query, tree, groups, excluded)

    @property
    def all_of(self) -> bool:
        """Whether passages are overlaps of several groups."""
        return self.query.combine is Combine.ALL and len(self.groups) > 1

    @property
    def coded(self) -> tuple[str, ...] | None:
        """Every tag id whose spans may make a passage; None: every tag."""
        if not self.groups:
            return None
        return tuple(dict.fromkeys(t for g in self.groups for t in g))

    @property
    def plain(self) -> bool:
        """Passages are the spans passing filters SQL can apply by itself."""
        return not self.all_of and not self.excluded and not self.query.speakers

    def span_filter(self, tag_ids: Sequence[str] | None, *, annotators: bool = True) -> SpanFilter:
        q = self.query
        return SpanFilter(
            tag_ids=tag_ids,
            annotators=q.annotators if annotators else (),
            documents=q.documents,
            statuses=tuple(str(s) for s in q.statuses),
        )

    def counted(self, row: Row) -> bool:
        """Whether a span's annotator passes the filter."""
        return not self.query.annotators or row[5] in self.query.annotators


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def paragraph_bounds_of(text: str) -> list[int]:
    """Where the paragraphs (lines, each with its newline) of a text begin, and its end."""
    bounds, position = [0], text.find("\n")
    while position != -1:
        bounds.append(position + 1)
        position = text.find("\n", position + 1)
    bounds.append(len(text))
    return sorted(set(bounds))


def _extent(start: int, end: int, bounds: list[int]) -> tuple[int, int]:
    return bounds[bisect.bisect_right(bounds, start) - 1], bounds[bisect.bisect_left(bounds, end)]


def document_passages(
    plan: Plan, rows: Sequence[Row], bounds: list[int] | None = None
) -> list[tuple[int, int, tuple[Row, ...]]]:
    """The passages of one document: (start, end, spans making it), in retrieval order.

    ``rows`` are the document's spans of every tag the plan needs, in index
    order; ``bounds`` its paragraph bounds when the query pairs by paragraph.
    """
    q = plan.query
    excluded = [(r[1], r[2]) for r in rows if r[3] in plan.excluded and plan.counted(r)]
    turns = [(r[1], r[2]) for r in rows if r[3] in q.speakers]
    if plan.all_of:
        found = _overlap_regions(plan, rows, bounds)
    else:
        coded = plan.coded
        found = [(r[1], r[2], (r,)) for r in rows if (coded is None or r[3] in coded) and plan.counted(r)]
    return [
        (s, e, spans)
        for s, e, spans in found
        if not (excluded and _overlaps(s, e, excluded)) and (not q.speakers or _overlaps(s, e, turns))
    ]


def _overlap_regions(
    plan: Plan, rows: Sequence[Row], bounds: list[int] | None
) -> list[tuple[int, int, tuple[Row, ...]]]:
    members = [[r for r in rows if r[3] in group and plan.counted(r)] for group in plan.groups]

    def reach(r: Row) -> tuple[int, int]:
        return _extent(r[1], r[2], bounds) if bounds is not None else (r[1], r[2])

    partial: list[tuple[int, int, tuple[Row, ...]]] = []
    for r in members[0]:
        s, e = reach(r)
        partial.append((s, e, (r,)))
    for group in members[1:]:
        grown = []
        for s, e, spans in partial:
            for r in group:
                rs, re_ = reach(r)
                if rs < e and s < re_ and r not in spans:
                    grown.append((max(s, rs), min(e, re_), (*spans, r)))
        partial = grown
    seen, found = set(), []
    for s, e, spans in partial:
        key = frozenset(r[4] for r in spans)
        if key not in seen:
            seen.add(key)
            found.append((s, e, spans))
    found.sort(key=lambda p: (p[0], p[1], [r[4] for r in p[2]]))
    return found


class Retrieval:
    """The passages of one query: counting is cheap, rows are read a page at a time."""

    def __init__(self, store: Store, query: PassageQuery, plan: Plan | None = None) -> None:
        self.store = store
        self.query = query
        self.plan = plan or Plan.make(store, query)
        self._per_document: tuple[list[str], list[int]] | None = None

    # -- counting ---------------------------------------------------------

    def __len__(self) -> int:
        if self.plan.plain:
            if not hasattr(self, "_count"):
                self._count = self.store.span_count(self.plan.span_filter(self.plan.coded))
            return self._count
        ends = self._document_counts()[1]
        return ends[-1] if ends else 0

    def _document_counts(self) -> tuple[list[str], list[int]]:
        """Documents with passages, in corpus order, and the running total of passages after each."""
        if self._per_document is None:
            from annotator.analysis.counting import passages_per_document

            counts = passages_per_document(self.store, self.plan)
            running, total = [], 0
            for count in counts.values():
                total += count
                running.append(total)
            self._per_document = (list(counts), running)
        return self._per_document

    # -- rows -------------------------------------------------------------

    def rows(self, first: int, count: int) -> list[Passage]:
        """Passages ``first`` .. ``first + count - 1`` in corpus order (document position, start)."""
        if count <= 0 or first < 0:
            return []
        if self.plan.plain:
            return self._dressed_page(
                self.store.span_page(self.plan.span_filter(self.plan.coded), first, count)
            )
        ids, ends = self._document_counts()
        at = bisect.bisect_right(ends, first)
        chosen: list[str] = []
        skip = first - (ends[at - 1] if at else 0)
        while at < len(ids) and (not chosen or ends[at - 1] < first + count):
            chosen.append(ids[at])
            at += 1
        return self._dressed(self._passages_of(chosen), None)[skip : skip + count]

    def _dressed_page(self, page: list[tuple[Any, ...]]) -> list[Passage]:
        """Passages from rows of ``span_page`` (document id, title, start, end, tag, id, annotator, note)."""
        rows = [(r[0], r[2], r[3], r[4], r[5], r[6], r[7]) for r in page]
        titles = {r[0]: r[1] for r in page}
        found: list[Found] = [(r[0], r[1], r[2], (r,)) for r in rows]
        return self._dressed(found, titles)

    def _passages_of(self, document_ids: list[str]) -> list[Found]:
        plan = self.plan
        wanted: tuple[str, ...] | None = None
        if plan.coded is not None:
            wanted = tuple(dict.fromkeys((*plan.coded, *plan.excluded, *self.query.speakers)))
        by_document: dict[str, list[Row]] = {d: [] for d in document_ids}
        for row in self.store.spans_in_documents(document_ids, wanted):
            by_document[row[0]].append(row)
        texts = {}
        if self.query.same_paragraph and plan.all_of:
            texts = dict(self.store.document_texts(document_ids))
        found: list[Found] = []
        for doc_id in document_ids:
            bounds = paragraph_bounds_of(texts[doc_id]) if doc_id in texts else None
            for s, e, spans in document_passages(plan, by_document[doc_id], bounds):
                found.append((doc_id, s, e, spans))
        return found

    def _dressed(self, found: list[Found], titles: dict[str, str] | None) -> list[Passage]:
        """Passages with titles, notes and the speaker of the turn each starts in."""
        document_ids = list(dict.fromkeys(f[0] for f in found))
        if titles is None:
            titles = {d[0]: d[1] for d in self.store.analysis_documents(document_ids)}
        speakers = self.plan.tree.speaker_ids()
        turns: dict[str, list[tuple[int, int, str]]] = {d: [] for d in document_ids}
        if speakers and document_ids:
            for row in self.store.spans_in_documents(document_ids, speakers):
                turns[row[0]].append((row[1], row[2], row[3]))
        passages = []
        for doc_id, s, e, spans in found:
            holding = [t for t in turns[doc_id] if t[0] <= s < t[1]]
            passages.append(
                Passage(
                    document_id=doc_id,
                    document_title=titles.get(doc_id, ""),
                    start=s,
                    end=e,
                    tag_ids=tuple(r[3] for r in spans),
                    annotation_ids=tuple(r[4] for r in spans),
                    annotators=tuple(dict.fromkeys(r[5] for r in spans)),
                    notes=tuple(r[6] for r in spans if r[6]),
                    speaker_id=max(holding, key=lambda t: t[0])[2] if holding else None,
                )
            )
        return passages

    def __iter__(self) -> Iterator[Passage]:
        if self.plan.plain:
            for batch in self.store.span_rows(self.plan.span_filter(self.plan.coded)):
                yield from self._dressed_page(batch)
            return
        page, first = 500, 0
        while True:
            rows = self.rows(first, page)
            yield from rows
            if len(rows) < page:
                return
            first += page


def retrieve(store: Store, query: PassageQuery) -> Retrieval:
    """The passages ``query`` asks for (see the module's docstring for the exact rules).

    Unknown tag ids raise ``NotFoundError``.
    """
    return Retrieval(store, query)


def passage_context(store: Store, passage: Passage, chars: int = 80) -> tuple[str, str, str]:
    """(text before, passage text, text after), before/after at most ``chars`` code points.

    The context is cut at white space where there is some within it, so that
    it begins and ends with whole words; newlines are kept as they are.
    """
    chars = max(0, chars)
    lo = max(0, passage.start - chars)
    text = store.text_range(passage.document_id, lo, passage.end + chars)
    inner = passage.start - lo
    before, middle, after = (
        text[:inner],
        text[inner : inner + passage.end - passage.start],
        text[inner + (passage.end - passage.start) :],
    )
    if lo > 0 and len(before) == chars:
        cut = _first_space(before)
        if cut is not None:
            before = before[cut + 1 :]
    if len(after) == chars:
        cut = _last_space(after)
        if cut is not None:
            after = after[:cut]
    return before, middle, after


def _first_space(text: str) -> int | None:
    for i, ch in enumerate(text):
        if ch.isspace():
            return i
    return None


def _last_space(text: str) -> int | None:
    for i in range(len(text) - 1, -1, -1):
        if text[i].isspace():
            return i
    return None


def describe(passage: Passage, tree: TagTree) -> dict[str, Any]:
    """A passage as plain values for JSON and tables (tag and speaker names, not ids)."""
    names = tree.by_id
    return {
        "document_id": passage.document_id,
        "document": passage.document_title,
        "start": passage.start,
        "end": passage.end,
        "tags": [names[t].name if t in names else t for t in passage.tag_ids],
        "annotators": list(passage.annotators),
        "notes": list(passage.notes),
        "speaker": names[passage.speaker_id].name if passage.speaker_id in names else None,
        "annotation_ids": list(passage.annotation_ids),
    }
