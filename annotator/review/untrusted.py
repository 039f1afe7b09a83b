"""A colleague's file is untrusted input: only our own schema is read, and only sound rows.

A merge once copied a colleague's span that ended beyond its text; afterwards
every export of our own project failed. Malformed metadata or a dangling tag
id gave tracebacks, and a file whose ``annotations`` was a view that never
ends made ``agree`` grow without bound and ``merge`` hang while it held our
write lock. So the private copy is checked before anything else reads it:

1. Its schema must be ours: every table, index and trigger our schema steps
   create (as a fresh in-memory database has them), nothing else, no views.
   Tables are compared by their columns, indexes by their key columns (not by
   the quoting of their SQL, which differs between library versions), and
   triggers by their statements, since a trigger of the right name could do
   anything when the copy is written. A file that differs is refused in one
   line, before any of its rows is read. ``check_colleague_schema`` does this
   before the copy is opened as a project, against our steps up to the
   copy's own version (opening reads the list of applied steps, which could
   be such a view too); ``check_colleague_copy`` again after it is opened and
   upgraded, against the current schema.
2. Rows are judged (``check_colleague_copy``): documents and tags here in
   Python (a few thousand at most, and their texts, metadata and hashes need
   Python), annotations by SQLite in one pass. What fails is removed from the
   private copy (the colleague's file is never touched) and remembered, a
   count and the first reason per kind, so a merge reports it and agreement
   only counts sound spans. A theme whose parent is missing, a speaker, or
   its own descendant is kept, at the top level.

Derived values are not trusted either: a document's SHA-256 (how documents
match across files) must be that of its text, or its spans could land in a
different text of ours; a wrong stored length is put right in the copy.
Text columns of annotations are checked for their type, not for valid
UTF-8: that needs Python for each of a million rows (about 2 s).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import weakref
from dataclasses import dataclass
from pathlib import Path

from annotator import migrations
from annotator.errors import ProjectError
from annotator.model import DocumentStatus
from annotator.store import Store
from annotator.store.untrusted import (
    Refusals,
    Schema,
    our_schema,
    raw_documents,
    raw_tags,
    remove_refused,
    schema_of,
    schema_of_copy,
)
from annotator.textnorm import normalise_newlines

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_STATUSES = {status.value for status in DocumentStatus}
#: Unexpected entries are named in this order: views and triggers run code, tables and indexes hold data.
_TYPE_ORDER = ("view", "trigger", "table", "index")


@dataclass(frozen=True)
class Finding:
    """Rows of one kind that failed: how many, and why the first one did."""

    what: str
    count: int
    first: str
    outcome: str = "not copied"

    def line(self) -> str:
        """One line for the merge report."""
        return f"{self.count} {self.what}(s) {self.outcome}; the first: {self.first}"


#: What ``check_colleague_copy`` took out of each private copy it checked.
_FINDINGS: weakref.WeakKeyDictionary[Store, list[Finding]] = weakref.WeakKeyDictionary()


def check_colleague_schema(copy: Path) -> None:
    """Refuse a private copy whose schema is not ours at its own version, before it is opened as a project.

    Opening a project reads its list of applied schema steps and may upgrade
    it; a view under that name which never ends would hang the opening
    itself. So the copy's schema is compared, before any of its tables is
    read, with what our steps up to its version create.
    """
    try:
        with schema_of_copy(copy) as schema:
            version = schema.version()
            if not 0 <= version <= migrations.SCHEMA_VERSION:
                raise ProjectError(f"{copy}: not an Annotator project: schema version {version}")
            _refuse_foreign_schema(schema, our_schema(version), copy)
    except sqlite3.DatabaseError as exc:
        _raise_damaged(exc, copy)


def check_colleague_copy(store: Store) -> None:
    """Refuse a private copy whose schema is not ours (one line); take its unsound rows out of it."""
    try:
        _refuse_foreign_schema(schema_of(store), our_schema(migrations.SCHEMA_VERSION), store.path)
        _FINDINGS[store] = _remove_unsound_rows(store)
    except sqlite3.DatabaseError as exc:
        _raise_damaged(exc, store.path)


def _raise_damaged(exc: sqlite3.DatabaseError, path: Path | None) -> None:
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_INTERRUPT":
        raise exc
    raise ProjectError(f"{path}: damaged project file ({exc})") from None


def note_findings(store: Store, findings: list[Finding]) -> None:
    """Add what converting a colleague's file left out (a ``.qdpx``'s unplaceable selections) to its findings."""
    if store not in _FINDINGS:
        check_colleague_copy(store)
    _FINDINGS[store].extend(findings)


def colleague_findings(store: Store) -> list[Finding]:
    """What was taken out of this private copy (checking it first if that was not done yet)."""
    if store not in _FINDINGS:
        check_colleague_copy(store)
    return _FINDINGS[store]


# -- the schema ---------------------------------------------------------------


def _shown(name: str) -> str:
    name = name if name.isprintable() else repr(name)
    return name if len(name) <= 80 else name[:77] + "..."


def _refuse_foreign_schema(schema: Schema, ours: dict[tuple[str, str], tuple], path: Path | None) -> None:
    """Kind by kind (views and triggers first: they run code), what is unexpected, missing or changed."""
    found = schema.entries()

    def refuse(problem: str) -> ProjectError:
        return ProjectError(f"{path}: not an Annotator project: {problem}")

    strange = sorted(kind for kind, _ in found if kind not in _TYPE_ORDER)
    if strange:
        raise refuse(f"unexpected {_shown(strange[0])}")
    if schema.encoding() != "UTF-8":
        raise refuse(f"text encoded as {schema.encoding()}")
    for kind in _TYPE_ORDER:
        theirs = sorted(name for k, name in found if k == kind)
        expected = {name for k, name in ours if k == kind}
        unexpected = [name for name in theirs if name not in expected]
        if unexpected:
            raise refuse(f"unexpected {kind} {_shown(unexpected[0])}")
        missing = sorted(expected.difference(theirs))
        if missing:
            raise refuse(f"missing {kind} {missing[0]}")
        for name in theirs:
            if schema.shape(kind, name, *found[kind, name]) != ours[kind, name]:
                raise refuse(f"unexpected {kind} {name} (not as our version makes it)")


# -- the rows -----------------------------------------------------------------


def _text(value: tuple[str, bytes | None]) -> str | None:
    """A stored value as text, if it is text and valid UTF-8; else None."""
    kind, raw = value
    if kind != "text" or not isinstance(raw, bytes):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _named(value: tuple[str, bytes | int | float | None]) -> str:
    """A stored value as a reason can quote it, whatever it is."""
    kind, raw = value
    if kind in ("text", "blob") and isinstance(raw, bytes):
        return repr(raw.decode("utf-8", "replace")[:80])
    return "NULL" if kind == "null" else str(raw)


def _metadata_problem(value: tuple[str, bytes | None]) -> str | None:
    text = _text(value)
    try:
        meta = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        return "its metadata is not a JSON object"
    try:
        json.dumps(meta, ensure_ascii=False, default=str).encode("utf-8")
    except (ValueError, RecursionError):  # a lone surrogate from a "\ud800" escape, say
        return "its metadata holds characters that cannot be stored"
    return None


def _document_problem(row: tuple) -> tuple[str | None, str | None, int]:
    """(why the document fails or None, its id, its text's length in code points)."""
    rowid, id_, title, text, sha256, meta, status, source_format, source_path, _ = row
    doc_id = _text(id_)
    if not doc_id:
        return f"a document without an id (row {rowid})", None, 0
    name = f"document {doc_id!r}"
    body = _text(text)
    if body is None:
        return f"{name}: its text is not UTF-8 text", doc_id, 0
    if not body.strip() or normalise_newlines(body) != body:
        return f"{name}: its text is empty or has line breaks other than \\n", doc_id, 0
    # text[1] is the text's UTF-8 bytes, which is what ``text_sha256`` hashes.
    if hashlib.sha256(text[1]).hexdigest() != _text(sha256):
        return f"{name}: its SHA-256 does not match its text", doc_id, 0
    problem = _metadata_problem(meta)
    if problem:
        return f"{name}: {problem}", doc_id, 0
    if _text(status) not in _STATUSES:
        return f"{name}: its status {_named(status)} is unknown", doc_id, 0
    if (
        _text(title) is None
        or _text(source_format) is None
        or (source_path[0] != "null" and _text(source_path) is None)
    ):
        return f"{name}: its title, format or source is not text", doc_id, 0
    return None, doc_id, len(body)


def _tag_problem(row: tuple) -> tuple[str | None, str | None, str | None]:
    """(why the tag fails or None, its id, its kind)."""
    rowid, id_, kind, name, color, description, _, position = row
    tag_id = _text(id_)
    if not tag_id:
        return f"a tag without an id (row {rowid})", None, None
    label = f"tag {tag_id!r}"
    kind_text = _text(kind)
    if kind_text not in ("theme", "speaker"):
        return f"{label}: its kind {_named(kind)} is neither theme nor speaker", tag_id, None
    name_text = _text(name)
    if not name_text or not name_text.strip():
        return f"{label} has no name", tag_id, kind_text
    if not _COLOR.fullmatch(_text(color) or ""):
        return f"{label}: its colour {_named(color)} is not #rrggbb", tag_id, kind_text
    if _text(description) is None or position[0] != "integer":
        return f"{label}: its description is not text or its position not a whole number", tag_id, kind_text
    return None, tag_id, kind_text


class _Tally:
    """Counts failures of one kind and keeps the first reason."""

    def __init__(self, what: str, outcome: str = "not copied"):
        self.what, self.outcome, self.count, self.first = what, outcome, 0, ""

    def add(self, reason: str) -> None:
        self.count += 1
        self.first = self.first or reason

    def finding(self) -> list[Finding]:
        return [Finding(self.what, self.count, self.first, self.outcome)] if self.count else []


def _judge_documents(store: Store, refusals: Refusals) -> _Tally:
    tally = _Tally("document")
    for row in raw_documents(store):
        problem, doc_id, length = _document_problem(row)
        if problem:
            tally.add(problem)
            refusals.document_rows.append(row[0])
            continue
        assert doc_id is not None  # a sound row has its id
        refusals.documents[doc_id] = length
        if row[-1] != ("integer", length):
            refusals.lengths.append((length, row[0]))
    return tally


def _judge_tags(store: Store, refusals: Refusals) -> tuple[_Tally, _Tally]:
    refused, parentless = _Tally("tag"), _Tally("tag", "placed at the top level")
    kinds: dict[str, str] = {}
    parents: dict[str, tuple] = {}
    rows: dict[str, int] = {}
    for row in raw_tags(store):
        problem, tag_id, kind = _tag_problem(row)
        if problem:
            refused.add(problem)
            refusals.tag_rows.append(row[0])
        else:
            assert tag_id is not None and kind is not None  # a sound row has both
            kinds[tag_id], rows[tag_id] = kind, row[0]
            if row[6][0] != "null":
                parents[tag_id] = row[6]
    refusals.tags.update(kinds)
    links = {}
    for tag_id, stored in parents.items():
        parent = _text(stored)
        if parent not in kinds:
            parentless.add(f"tag {tag_id!r}: its parent {_named(stored)} is missing or refused")
        elif kinds[tag_id] != "theme" or kinds[parent] != "theme":
            parentless.add(f"tag {tag_id!r}: only themes nest, under themes")
        else:
            links[tag_id] = parent
            continue
        refusals.parentless_rows.append(rows[tag_id])
    for tag_id in list(links):  # a theme that is its own ancestor: cut its link, the cycle is broken
        seen, parent = {tag_id}, links.get(tag_id)
        while parent is not None and parent not in seen:
            seen.add(parent)
            parent = links.get(parent)
        if parent == tag_id:
            del links[tag_id]
            parentless.add(f"tag {tag_id!r} is its own ancestor")
            refusals.parentless_rows.append(rows[tag_id])
    return refused, parentless


def _remove_unsound_rows(store: Store) -> list[Finding]:
    refusals = Refusals()
    documents = _judge_documents(store, refusals)
    tags, parentless = _judge_tags(store, refusals)
    count, first = remove_refused(store, refusals)
    annotations = _Tally("annotation")
    annotations.count, annotations.first = count, first or ""
    return [*documents.finding(), *tags.finding(), *parentless.finding(), *annotations.finding()]
