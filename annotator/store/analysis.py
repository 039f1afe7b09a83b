"""The reads behind coded retrieval and matrices (``annotator.analysis``): counts, pages and packed spans.

Every list a filter takes (tag ids, annotators, document ids, statuses) is
passed as one JSON array and read with ``json_each``, so a filter of 10,000
documents needs no 10,000 SQL variables. Two query shapes matter for speed on
a million spans:

- a filter on documents (ids or status) drives the query from the documents,
  in corpus order, reading each document's spans from the covering index
  ``annotations_document_span`` (never the table); the first page of a
  retrieval then stops after its first hundred rows;
- whole-corpus loads for matrices come one row per document with the spans
  packed as text (``start << 32 | end`` and a small tag code per span), a
  tenth of the Python objects a row per span would cost.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from annotator.store.base import StoreBase

#: Columns of a passage row of a page: document id and title, span start, end, tag, id, annotator, note.
_PAGE_COLUMNS = 'd.id, d.title, a.start, a."end", a.tag_id, a.id, a.annotator, a.note'
#: The order of passages everywhere: corpus order, then the covering index's order within a document.
_PAGE_ORDER = 'd.position, a.start, a."end", a.tag_id, a.id'
#: Lists up to this long are written into the SQL as parameters; longer ones go as one JSON array.
_INLINE = 50


#: Up to this many values a flat CASE finds a code fastest; beyond, a tree of comparisons does.
_FLAT_CASE = 16


def _code_of(column: str, codes: list[tuple[str, int]], params: list) -> str:
    """An SQL expression giving ``column``'s code from ``codes``, NULL for other values.

    A flat CASE for a few values; for more, a balanced tree of comparisons over
    the values in order, so a span's code takes log2(values) steps rather than
    one per value (a scheme of thousands of tags).
    """
    if len(codes) <= _FLAT_CASE:
        params.extend(value for pair in codes for value in pair)
        return f"CASE {column} " + " ".join("WHEN ? THEN ?" for _ in codes) + " END"
    return _code_tree(column, sorted(codes), params)


def _code_tree(column: str, codes: list[tuple[str, int]], params: list) -> str:
    if len(codes) == 1:
        params.extend(codes[0])
        return f"CASE WHEN {column} = ? THEN ? END"
    middle = len(codes) // 2
    params.append(codes[middle][0])
    below = _code_tree(column, codes[:middle], params)
    above = _code_tree(column, codes[middle:], params)
    return f"CASE WHEN {column} < ? THEN {below} ELSE {above} END"


class SpanFilter:
    """The WHERE clause (and its parameters) of spans passing a retrieval's filters.

    ``tag_ids`` None means every tag; the other filters empty mean no filter.
    """

    def __init__(
        self,
        *,
        tag_ids: Sequence[str] | None = None,
        annotators: Sequence[str] = (),
        documents: Sequence[str] = (),
        statuses: Sequence[str] = (),
    ) -> None:
        self.params: list = []
        clauses = []
        if tag_ids is not None:
            clauses.append(self._among("a.tag_id", tag_ids))
        if annotators:
            clauses.append(self._among("a.annotator", annotators))
        doc_clauses = []
        if documents:
            doc_clauses.append(self._among("d.id", documents))
        if statuses:
            doc_clauses.append(self._among("d.status", [str(s) for s in statuses]))
        self.by_documents = bool(doc_clauses)
        self.where = " AND ".join(clauses + doc_clauses) or "1"

    def _among(self, column: str, values: Sequence[str]) -> str:
        """``column IN (...)``: a short list inline (a fifth faster per row), a long one as JSON."""
        if len(values) <= _INLINE:
            self.params.extend(values)
            return f"{column} IN ({', '.join('?' * len(values))})" if values else "0"
        self.params.append(json.dumps(list(values)))
        return f"{column} IN (SELECT value FROM json_each(?))"


class AnalysisMixin(StoreBase):
    # -- documents --------------------------------------------------------

    def analysis_documents(
        self, documents: Sequence[str] = (), statuses: Sequence[str] = ()
    ) -> list[tuple[str, str, int]]:
        """(id, title, length) of the documents passing the filters, in corpus order."""
        span_filter = SpanFilter(documents=documents, statuses=statuses)
        rows = self.db.conn.execute(
            f"SELECT d.id, d.title, d.length FROM documents d INDEXED BY documents_summary "
            f"WHERE {span_filter.where} ORDER BY d.position",
            span_filter.params,
        )
        return rows.fetchall()

    def document_texts(self, document_ids: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(id, text) of the given documents, in no particular order."""
        rows = self.db.conn.execute(
            "SELECT id, text FROM documents WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(document_ids))],
        )
        yield from rows

    # -- spans as passages: count and pages ---------------------------------

    def span_count(self, span_filter: SpanFilter) -> int:
        """How many spans pass ``span_filter``."""
        if span_filter.by_documents:
            sql = (
                "SELECT COUNT(*) FROM documents d INDEXED BY documents_summary "
                "CROSS JOIN annotations a INDEXED BY annotations_document_span ON a.document_id = d.id "
                f"WHERE {span_filter.where}"
            )
        else:
            sql = f"SELECT COUNT(*) FROM annotations a WHERE {span_filter.where}"
        return self.db.conn.execute(sql, span_filter.params).fetchone()[0]

    def span_page(self, span_filter: SpanFilter, offset: int, limit: int) -> list[tuple]:
        """Rows ``offset`` .. ``offset + limit - 1`` of the spans passing the filter, in corpus order.

        Each row: document id, title, start, end, tag id, annotation id, annotator, note.
        """
        sql = (
            f"SELECT {_PAGE_COLUMNS} FROM documents d INDEXED BY documents_position "
            "CROSS JOIN annotations a INDEXED BY annotations_document_span ON a.document_id = d.id "
            f"WHERE {span_filter.where} ORDER BY {_PAGE_ORDER} LIMIT ? OFFSET ?"
        )
        return self.db.conn.execute(sql, [*span_filter.params, limit, offset]).fetchall()

    def span_rows(self, span_filter: SpanFilter, batch: int = 500) -> Iterator[list[tuple]]:
        """Every span passing the filter, in corpus order, ``batch`` rows at a time (rows as ``span_page``'s).

        One query read to its end: going through a large retrieval page by page
        with OFFSET would skip over every earlier row again for each page.
        """
        sql = (
            f"SELECT {_PAGE_COLUMNS} FROM documents d INDEXED BY documents_position "
            "CROSS JOIN annotations a INDEXED BY annotations_document_span ON a.document_id = d.id "
            f"WHERE {span_filter.where} ORDER BY {_PAGE_ORDER}"
        )
        cursor = self.db.conn.execute(sql, span_filter.params)
        while rows := cursor.fetchmany(batch):
            yield rows

    def spans_in_documents(self, document_ids: Sequence[str], tag_ids: Sequence[str] | None) -> list[tuple]:
        """Spans of some documents (of ``tag_ids`` if given), in document then index order.

        Each row: document id, start, end, tag id, annotation id, annotator, note.
        """
        tag_clause = " AND a.tag_id IN (SELECT value FROM json_each(?))" if tag_ids is not None else ""
        params = [json.dumps(list(document_ids))]
        if tag_ids is not None:
            params.append(json.dumps(list(tag_ids)))
        rows = self.db.conn.execute(
            'SELECT a.document_id, a.start, a."end", a.tag_id, a.id, a.annotator, a.note '
            "FROM annotations a INDEXED BY annotations_document_span "
            f"WHERE a.document_id IN (SELECT value FROM json_each(?)){tag_clause} "
            'ORDER BY a.document_id, a.start, a."end", a.tag_id, a.id',
            params,
        )
        return rows.fetchall()

    # -- spans packed for whole-corpus arithmetic ----------------------------

    def packed_spans(
        self,
        span_filter: SpanFilter,
        tag_ids: Sequence[str],
        annotators: Sequence[str] | None = None,
        *,
        offset_bits: int = 32,
    ) -> tuple[list[tuple[str, str, str | None, str | None]], bool]:
        """The spans passing ``span_filter`` (which must keep only ``tag_ids``), one row per document.

        Per span: its start and end (below ``1 << offset_bits``), the position
        of its tag in ``tag_ids`` and, if ``annotators`` is given, 1 + the
        position of its annotator in it (0 for others). When they fit in 62
        bits they come as one integer per span, ``((tag << a | annotator) <<
        2 * offset_bits) | start << offset_bits | end`` (``a`` = the bits the
        annotator codes need), comma-separated in the second column, and the
        flag returned is True: turning numbers into text is most of the time a
        million spans take, and one number costs about half of three. Otherwise
        the columns hold ``start << 32 | end``, the tags and the annotators apart.
        """
        if not tag_ids:
            return [], True
        tag_params: list = []
        tag_case = _code_of("a.tag_id", [(t, i) for i, t in enumerate(tag_ids)], tag_params)
        who_case, who_bits = "0", 0
        who_params: list = []
        if annotators is not None:
            if annotators:
                codes = [(name, i + 1) for i, name in enumerate(annotators)]
                who_case = f"COALESCE({_code_of('a.annotator', codes, who_params)}, 0)"
            who_bits = (len(annotators) + 1).bit_length()
        tag_bits = max(1, (len(tag_ids) - 1).bit_length())
        together = 2 * offset_bits + tag_bits + who_bits <= 62
        if together:
            columns = (
                f"group_concat(((({tag_case}) << {who_bits} | ({who_case})) << {2 * offset_bits}) "
                f'| (a.start << {offset_bits}) | a."end"), NULL, NULL'
            )
            params = [*tag_params, *who_params]
        else:
            who_column = f"group_concat({who_case})" if annotators is not None else "NULL"
            columns = f'group_concat((a.start << 32) | a."end"), group_concat({tag_case}), {who_column}'
            params = [*tag_params, *(who_params if annotators is not None else [])]
        source = (
            "FROM documents d INDEXED BY documents_summary "
            "CROSS JOIN annotations a INDEXED BY annotations_document_span ON a.document_id = d.id "
            if span_filter.by_documents
            else "FROM annotations a INDEXED BY annotations_document_span "
        )
        sql = f"SELECT a.document_id, {columns} {source} WHERE {span_filter.where} GROUP BY a.document_id"
        rows = self.db.conn.execute(sql, [*params, *span_filter.params]).fetchall()
        return rows, together

    def change_stamp(self) -> tuple[int, int]:
        """Moves whenever the project changes: SQLite's data version (others' commits) and our own changes."""
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        return version, self.db.conn.total_changes

    def tags_in_use(self) -> set[str]:
        """Ids of the tags that have spans (read from the index of spans by tag, not the table)."""
        rows = self.db.conn.execute("SELECT DISTINCT tag_id FROM annotations INDEXED BY annotations_tag")
        return {r[0] for r in rows}

    def has_annotator(self, name: str) -> bool:
        """Whether anyone of this name has a span (stops at the first)."""
        row = self.db.conn.execute("SELECT 1 FROM annotations WHERE annotator = ? LIMIT 1", [name]).fetchone()
        return row is not None

    def annotator_names(self) -> list[str]:
        """Everyone with a span, sorted, read from the covering index of spans (not the wider table).

        Asked for one name not yet found at a time: each question stops at the
        first new name, and only the last reads every span, without the
        de-duplicating B-tree a DISTINCT keeps for a million rows (half the time).
        """
        found: list[str] = []
        while True:
            row = self.db.conn.execute(
                "SELECT annotator FROM annotations INDEXED BY annotations_document_span "
                "WHERE annotator NOT IN (SELECT value FROM json_each(?)) LIMIT 1",
                [json.dumps(found)],
            ).fetchone()
            if row is None:
                return sorted(found)
            if row[0] in found:  # a name JSON cannot carry exactly (a NUL): ask the slow, sure way
                rows = self.db.conn.execute(
                    "SELECT DISTINCT annotator FROM annotations INDEXED BY annotations_document_span "
                    "ORDER BY annotator"
                )
                return sorted(r[0] for r in rows)
            found.append(row[0])
