"""Ordered, named schema steps for project files.

Each step runs in its own transaction through sqlite-utils ``Migrations``,
and ``PRAGMA user_version`` records how many steps a file has seen. A file
whose version is higher than the number of steps this build knows came
from a newer Annotator and is refused before anything is written.

Never edit a released step: add a new one at the end and keep a project
file of the old version in ``tests/data/``.
"""

from __future__ import annotations

from annotator._sqlite import Database, Migrations

#: Marks a SQLite file as an Annotator project ("ANNT").
APPLICATION_ID = 0x414E4E54

migrations = Migrations("annotator")


@migrations(name="m001_initial")
def m001_initial(db: Database) -> None:
    """Documents, tags, annotations, project metadata and the search index."""
    db.executescript(
        """
        CREATE TABLE project (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            source_path TEXT,
            source_format TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            imported_at TEXT NOT NULL
        );
        CREATE INDEX documents_position ON documents(position);
        CREATE TABLE tags (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('theme', 'speaker')),
            name TEXT NOT NULL,
            color TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            parent_id TEXT REFERENCES tags(id),
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX tags_kind_name ON tags(kind, name COLLATE NOCASE);
        CREATE TABLE annotations (
            id TEXT PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            tag_id TEXT NOT NULL REFERENCES tags(id),
            annotator TEXT NOT NULL,
            note TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            CHECK (start >= 0 AND "end" > start)
        );
        CREATE INDEX annotations_document_start ON annotations(document_id, start);
        CREATE INDEX annotations_tag ON annotations(tag_id);
        CREATE VIRTUAL TABLE documents_fts USING fts5(
            title, text, content='documents', content_rowid='rowid'
        );
        CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
            INSERT INTO documents_fts(rowid, title, text)
            VALUES (new.rowid, new.title, new.text);
        END;
        CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
            INSERT INTO documents_fts(documents_fts, rowid, title, text)
            VALUES ('delete', old.rowid, old.title, old.text);
        END;
        CREATE TRIGGER documents_fts_update AFTER UPDATE OF title ON documents BEGIN
            INSERT INTO documents_fts(documents_fts, rowid, title, text)
            VALUES ('delete', old.rowid, old.title, old.text);
            INSERT INTO documents_fts(rowid, title, text)
            VALUES (new.rowid, new.title, new.text);
        END;
        """
    )


@migrations(name="m002_document_status_memo")
def m002_document_status_memo(db: Database) -> None:
    """A work status and a free-text memo per document."""
    db.executescript(
        """
        ALTER TABLE documents ADD COLUMN status TEXT NOT NULL DEFAULT 'todo';
        ALTER TABLE documents ADD COLUMN memo TEXT NOT NULL DEFAULT '';
        """
    )


@migrations(name="m003_adjudications")
def m003_adjudications(db: Database) -> None:
    """Decisions taken while reviewing colleagues' files: accepted annotations, dismissed disagreements."""
    db.executescript(
        """
        CREATE TABLE adjudications (
            id TEXT PRIMARY KEY,
            annotation_id TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('accepted', 'dismissed')),
            disagreement TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL
        );
        CREATE INDEX adjudications_annotation ON adjudications(annotation_id);
        """
    )


@migrations(name="m004_memos_apart_and_summary_index")
def m004_memos_apart_and_summary_index(db: Database) -> None:
    """Memos in a table of their own; a covering index for document summaries.

    SQLite rewrites a whole row on any update and must walk a long text's
    overflow pages to reach the columns stored after it: saving a memo at
    every keystroke rewrote the document's text (33 ms for 2 MB), and
    reading a summary's status or hash read the whole text (7 ms for 5 MB).
    """
    db.executescript(
        """
        CREATE TABLE document_memos (
            document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            memo TEXT NOT NULL
        );
        INSERT INTO document_memos (document_id, memo)
            SELECT id, memo FROM documents WHERE memo != '';
        ALTER TABLE documents DROP COLUMN memo;
        CREATE INDEX documents_summary ON documents(id, title, sha256, status, imported_at, position);
        """
    )


@migrations(name="m005_covering_span_index")
def m005_covering_span_index(db: Database) -> None:
    """The index of spans by document and start also holds every column a view or an export reads.

    A document's spans were found through the (document, start) index and
    then fetched from the table one by one, in random order: for 50,000
    spans, 60 ms of B-tree lookups and, with timestamps and document ids
    nobody showed, two thirds of the time it takes to open the document.
    With end, tag, id, annotator and note in the index, the window and the
    exports read one sorted stretch of index pages and never the table.
    The duplicate check of bulk inserts (document, start, end, tag,
    annotator) is answered by the same index.
    """
    db.executescript(
        """
        DROP INDEX annotations_document_start;
        CREATE INDEX annotations_document_span
            ON annotations(document_id, start, "end", tag_id, id, annotator, note);
        """
    )


@migrations(name="m006_document_length")
def m006_document_length(db: Database) -> None:
    """Each document's length in code points, stored once and held by the summary index.

    Listing the documents counted the characters of every text (``length(text)``
    reads the whole text): a third of a second to list a 100 MB corpus at start-up.
    Texts never change, so the count is taken once, here and at import.
    """
    db.executescript(
        """
        ALTER TABLE documents ADD COLUMN length INTEGER NOT NULL DEFAULT 0;
        UPDATE documents SET length = length(text);
        DROP INDEX documents_summary;
        CREATE INDEX documents_summary ON documents(id, title, sha256, status, imported_at, position, length);
        """
    )


#: The schema version this build writes: one per step above.
SCHEMA_VERSION = len(migrations._migrations)


def pending_names(db: Database) -> list[str]:
    """Names of the steps a file still needs (read-only)."""
    return [step.name for step in migrations.pending(db)]


def apply_all(db: Database) -> None:
    """Bring ``db`` to ``SCHEMA_VERSION`` and stamp the file as ours."""
    migrations.apply(db)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
