"""Streaming reads for export: documents in import order, each with its filtered spans.

Documents are read in import order and each one's spans with one indexed
query (document, start), so memory holds one document at a time however
large the corpus is, and no global sort of a million spans is needed.
Filters on tags and kinds become a set of tag ids, worked out once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

from annotator.store.base import StoreBase


class ExportSpan(NamedTuple):
    """One annotation as exporters see it (a plain tuple: a million of them stay cheap).

    The fields run in sort order, so a plain ``sort()`` orders spans by
    start, end, label and then id, without building a key per span.
    """

    start: int
    end: int
    label: str
    id: str
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


def _span_filter(annotators: Sequence[str], tag_ids: list[str] | None) -> tuple[str, list]:
    clauses: list[str] = []
    params: list[str] = []
    if annotators:
        clauses.append(f"annotator IN ({', '.join('?' * len(annotators))})")
        params.extend(annotators)
    if tag_ids is not None:
        clauses.append(f"tag_id IN ({', '.join('?' * len(tag_ids))})")
        params.extend(tag_ids)
    return (" AND " + " AND ".join(clauses)) if clauses else "", params


class ExportMixin(StoreBase):
    def _export_tags(self, tags: Sequence[str], kind: str | None) -> tuple[dict[str, tuple[str, str]], bool]:
        """{tag id: (name, kind)} of the tags that pass the filters, and whether any filter applies."""
        wanted = {tag.strip().lower() for tag in tags}
        chosen = {
            tag_id: (name, tag_kind)
            for tag_id, name, tag_kind in self.db.conn.execute("SELECT id, name, kind FROM tags")
            if (not wanted or name.lower() in wanted) and (not kind or tag_kind == kind)
        }
        return chosen, bool(wanted or kind)

    def iter_export_documents(
        self,
        *,
        annotators: Sequence[str] = (),
        tags: Sequence[str] = (),
        kind: str | None = None,
        only_annotated: bool = False,
    ) -> Iterator[ExportDocument]:
        """Documents in import order with their spans sorted by start, end, label, id.

        Each document's spans come from the (document, start) index without a
        join or an ORDER BY: tags are few and looked up in a dict, and sorting
        a hundred tuples in Python is cheaper than SQLite's temporary B-tree.
        Labels compare by code point, as SQLite's BINARY collation does.
        """
        tag_of, filtered = self._export_tags(tags, kind)
        name_of = {tag_id: name for tag_id, (name, _) in tag_of.items()}
        kind_of = {tag_id: tag_kind for tag_id, (_, tag_kind) in tag_of.items()}
        where, params = _span_filter(annotators, list(tag_of) if filtered else None)
        span_sql = (
            f'SELECT start, "end", tag_id, id, annotator, note FROM annotations WHERE document_id = ?{where}'
        )
        spans = self.db.conn.cursor()
        documents = self.db.conn.cursor().execute(
            "SELECT id, title, text, meta FROM documents ORDER BY position"
        )
        for doc_id, title, text, meta in documents:
            # Plain tuples in ExportSpan's field order: a million NamedTuple constructions cost seconds.
            doc_spans = cast(
                list[ExportSpan],
                [
                    (start, end, name_of[tag_id], span_id, kind_of[tag_id], annotator, note)
                    for start, end, tag_id, span_id, annotator, note in spans.execute(
                        span_sql, [doc_id, *params]
                    )
                ],
            )
            if only_annotated and not doc_spans:
                continue
            doc_spans.sort()
            yield ExportDocument(doc_id, title, text, json.loads(meta), doc_spans)

    def export_counts(self) -> tuple[int, int]:
        """(documents, annotations) in the project, for progress bars."""
        conn = self.db.conn
        return (
            conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0],
        )
