"""Reads for exchange formats (REFI-QDA): what a project export carries beyond the spans.

The span stream of ``ExportMixin`` gives what every format needs; a REFI-QDA
project also carries each document's memo, status, import time and metadata,
and each span's created and changed times. These two reads give exactly
that, without the texts (the export has them already) and without building
full ``Annotation`` rows, which on a million spans is the difference of
seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import NamedTuple

from annotator.model import DocumentStatus
from annotator.store.base import StoreBase


class DocumentDetails(NamedTuple):
    """A document's fields an exchange format carries besides its title and text."""

    id: str
    meta: dict
    status: DocumentStatus
    imported_at: str
    source_path: str | None
    memo: str


class ExchangeMixin(StoreBase):
    def iter_document_details(self) -> Iterator[DocumentDetails]:
        """Every document's metadata, status, import time, source path and memo, in import order, texts unread."""
        rows = self.db.conn.cursor().execute(
            "SELECT d.id, d.meta, d.status, d.imported_at, d.source_path, COALESCE(m.memo, '') "
            "FROM documents d LEFT JOIN document_memos m ON m.document_id = d.id ORDER BY d.position"
        )
        for doc_id, meta, status, imported_at, source_path, memo in rows:
            yield DocumentDetails(
                doc_id, json.loads(meta), DocumentStatus(status), imported_at, source_path, memo
            )

    def annotation_times(self, document_id: str) -> dict[str, tuple[str, str]]:
        """Annotation id -> (created, updated) for every annotation of one document."""
        rows = self.db.conn.execute(
            "SELECT id, created, updated FROM annotations WHERE document_id = ?", [document_id]
        ).fetchall()
        return {span_id: (created, updated) for span_id, created, updated in rows}
