"""Documents: storing imported texts once, listing them lightly, reading them whole."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from annotator.errors import InvalidInputError, NotFoundError, ProjectError
from annotator.model import (
    AddResult,
    Document,
    DocumentId,
    DocumentStatus,
    DocumentSummary,
    ImportedDocument,
    ImportedSpan,
    new_id,
    utc_now,
)
from annotator.store.annotations import ANNOTATION_COLUMNS
from annotator.store.base import StoreBase
from annotator.textnorm import normalise_newlines, offset_mapper, text_sha256

_DOCUMENT_COLUMNS = (
    "d.id, d.title, d.text, d.sha256, d.source_path, d.source_format, d.meta, d.imported_at, d.status, "
    "COALESCE((SELECT m.memo FROM document_memos m WHERE m.document_id = d.id), '')"
)


#: A summary row; the length is the stored one (counting a text's characters means reading
#: all of it: 10-20 ms for a 5 MB document).
_SUMMARY_SELECT = (
    "SELECT d.id, d.title, d.sha256, d.length, "
    "(SELECT COUNT(*) FROM annotations a WHERE a.document_id = d.id), "
    "d.status, d.imported_at, d.position FROM documents d"
)
#: Summaries come from the covering index documents_summary, so no text is ever walked through
#: (sha256, status and length are stored after it). Named, since without statistics SQLite would
#: take the id or position index and read each row.
_ALL_SUMMARIES = _SUMMARY_SELECT + " INDEXED BY documents_summary ORDER BY d.position"
_ONE_SUMMARY = _SUMMARY_SELECT + " INDEXED BY documents_summary WHERE d.id = ?"
_STATUS_BY_VALUE = {status.value: status for status in DocumentStatus}

#: FTS5 holds the terms of the rows it is indexing in memory up to this many bytes, then writes
#: them out as one more small segment that must be merged with the others later. Its default,
#: 1 MiB, cuts a batch of 30 MB of text into dozens of segments; with 16 MiB FTS5 indexes the
#: batch about a fifth faster (less merging) and leaves fewer segments for searches to read.
#: The setting (a row of ``documents_fts_config``) is changed for the batch's one indexing
#: statement and set back in the same transaction; single documents never come near either size.
BULK_FTS_PENDING_BYTES = 16 * 1024 * 1024
FTS5_DEFAULT_PENDING_BYTES = 1024 * 1024
_SET_FTS_PENDING_BYTES = "INSERT INTO documents_fts(documents_fts, rank) VALUES ('hashsize', ?)"


def _set_fts_pending_bytes(conn: sqlite3.Connection, size: int) -> bool:
    """Set FTS5's buffer of pending terms; False where this SQLite's FTS5 lacks the setting
    (it is in FTS5's source, not its documentation), and indexing just runs at the default."""
    try:
        conn.execute(_SET_FTS_PENDING_BYTES, [size])
    except sqlite3.OperationalError:
        return False
    return True


#: An imported span stored as given (id, document, start, end, tag, annotator, note, created, updated).
_INSERT_IMPORTED_SPAN = f"INSERT INTO annotations ({ANNOTATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
#: The same span by the same person with the same note, answered by the covering span index
#: (without statistics the planner picks the tag index and scans every span of that tag).
_SAME_SPAN = (
    "SELECT 1 FROM annotations INDEXED BY annotations_document_span "
    'WHERE document_id = ? AND start = ? AND "end" = ? AND tag_id = ? AND annotator = ? AND note IS ?'
)


class SpanCounts(NamedTuple):
    """What became of one imported document's spans: stored, collapsed into an identical one, known."""

    added: int = 0
    collapsed: int = 0
    present: int = 0


def _row_to_summary(r: tuple) -> DocumentSummary:
    return DocumentSummary(
        id=DocumentId(r[0]),
        title=r[1],
        sha256=r[2],
        length=r[3],
        annotation_count=r[4],
        status=_STATUS_BY_VALUE[r[5]],
        imported_at=r[6],
        position=r[7],
    )


def _row_to_document(row: tuple) -> Document:
    return Document(
        id=DocumentId(row[0]),
        title=row[1],
        text=row[2],
        sha256=row[3],
        source_path=row[4],
        source_format=row[5],
        meta=json.loads(row[6]),
        imported_at=row[7],
        status=DocumentStatus(row[8]),
        memo=row[9],
    )


def normalised(doc: ImportedDocument) -> ImportedDocument:
    """Return ``doc`` with ``\\n`` line endings and its spans remapped to match."""
    text = normalise_newlines(doc.text)
    if text == doc.text:
        return doc
    remap = offset_mapper(doc.text)
    spans = tuple(
        ImportedSpan(
            start=remap(s.start),
            end=remap(s.end),
            label=s.label,
            kind=s.kind,
            id=s.id,
            annotator=s.annotator,
            note=s.note,
            created=s.created,
            updated=s.updated,
        )
        for s in doc.spans
    )
    return ImportedDocument(
        title=doc.title,
        text=text,
        source_path=doc.source_path,
        source_format=doc.source_format,
        meta=doc.meta,
        spans=spans,
        id=doc.id,
    )


def validate_text(text: str) -> None:
    """Refuse texts SQLite cannot hold faithfully or that hold nothing."""
    if not text.strip():
        raise InvalidInputError("the document is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError("the text contains invalid (lone surrogate) characters") from None


def validate_spans(text: str, spans: Iterable[ImportedSpan]) -> None:
    """Refuse spans outside the text or empty, naming the first bad one."""
    length = len(text)
    for span in spans:
        if not (0 <= span.start < span.end <= length):
            raise InvalidInputError(
                f"span [{span.start}, {span.end}) '{span.label}' is outside the text "
                f"(length {length}) or empty"
            )
        if not span.label.strip():
            raise InvalidInputError(f"span [{span.start}, {span.end}) has an empty label")


class DocumentsMixin(StoreBase):
    # -- adding -----------------------------------------------------------

    def add_document(self, imported: ImportedDocument, *, annotator: str) -> AddResult:
        """Store a document (once per text) and the spans that came with it.

        A text already in the project (same SHA-256) is not stored again;
        its new spans are still added, so re-importing is safe. Everything is
        checked before the first write, so inside a transaction a document
        without spans (one INSERT, atomic by itself) needs no savepoint; with
        spans there are several writes, and a savepoint takes them all back
        if one fails. Savepoints were a tenth of a batch import of plain texts.
        """
        self._require_writable()
        doc = normalised(imported)
        validate_text(doc.text)
        validate_spans(doc.text, doc.spans)
        sha = text_sha256(doc.text)
        if doc.spans or not self.db.conn.in_transaction:
            with self.db.atomic():
                return self._store_document(doc, sha, annotator=annotator)
        return self._store_document(doc, sha, annotator=annotator)

    def _store_document(self, doc: ImportedDocument, sha: str, *, annotator: str) -> AddResult:
        """The writes of ``add_document``, in the caller's transaction or savepoint."""
        doc_id = self._insert_document(doc, sha)
        created = doc_id is not None
        if doc_id is None:
            existing = self.db.conn.execute("SELECT id FROM documents WHERE sha256 = ?", [sha]).fetchone()
            doc_id = DocumentId(existing[0])
        counts = (
            self._add_imported_spans(doc_id, doc.spans, annotator=annotator) if doc.spans else SpanCounts()
        )
        return AddResult(
            document_id=doc_id,
            created=created,
            annotations_added=counts.added,
            spans_collapsed=counts.collapsed,
            spans_present=counts.present,
        )

    @contextmanager
    def bulk_document_insert(self) -> Iterator[None]:
        """One transaction for many documents, indexed for search in one pass at the end.

        FTS5 indexes a batch of documents about four times faster than one
        trigger call per row. Inside the transaction the insert trigger is
        dropped, the new rows are indexed with one INSERT ... SELECT, and the
        trigger is recreated from its own stored SQL; other connections never
        see the trigger missing, and a rollback undoes all of it.
        """
        self._require_writable()
        with self.db.atomic():
            conn = self.db.conn
            trigger_sql = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'documents_fts_insert'"
            ).fetchone()[0]
            last_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM documents").fetchone()[0]
            conn.execute("DROP TRIGGER documents_fts_insert")
            yield
            if not conn.in_transaction:  # SQLite rolled it all back (a full disk, say)
                raise ProjectError(
                    f"{self.path}: the import was interrupted by a storage error and "
                    "nothing of its last batch was saved; import again once it is fixed"
                )
            self._index_documents_after(last_rowid)
            conn.execute(trigger_sql)

    def _index_documents_after(self, last_rowid: int) -> None:
        """Add the documents stored after ``last_rowid`` to the search index, in one statement."""
        conn = self.db.conn
        tuned = _set_fts_pending_bytes(conn, BULK_FTS_PENDING_BYTES)
        conn.execute(
            "INSERT INTO documents_fts(rowid, title, text) "
            "SELECT rowid, title, text FROM documents WHERE rowid > ?",
            [last_rowid],
        )
        if tuned:
            _set_fts_pending_bytes(conn, FTS5_DEFAULT_PENDING_BYTES)

    def _insert_document(self, doc: ImportedDocument, sha: str) -> DocumentId | None:
        """Store a text not in the project yet; None if it is (same SHA-256), nothing written.

        One statement, no look-up first: SQLite gives the position (last + 1,
        from the position index) and skips a text already stored, checking
        the hash before the id, so a known text with a known id is found, not
        refused. An id used by another text is refused.
        """
        doc_id = DocumentId(doc.id or new_id())
        try:
            cursor = self.db.conn.execute(
                "INSERT INTO documents (id, position, title, text, sha256, source_path, "
                "source_format, meta, imported_at, length) VALUES "
                "(?, (SELECT COALESCE(MAX(position), 0) + 1 FROM documents), ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (sha256) DO NOTHING",
                [
                    doc_id,
                    doc.title,
                    doc.text,
                    sha,
                    doc.source_path,
                    doc.source_format,
                    json.dumps(doc.meta, ensure_ascii=False, default=str),
                    utc_now(),
                    len(doc.text),
                ],
            )
        except sqlite3.IntegrityError:
            raise InvalidInputError(f"document id {doc_id} is already used") from None
        return doc_id if cursor.rowcount == 1 else None

    def _add_imported_spans(
        self, doc_id: DocumentId, spans: Iterable[ImportedSpan], *, annotator: str
    ) -> SpanCounts:
        """Store spans, creating tags by kind and name; count the ones left out, and why.

        A span with an id is that annotation: it is left out when the id is
        stored already (a file imported twice), and kept otherwise, even beside
        an identical span with another id, so a native export imported into a
        new project keeps every annotation. A span without an id is left out
        when one with the same range, tag, annotator and note is stored, or
        came earlier in this document (collapsed). The note is part of the
        comparison: two readings of one passage by one coder are two spans.
        """
        execute = self.db.conn.execute
        now = utc_now()
        seen_ids: set[str] = set()
        seen: set[tuple] = set()
        added = collapsed = present = 0
        for span in spans:
            tag = self.ensure_tag(kind=span.kind, name=span.label)  # type: ignore[attr-defined]
            key = (span.start, span.end, tag.id, span.annotator or annotator, span.note)
            if span.id is not None:
                if span.id in seen_ids:
                    collapsed += 1
                    continue
                seen_ids.add(span.id)
                known = execute("SELECT 1 FROM annotations WHERE id = ?", [span.id]).fetchone()
            elif key in seen:
                collapsed += 1
                continue
            else:
                known = execute(_SAME_SPAN, [doc_id, *key]).fetchone()
            seen.add(key)
            if known is not None:
                present += 1
                continue
            execute(
                _INSERT_IMPORTED_SPAN,
                [span.id or new_id(), doc_id, *key, span.created or now, span.updated or span.created or now],
            )
            added += 1
        return SpanCounts(added, collapsed, present)

    # -- reading ----------------------------------------------------------

    def document_count(self) -> int:
        """How many documents the project holds."""
        return self.db.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def documents(self) -> list[DocumentSummary]:
        """Every document in import order, without texts, with annotation counts."""
        summaries = [_row_to_summary(r) for r in self.db.conn.execute(_ALL_SUMMARIES)]
        self._text_lengths.update((s.id, s.length) for s in summaries)
        return summaries

    def document_summary(self, document_id: str) -> DocumentSummary:
        """One document's summary (after its count or status changed), its text left unread."""
        row = self.db.conn.execute(_ONE_SUMMARY, [document_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no document with id {document_id}")
        return _row_to_summary(row)

    def document_status(self, document_id: str) -> DocumentStatus:
        """Where a researcher is with a document, read from the summary index (the text unread)."""
        row = self.db.conn.execute(
            "SELECT status FROM documents INDEXED BY documents_summary WHERE id = ?", [document_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no document with id {document_id}")
        return _STATUS_BY_VALUE[row[0]]

    def document(self, document_id: str) -> Document:
        """One document with its text."""
        row = self.db.conn.execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE d.id = ?", [document_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no document with id {document_id}")
        return _row_to_document(row)

    def iter_documents(self) -> Iterator[Document]:
        """Every document with its text, in import order, one at a time."""
        cursor = self.db.conn.cursor()
        for row in cursor.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents d ORDER BY d.position"):
            yield _row_to_document(row)

    def document_by_sha256(self, sha256: str) -> Document | None:
        """The document whose text has this SHA-256, if any."""
        row = self.db.conn.execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE d.sha256 = ?", [sha256]
        ).fetchone()
        return None if row is None else _row_to_document(row)

    def find_document(self, ref: str) -> Document:
        """A document by id or title, or a unique prefix of either (for the command line)."""
        row = self.db.conn.execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE d.id = ? OR d.title = ? "
            "ORDER BY d.position LIMIT 1",
            [ref, ref],
        ).fetchone()
        if row is None and len(ref) >= 3:
            pattern = ref.replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
            matches = self.db.conn.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents d "
                "WHERE d.id LIKE ? ESCAPE '\\' OR d.title LIKE ? ESCAPE '\\' LIMIT 2",
                [pattern, pattern],
            ).fetchall()
            row = matches[0] if len(matches) == 1 else None
        if row is None:
            raise NotFoundError(f"no document with id or title '{ref}'")
        return _row_to_document(row)

    def document_length(self, document_id: str) -> int:
        """Length of a document's text in code points; counted once, since texts never change."""
        known = self._text_lengths.get(document_id)
        if known is not None:
            return known
        row = self.db.conn.execute(
            "SELECT length FROM documents INDEXED BY documents_summary WHERE id = ?", [document_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no document with id {document_id}")
        self._text_lengths[document_id] = row[0]
        return row[0]

    def text_range(self, document_id: str, start: int, end: int) -> str:
        """``text[start:end]`` of a document, without reading the rest of a long text into Python.

        SQLite's ``substr`` counts characters (code points) in text, as Python does.
        """
        row = self.db.conn.execute(
            "SELECT substr(text, ?, ?) FROM documents WHERE id = ?",
            [start + 1, max(0, end - start), document_id],
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no document with id {document_id}")
        return row[0]

    # -- changing the few mutable fields ------------------------------------

    def set_document_status(self, document_id: str, status: DocumentStatus) -> None:
        """Mark a document as to do, in progress or done."""
        self._require_writable()
        self._update_document(document_id, "status", DocumentStatus(status).value)

    def set_document_memo(self, document_id: str, memo: str) -> None:
        """Replace a document's memo (a row of its own: saving it never rewrites the text)."""
        self._require_writable()
        self.document_length(document_id)  # refuses an unknown document
        self.db.execute(
            "INSERT INTO document_memos (document_id, memo) VALUES (?, ?) "
            "ON CONFLICT(document_id) DO UPDATE SET memo = excluded.memo",
            [document_id, memo],
        )

    def rename_document(self, document_id: str, title: str) -> None:
        """Change a document's title (its text never changes)."""
        self._require_writable()
        if not title.strip():
            raise InvalidInputError("a document title cannot be empty")
        self._update_document(document_id, "title", title)

    def _update_document(self, document_id: str, column: str, value: str) -> None:
        cursor = self.db.execute(f"UPDATE documents SET {column} = ? WHERE id = ?", [value, document_id])
        if cursor.rowcount == 0:
            raise NotFoundError(f"no document with id {document_id}")

    def delete_document(self, document_id: str) -> None:
        """Remove a document and its annotations."""
        self._require_writable()
        with self.db.atomic():
            self.db.conn.execute("DELETE FROM annotations WHERE document_id = ?", [document_id])
            cursor = self.db.conn.execute("DELETE FROM documents WHERE id = ?", [document_id])
            if cursor.rowcount == 0:
                raise NotFoundError(f"no document with id {document_id}")
