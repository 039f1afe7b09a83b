"""The native JSONL: every document with ids, title, meta and full spans.

``{"id", "title", "text", "meta", "spans": [{"id", "start", "end", "text",
"label", "kind", "annotator", "note"}]}``. Spans are written from a template,
encoding only their strings with the json library's own string encoder: the
same bytes ``json.dumps`` gives, about three times faster on a million spans.
"""

from __future__ import annotations

from json.encoder import encode_basestring as quote
from typing import TextIO

from annotator.exporters.base import checked_text, dumps
from annotator.store.export import ExportDocument


def native_line(doc: ExportDocument, tails: dict[tuple[str, str, str], str]) -> str:
    """One document as a native JSON line; ``tails`` caches encoded (label, kind, annotator)."""
    head = dumps({"id": doc.id, "title": doc.title, "text": doc.text, "meta": doc.meta})[:-1]
    text, length = doc.text, len(doc.text)
    for start, end, *_ in doc.spans:
        if not 0 <= start < end <= length:
            checked_text(doc, start, end)
    pieces = [
        f'{{"id": {quote(span_id)}, "start": {start}, "end": {end}, "text": {quote(text[start:end])}, '
        f'{tails.get((label, kind, who)) or tails.setdefault((label, kind, who), _tail(label, kind, who))}'
        f'{"null" if note is None else quote(note)}}}'
        for start, end, label, span_id, kind, who, note in doc.spans
    ]
    return f'{head}, "spans": [{", ".join(pieces)}]}}'


def _tail(label: str, kind: str, annotator: str) -> str:
    return f'"label": {quote(label)}, "kind": {quote(kind)}, "annotator": {quote(annotator)}, "note": '


def writer(handle: TextIO):
    """A writer of native lines with its own cache of encoded labels (few per corpus)."""
    tails: dict[tuple[str, str, str], str] = {}

    def write(doc: ExportDocument) -> None:
        handle.write(native_line(doc, tails))
        handle.write("\n")

    return write
