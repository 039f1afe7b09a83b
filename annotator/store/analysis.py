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
        clauses, params = [], []
        if tag_ids is not None:
            clauses.append("a.tag_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(tag_ids)))
        if annotators:
            clauses.append("a.annotator IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(annotators)))
        doc_clauses = []
        if documents:
            doc_clauses.append("d.id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(documents)))
        if statuses:
            doc_clauses.append("d.status IN (SELECT value FROM json_each(?))")
            params.append(json.dumps([str(s) for s in statuses]))
        self.by_documents = bool(doc_clauses)
        self.where = " AND ".join(clauses + doc_clauses) or "1"
        self.params = params


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
        self, span_filter: SpanFilter, tag_ids: Sequence[str], annotators: Sequence[str] | None = None
    ) -> list[tuple[str, str, str, str | None]]:
        """The spans of ``tag_ids`` passing ``span_filter``, one row per document that has any.

        Each row: document id; ``start << 32 | end`` of each span, comma-separated,
        in the index's order; the position of each span's tag in ``tag_ids``; and,
        if ``annotators`` is given, the position of each span's annotator in it
        (-1 for others), else None.
        """
        tag_case = " ".join("WHEN ? THEN ?" for _ in tag_ids)
        params: list = [value for i, tag_id in enumerate(tag_ids) for value in (tag_id, i)]
        annotator_column = "NULL"
        if annotators is not None:
            whens = " ".join("WHEN ? THEN ?" for _ in annotators)
            annotator_column = f"group_concat(CASE a.annotator {whens} ELSE -1 END)" if annotators else "NULL"
            params += [value for i, name in enumerate(annotators) for value in (name, i)]
        sql = (
            f'SELECT a.document_id, group_concat((a.start << 32) + a."end"), '
            f"group_concat(CASE a.tag_id {tag_case} END), {annotator_column} "
            + (
                "FROM documents d INDEXED BY documents_summary "
                "CROSS JOIN annotations a INDEXED BY annotations_document_span ON a.document_id = d.id "
                if span_filter.by_documents
                else "FROM annotations a INDEXED BY annotations_document_span "
            )
            + f"WHERE {span_filter.where} AND a.tag_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY a.document_id"
        )
        params += [*span_filter.params, json.dumps(list(tag_ids))]
        if not tag_ids:
            return []
        return self.db.conn.execute(sql, params).fetchall()
