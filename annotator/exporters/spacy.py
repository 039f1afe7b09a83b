"""spaCy / Prodigy span JSONL: ``{"text", "spans": [{"start", "end", "label"}], "meta"}``.

Prodigy reads this shape as it is; spaCy builds a ``Doc`` from ``text`` and
turns each span into a ``Span`` with ``Doc.char_span``. The document's id
and title ride in ``meta``.
"""

from __future__ import annotations

from annotator.exporters.base import LineFormat, check_spans, dumps
from annotator.store.export import ExportDocument


def spacy_line(doc: ExportDocument) -> bytes:
    """One document as a spaCy / Prodigy JSON line (without its line break)."""
    check_spans(doc)
    spans = [{"start": start, "end": end, "label": label} for start, end, label, *_ in doc.spans]
    return dumps({"text": doc.text, "spans": spans, "meta": {**doc.meta, "id": doc.id, "title": doc.title}})


class SpacyFormat(LineFormat):
    """spaCy / Prodigy JSONL, one document per line."""

    name = "spacy"
    suffixes = (".jsonl",)
    description = "JSONL for spaCy and Prodigy"
    encode_line = staticmethod(spacy_line)
