"""spaCy / Prodigy span JSONL: ``{"text", "spans": [{"start", "end", "label"}], "meta"}``.

Prodigy reads this shape as it is; spaCy builds a ``Doc`` from ``text`` and
turns each span into a ``Span`` with ``Doc.char_span``. The document's id
and title ride in ``meta``.
"""

from __future__ import annotations

from typing import TextIO

from annotator.exporters.base import checked_text, dumps
from annotator.store.export import ExportDocument


def spacy_line(doc: ExportDocument) -> str:
    """One document as a spaCy / Prodigy JSON line."""
    spans = []
    for start, end, label, *_ in doc.spans:
        checked_text(doc, start, end)
        spans.append({"start": start, "end": end, "label": label})
    return dumps({"text": doc.text, "spans": spans, "meta": {**doc.meta, "id": doc.id, "title": doc.title}})


def writer(handle: TextIO):
    """A writer of spaCy lines."""
    def write(doc: ExportDocument) -> None:
        handle.write(spacy_line(doc))
        handle.write("\n")

    return write
