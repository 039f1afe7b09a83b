"""Streaming reads for export: documents in import order, each with its filtered spans.

Documents are read in import order and each one's spans with one indexed
query (document, start), so memory holds one document at a time however
large the corpus is, and no global sort of a million spans is needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from annotator.store.base import StoreBase


class ExportSpan(NamedTuple):
    """One annotation as exporters see it (a plain tuple: a million of them stay cheap)."""

    id: str
    start: int
    end: int
    label: str
    kind: str
    annotator: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """One document with the spans that passed the filters, as ``ExportSpan``-shaped tuples."""

    id: str
    title: str
    text: str
    meta: dict
    spans: list[ExportSpan]


def _span_filter(annotators: Sequence[str], tags: Sequence[str], kind: str | None) -> tuple[str, list]:
    clauses, params = [], []
    if annotators:
        clauses.append(f"a.annotator IN ({', '.join('?' * len(annotators))})")
        params.extend(annotators)
    if tags:
        clauses.append(f"lower(t.name) IN ({', '.join('?' * len(tags))})")
        params.extend(tag.strip().lower() for tag in tags)
    if kind:
        clauses.append("t.kind = ?")
        params.append(kind)
    return (" AND " + " AND ".join(clauses)) if clauses else "", params


class ExportMixin(StoreBase):
    def iter_export_documents(
        self,
        *,
        annotators: Sequence[str] = (),
        tags: Sequence[str] = (),
        kind: str | None = None,
        only_annotated: bool = False,
    ) -> Iterator[ExportDocument]:
        """Documents in import order with their spans sorted by start, end, label, id."""
        where, params = _span_filter(annotators, tags, kind)
        span_sql = (
            'SELECT a.id, a.start, a."end", t.name, t.kind, a.annotator, a.note '
            "FROM annotations a JOIN tags t ON t.id = a.tag_id "
            f'WHERE a.document_id = ?{where} ORDER BY a.start, a."end", t.name, a.id'
        )
        spans = self.db.conn.cursor()
        documents = self.db.conn.cursor().execute(
            "SELECT id, title, text, meta FROM documents ORDER BY position"
        )
        for doc_id, title, text, meta in documents:
            doc_spans = spans.execute(span_sql, [doc_id, *params]).fetchall()
            if only_annotated and not doc_spans:
                continue
            yield ExportDocument(doc_id, title, text, json.loads(meta), doc_spans)

    def export_counts(self) -> tuple[int, int]:
        """(documents, annotations) in the project, for progress bars."""
        conn = self.db.conn
        return (conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0])
