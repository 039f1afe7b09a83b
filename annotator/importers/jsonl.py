"""JSONL: our three export shapes, and the span shapes of doccano, spaCy and Prodigy.

Each line is one document. What is read:

- ``spans``: a list of ``{"start", "end", "label", ...}`` (our native and
  spaCy exports, Prodigy), or spaCy's span groups (``{"sc": [...]}``);
- ``label`` (or ``labels``): doccano's ``[start, end, label]`` triples, in
  code points as our doccano export writes them;
- ``entities``: doccano's newer and relation exports, in UTF-16 units as
  doccano counts, converted; its ``relations`` (which Annotator cannot hold
  as spans) go to the document's metadata with their ends named by offsets;
- ``ents``: spaCy's ``Doc.to_json()``; its ``cats`` go to the metadata, its
  tokens and sentences (analysis, not annotation) are not kept.

A line with annotations under a key none of these read (``annotations``,
``ner_tags`` ...) is refused, never stored without them. Prodigy lines
answered ``reject`` or ``ignore`` are skipped and counted. A bad line (not
JSON, no text, offsets outside the text, start >= end, a span whose own
``text`` is not what its offsets cover, an unknown shape) is reported with
its line number and stores nothing, while the other lines go in; with
``--strict`` the first bad line rejects the whole file. Ids, titles,
annotators and notes that come with a line are kept (ids only when they
are UUIDs; another document id is kept in ``meta.id``), so importing the same
file twice adds nothing. doccano and spaCy lines carry the title (and spaCy
the id) in ``meta``, where our exports put them; they are taken out of
``meta`` on the way in, so the next export writes them exactly once. Offsets
in a line whose text has ``\\r\\n`` are remapped when the store normalises
the text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from annotator.errors import ImportFailure
from annotator.importers import ImportOptions, PartialImport, register
from annotator.importers.spanshapes import (
    BadSpans,
    described,
    doccano_entities,
    doccano_relations,
    spacy_span_groups,
    span_from_triple,
    spans_from_list,
    uuid_or_none,
)
from annotator.importers.text import read_limited
from annotator.model import ImportedDocument, ImportedSpan

#: A line that cannot be imported; the message says why.
BadLine = BadSpans


class SkippedLine(Exception):
    """A line left out on purpose (a Prodigy answer 'reject' or 'ignore'): counted, not failed."""


#: Prodigy's answers that mean "this example is not an annotation to keep".
SKIPPED_ANSWERS = ("reject", "ignore")
#: Keys under which other tools put annotations this importer does not read.
UNREAD_ANNOTATION_KEYS = ("annotations", "completions", "predictions", "result", "ner_tags", "relations")
#: Keys of a doccano line that are not its own metadata (doccano spreads that on the line).
_DOCCANO_KEYS = frozenset(
    {"id", "title", "text", "meta", "label", "labels", "entities", "relations", "Comments", "cats"}
)


def parse_line(raw: str, *, number: int, stem: str) -> ImportedDocument:
    """One JSONL line as a document, or ``BadLine``, or ``SkippedLine``."""
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        # json's own wording already ends in "at" for some errors ("Unterminated string starting at").
        where = "" if exc.msg.endswith(" at") else " at"
        raise BadLine(f"not valid JSON ({exc.msg}{where} column {exc.colno})") from None
    except RecursionError:
        raise BadLine("structure nested too deeply to read") from None
    if not isinstance(record, dict):
        raise BadLine("unknown shape: a line must be a JSON object")
    _refuse_lone_surrogates(record)
    text = record.get("text")
    if not isinstance(text, str):
        raise BadLine("missing text" if text is None else "'text' must be a string")
    if not text.strip():
        raise BadLine("the text is empty")
    if record.get("answer") in SKIPPED_ANSWERS:
        raise SkippedLine(f"answer '{record['answer']}' (Prodigy)")
    meta = dict(record["meta"]) if isinstance(record.get("meta"), dict) else {}
    spans, read = _spans(record, text, meta)
    _refuse_unread(record, read)
    title, meta = _title(record, meta, f"{stem} line {number}")
    doc_id, meta = _document_id(record, meta)
    return ImportedDocument(
        title=title,
        text=text,
        source_format="jsonl",
        meta=meta,
        spans=tuple(spans),
        id=doc_id,
        origin=f"line {number}",
    )


_LONE_SURROGATE = re.compile("[\\ud800-\\udfff]")


def _refuse_lone_surrogates(record: dict) -> None:
    """Refuse a line with a lone surrogate anywhere (an escaped ``"\\ud800"``): UTF-8 cannot hold it.

    JSON may escape half of a character; no text file, database or export
    can store one. Found here, it fails its line, named by the key it came
    under, instead of the whole file when the store meets it.
    """
    pending: list[tuple[str, object]] = [(key, key) for key in record] + list(record.items())
    while pending:
        key, value = pending.pop()
        if isinstance(value, dict):
            pending += [(key, item) for item in value.keys()] + [(key, item) for item in value.values()]
        elif isinstance(value, list):
            pending += [(key, item) for item in value]
        elif isinstance(value, str) and (found := _LONE_SURROGATE.search(value)):
            where = "text" if key == "text" else f"'{key}'"
            raise BadLine(f"{where} holds a lone surrogate (U+{ord(found.group()):04X})")


def _spans(record: dict, text: str, meta: dict) -> tuple[list[ImportedSpan], set[str]]:
    """Every span of the line in whichever shapes it has, and the keys read; extras go to ``meta``."""
    spans: list[ImportedSpan] = []
    read: set[str] = set()
    if "spans" in record:
        value = record["spans"]
        spans += (
            spacy_span_groups(value, text)
            if isinstance(value, dict)
            else spans_from_list(value, text, key="spans")
        )
        read.add("spans")
    elif "label" in record or "labels" in record:
        labels = record.get("label", record.get("labels"))
        if not isinstance(labels, list):
            raise BadLine("unknown shape: 'label' must be a list of [start, end, label]")
        spans += [span_from_triple(item, len(text)) for item in labels]
        read.add("label" if "label" in record else "labels")
    if "ents" in record:
        spans += spans_from_list(record["ents"], text, key="ents")
        read.add("ents")
    if "entities" in record:
        entities, ends = doccano_entities(record["entities"], text)
        spans += entities
        read.add("entities")
        if isinstance(record.get("relations"), list):
            read.add("relations")
            if record["relations"]:
                meta.setdefault("relations", doccano_relations(record["relations"], ends))
    if record.get("cats"):  # spaCy's categories, doccano's intents: labels of the whole text
        meta.setdefault("cats", record["cats"])
    if read & {"entities", "label", "labels"}:
        _keep_doccano_extras(record, meta)
    return spans, read


def _keep_doccano_extras(record: dict, meta: dict) -> None:
    """doccano writes an example's metadata and comments on the line itself: keep them in ``meta``."""
    for key, value in record.items():
        if key == "Comments":
            if value:
                meta.setdefault("Comments", value)
        elif key not in _DOCCANO_KEYS:
            meta.setdefault(key, value)


