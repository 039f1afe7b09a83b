"""doccano's sequence-labelling JSONL: ``{"id", "text", "label": [[start, end, label]], "meta"}``.

doccano has no place for a title, so it goes into ``meta``, where its
importer keeps it and ours reads it back.
"""

from __future__ import annotations

from annotator.exporters.base import LineFormat, check_spans, dumps
from annotator.store.export import ExportDocument


def doccano_line(doc: ExportDocument) -> bytes:
    """One document as a doccano JSON line (without its line break)."""
    check_spans(doc)
    labels = [[start, end, label] for start, end, label, *_ in doc.spans]
    return dumps({"id": doc.id, "text": doc.text, "label": labels, "meta": {**doc.meta, "title": doc.title}})


class DoccanoFormat(LineFormat):
    """doccano's JSONL, one document per line."""

    name = "doccano"
    suffixes = (".jsonl",)
    description = "JSONL for doccano"
    encode_line = staticmethod(doccano_line)
