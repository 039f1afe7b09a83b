"""The native JSONL: every document with ids, title, meta and full spans.

``{"id", "title", "text", "meta", "spans": [{"id", "start", "end", "text",
"label", "kind", "annotator", "note"}]}``, compact, one document per line.
"""

from __future__ import annotations

from annotator.exporters.base import LineFormat, check_spans, dumps
from annotator.store.export import ExportDocument


def native_line(doc: ExportDocument) -> bytes:
    """One document as a native JSON line (without its line break)."""
    check_spans(doc)
    text = doc.text
    spans = [
        {
            "id": span_id,
            "start": start,
            "end": end,
            "text": text[start:end],
            "label": label,
            "kind": kind,
            "annotator": who,
            "note": note,
        }
        for start, end, label, span_id, kind, who, note in doc.spans
    ]
    return dumps({"id": doc.id, "title": doc.title, "text": text, "meta": doc.meta, "spans": spans})


class NativeFormat(LineFormat):
    """The native JSONL, every field: what ``annotator import`` reads back whole."""

    name = "native"
    suffixes = (".jsonl",)
    description = "JSONL, every field (re-importable)"
    encode_line = staticmethod(native_line)
