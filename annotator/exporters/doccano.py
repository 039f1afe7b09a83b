"""doccano's sequence-labelling JSONL: ``{"id", "text", "label": [[start, end, label]], "meta"}``.

doccano has no place for a title, so it goes into ``meta``, where its
importer keeps it and ours reads it back.
"""

from __future__ import annotations

from typing import TextIO

from annotator.exporters.base import checked_text, dumps
from annotator.store.export import ExportDocument


def doccano_line(doc: ExportDocument) -> str:
    """One document as a doccano JSON line."""
    labels = []
    for start, end, label, *_ in doc.spans:
        checked_text(doc, start, end)
        labels.append([start, end, label])
    return dumps({"id": doc.id, "text": doc.text, "label": labels, "meta": {**doc.meta, "title": doc.title}})


def writer(handle: TextIO):
    """A writer of doccano lines."""
    def write(doc: ExportDocument) -> None:
        handle.write(doccano_line(doc))
        handle.write("\n")

    return write