def _refuse_unread(record: dict, read: set[str]) -> None:
    """Refuse a line holding annotations under a key that was not read: its spans would be lost."""
    for key in UNREAD_ANNOTATION_KEYS:
        value = record.get(key)
        if key not in read and value not in (None, "", [], {}):
            raise BadLine(
                f"unknown shape: '{key}' ({described(value)}) holds annotations in a shape Annotator "
                "does not read; it reads 'spans', 'label', 'entities' and 'ents'"
            )


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
        doc_id = uuid_or_none(record["id"])
        return doc_id, meta if doc_id is not None else {**meta, "id": record["id"]}
    doc_id = uuid_or_none(meta.get("id"))
    return doc_id, meta if doc_id is None else {k: v for k, v in meta.items() if k != "id"}


@register(".jsonl", ".ndjson")
def import_jsonl(path: Path, options: ImportOptions) -> PartialImport:
    """Every good line of a JSONL file; bad lines are listed in ``failures``, skipped ones in ``skipped``."""
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
        except SkippedLine as exc:
            result.skipped.append((f"line {number}", str(exc)))
        except BadLine as exc:
            if options.strict:
                raise ImportFailure(f"line {number}: {exc}; nothing stored (--strict)") from None
            result.failures.append((f"line {number}", str(exc)))
    if not result and not result.failures and not result.skipped:
        raise ImportFailure("empty file")
    return result
