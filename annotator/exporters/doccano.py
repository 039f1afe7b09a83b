"""doccano's sequence-labelling JSONL: ``{"id", "text", "label": [[start, end, label]], "meta"}``.

doccano has no place for a title, so it goes into ``meta``, where its
importer keeps it and ours reads it back.
"""

from __future__ import annotations

from typing import BinaryIO

from annotator.exporters.base import check_spans, dumps, line_writer
from annotator.store.export import ExportDocument


def doccano_line(doc: ExportDocument) -> bytes:
    """One document as a doccano JSON line (without its line break)."""
    check_spans(doc)
    labels = [[start, end, label] for start, end, label, *_ in doc.spans]
    return dumps({"id": doc.id, "text": doc.text, "label": labels, "meta": {**doc.meta, "title": doc.title}})


def writer(handle: BinaryIO):
    """A writer of doccano lines."""
    return line_writer(handle, doccano_line)
