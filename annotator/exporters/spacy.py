"""spaCy / Prodigy span JSONL: ``{"text", "spans": [{"start", "end", "label"}], "meta"}``.

Prodigy reads this shape as it is; spaCy builds a ``Doc`` from ``text`` and
turns each span into a ``Span`` with ``Doc.char_span``. The document's id
and title ride in ``meta``.
"""

from __future__ import annotations

from typing import BinaryIO

from annotator.exporters.base import check_spans, dumps, line_writer
from annotator.store.export import ExportDocument


def spacy_line(doc: ExportDocument) -> bytes:
    """One document as a spaCy / Prodigy JSON line (without its line break)."""
    check_spans(doc)
    spans = [{"start": start, "end": end, "label": label} for start, end, label, *_ in doc.spans]
    return dumps({"text": doc.text, "spans": spans, "meta": {**doc.meta, "id": doc.id, "title": doc.title}})


def writer(handle: BinaryIO):
    """A writer of spaCy lines."""
    return line_writer(handle, spacy_line)
