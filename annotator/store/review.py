"""Reads and writes for reviewing: spans keyed by document hash and tag name, adjudications."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from annotator.model import new_id, utc_now
from annotator.store.base import StoreBase


class ReviewSpan(NamedTuple):
    """An annotation with what matches it across files: the text's hash and the tag's kind and name."""

    id: str
    sha256: str
    document_id: str
    start: int
    end: int
    kind: str
    tag: str
    annotator: str
    note: str | None
    created: str
    updated: str


class ReviewMixin(StoreBase):
    def iter_review_spans(self, document_id: str | None = None) -> Iterator[ReviewSpan]:
        """Every annotation (or one document's) with its document hash and tag kind and name."""
        sql = (
            'SELECT a.id, d.sha256, d.id, a.start, a."end", t.kind, t.name, a.annotator, a.note, a.created, '
            "a.updated FROM annotations a JOIN documents d ON d.id = a.document_id JOIN tags t ON t.id = a.tag_id"
        )
        rows = (self.db.conn.execute(sql + " WHERE d.id = ?", [document_id]) if document_id
                else self.db.conn.execute(sql))
        for row in rows:
            yield ReviewSpan(*row)

    def document_lengths_by_sha(self) -> dict[str, int]:
        """SHA-256 of each document's text -> its length in code points."""
        return dict(self.db.conn.execute("SELECT sha256, length(text) FROM documents"))

    def record_adjudication(self, *, annotation_id: str, decision: str, disagreement: str, decided_by: str,
                            source: str = "", id: str | None = None, decided_at: str | None = None) -> str:
        """Remember that a disagreement was settled (an annotation accepted, or dismissed)."""
        self._require_writable()
        adjudication_id = id or new_id()
        self.db.execute(
            "INSERT INTO adjudications (id, annotation_id, decision, disagreement, source, decided_by, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [adjudication_id, annotation_id, decision, disagreement, source, decided_by, decided_at or utc_now()],
        )
        return adjudication_id

    def remove_adjudication(self, adjudication_id: str) -> None:
        """Forget a decision (its undo)."""
        self._require_writable()
        self.db.execute("DELETE FROM adjudications WHERE id = ?", [adjudication_id])

    def dismissed_disagreements(self) -> set[str]:
        """Keys of the disagreements someone dismissed."""
        rows = self.db.conn.execute("SELECT disagreement FROM adjudications WHERE decision = 'dismissed'")
        return {r[0] for r in rows}

    def adjudications(self) -> list[dict]:
        """Every decision, oldest first."""
        cursor = self.db.conn.execute(
            "SELECT id, annotation_id, decision, disagreement, source, decided_by, decided_at "
            "FROM adjudications ORDER BY decided_at"
        )
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]
