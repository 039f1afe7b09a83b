"""JSONL in the three shapes we export: native, doccano and spaCy/Prodigy.

Each line is one document. A bad line (not JSON, no text, offsets outside
the text, start >= end, a span whose own ``text`` is not what its offsets
cover, an unknown shape) is reported with its line number and stores
nothing, while the other lines go in; with ``--strict`` the first bad line
rejects the whole file. Ids, titles, annotators and notes that come with a
line are kept (ids only when they are UUIDs; another document id is kept in
``meta.id``), so importing the same file twice adds nothing. doccano and
spaCy lines carry the title (and spaCy the id) in ``meta``, where our
exports put them; they are taken out of ``meta`` on the way in, so the next
export writes them exactly once. Offsets in a line whose text has
``\\r\\n`` are remapped when the store normalises the text.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, PartialImport, register
from annotator.importers.text import read_limited
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.textnorm import normalise_newlines


class BadLine(Exception):
    """One line cannot be imported; the message says why."""


def _offset(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadLine(f"'{name}' must be a whole number, not {value!r}")
    return value


def _kind(value: object) -> TagKind:
    if value in (None, ""):
        return TagKind.THEME
    try:
        return TagKind(str(value).lower())
    except ValueError:
        raise BadLine(f"kind must be 'theme' or 'speaker', not {value!r}") from None


def _label(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadLine(f"label must be non-empty text, not {value!r}")
    return value.strip()


def _optional_text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f"'{name}' must be text")
    return value


def _span_from_dict(item: object, text: str) -> ImportedSpan:
    if not isinstance(item, dict):
        raise BadLine(f"a span must be an object, not {item!r}")
    start, end = _offset(item.get("start"), "start"), _offset(item.get("end"), "end")
    span = _checked(ImportedSpan(
        start=start, end=end, label=_label(item.get("label")), kind=_kind(item.get("kind")),
        id=_uuid_or_none(_optional_text(item.get("id"), "id")), annotator=_optional_text(item.get("annotator"), "annotator"),
        note=_optional_text(item.get("note"), "note"),
    ), len(text))
    claimed = item.get("text")
    if claimed is not None and not isinstance(claimed, str):
        raise BadLine(f"a span's 'text' must be a string, not {type(claimed).__name__}")
    _check_covered_text(span, text, claimed)
    return span


def _check_covered_text(span: ImportedSpan, text: str, claimed: str | None) -> None:
    """Refuse a span whose own ``text`` is not what its offsets cover in the line's text.

    Our exports write the covered text beside the offsets; a tool that
    counted in UTF-16 units (JavaScript, Qt) or UTF-8 bytes puts every span
    after an emoji or accented letter a little off, and storing it would
    tag the wrong words without a word of warning.
    """
    if claimed is None:
        return
    covered = text[span.start:span.end]
    if claimed == covered or normalise_newlines(claimed) == normalise_newlines(covered):
        return
    raise BadLine(
        f"span [{span.start}, {span.end}) covers {_short(covered)} but its 'text' is {_short(claimed)}: "
        "the offsets do not match the text (counted in UTF-16 units or bytes rather than characters?)"
    )


def _short(value: str, limit: int = 40) -> str:
    """``value`` quoted on one line, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _span_from_list(item: object, text_length: int) -> ImportedSpan:
    if not isinstance(item, list) or len(item) != 3:
        raise BadLine(f"a doccano label must be [start, end, label], not {item!r}")
    return _checked(ImportedSpan(start=_offset(item[0], "start"), end=_offset(item[1], "end"),
                                 label=_label(item[2])), text_length)


def _checked(span: ImportedSpan, text_length: int) -> ImportedSpan:
    if span.start >= span.end:
        raise BadLine(f"span [{span.start}, {span.end}) has start >= end")
    if span.start < 0 or span.end > text_length:
        raise BadLine(f"span [{span.start}, {span.end}) is outside the text (length {text_length})")
    return span


def parse_line(raw: str, *, number: int, stem: str) -> ImportedDocument:
    """One JSONL line as a document, or ``BadLine``."""
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        # json's own wording already ends in "at" for some errors ("Unterminated string starting at").
        where = "" if exc.msg.endswith(" at") else " at"
        raise BadLine(f"not valid JSON ({exc.msg}{where} column {exc.colno})") from None
    if not isinstance(record, dict):
        raise BadLine("unknown shape: a line must be a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise BadLine("missing text" if text is None else "'text' must be a string")
    if not text.strip():
        raise BadLine("the text is empty")
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    if "spans" in record:
        if not isinstance(record["spans"], list):
            raise BadLine("unknown shape: 'spans' must be a list")
        spans = tuple(_span_from_dict(item, text) for item in record["spans"])
    elif "label" in record or "labels" in record:
        labels = record.get("label", record.get("labels"))
        if not isinstance(labels, list):
            raise BadLine("unknown shape: 'label' must be a list of [start, end, label]")
        spans = tuple(_span_from_list(item, len(text)) for item in labels)
    else:
        spans = ()
    title, meta = _title(record, meta, f"{stem} line {number}")
    doc_id, meta = _document_id(record, meta)
    return ImportedDocument(title=title, text=text, source_format="jsonl", meta=meta, spans=spans,
                            id=doc_id, origin=f"line {number}")


def _uuid_or_none(value: object) -> str | None:
    """``value`` if it is a UUID in its usual spelling: only those become our ids."""
    if not isinstance(value, str):
        return None
    try:
        return value if str(uuid.UUID(value)) == value.lower() else None
    except ValueError:
        return None


def _title(record: dict, meta: dict, fallback: str) -> tuple[str, dict]:
    """The native ``title``, else ``meta.title`` (taken out of meta, where exports put it back)."""
    if isinstance(record.get("title"), str) and record["title"].strip():
        return record["title"], meta
    if isinstance(meta.get("title"), str) and meta["title"].strip():
        return meta["title"], {k: v for k, v in meta.items() if k != "title"}
    return fallback, meta


def _document_id(record: dict, meta: dict) -> tuple[str | None, dict]:
    """The line's document id: top-level ``id``, else spaCy's ``meta.id``; other ids stay in meta."""
    if "id" in record:
        doc_id = _uuid_or_none(record["id"])
        return doc_id, meta if doc_id is not None else {**meta, "id": record["id"]}
    doc_id = _uuid_or_none(meta.get("id"))
    return doc_id, meta if doc_id is None else {k: v for k, v in meta.items() if k != "id"}


@register(".jsonl", ".ndjson")
def import_jsonl(path: Path, options: ImportOptions) -> PartialImport:
    """Every good line of a JSONL file; bad lines are listed in ``failures``."""
    data = read_limited(path, options)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailure(f"not UTF-8 text (byte {exc.start})") from None
    result = PartialImport()
    for number, raw in enumerate(content.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            result.append(parse_line(raw, number=number, stem=path.stem))
        except BadLine as exc:
            if options.strict:
                raise ImportFailure(f"line {number}: {exc}; nothing stored (--strict)") from None
            result.failures.append((f"line {number}", str(exc)))
    if not result and not result.failures:
        raise ImportFailure("empty file")
    return result
