"""The native JSONL: every document with ids, title, meta and full spans.

``{"id", "title", "text", "meta", "spans": [{"id", "start", "end", "text",
"label", "kind", "annotator", "note"}]}``, compact, one document per line.
"""

from __future__ import annotations

from typing import BinaryIO

from annotator.exporters.base import check_spans, dumps, line_writer
from annotator.store.export import ExportDocument


def native_line(doc: ExportDocument) -> bytes:
    """One document as a native JSON line (without its line break)."""
    check_spans(doc)
    text = doc.text
    spans = [
        {"id": span_id, "start": start, "end": end, "text": text[start:end], "label": label, "kind": kind,
         "annotator": who, "note": note}
        for start, end, label, span_id, kind, who, note in doc.spans
    ]
    return dumps({"id": doc.id, "title": doc.title, "text": text, "meta": doc.meta, "spans": spans})


def writer(handle: BinaryIO):
    """A writer of native lines."""
    return line_writer(handle, native_line)
