"""SQL that looks at a colleague's private copy before anything else reads it: its schema, its raw rows.

A colleague's file is untrusted input. Everything here reads it the way it is
stored rather than the way our schema says it should be: ``typeof`` with each
value, and text as bytes (``CAST ... AS BLOB``), so that a number where a
name belongs or bytes that are not UTF-8 are seen and named rather than
failing a read halfway through. The decisions are made in
``annotator.review.untrusted``; this module only asks and, on the private
copy, removes what was refused.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from annotator import migrations
from annotator._sqlite import Database
from annotator.store.base import StoreBase
from annotator.store.connection import connect


def _normalised(sql: str | None) -> str:
    return " ".join((sql or "").split())


class Schema:
    """The schema of one database, looked into only as far as asked.

    ``entries`` reads ``sqlite_master`` and nothing else; ``shape`` is asked
    only about entries whose name and type are already known to be ours, so
    SQLite never prepares a view or loads the module of a virtual table that
    is not ours.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def entries(self) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(type, name) -> (table, sql) of every entry of the file's own schema."""
        rows = self.conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_master")
        return {(kind, name): (table, sql) for kind, name, table, sql in rows}

    def encoding(self) -> str:
        """The file's text encoding (ours are always UTF-8; an attached file must match)."""
        return self.conn.execute("PRAGMA main.encoding").fetchone()[0]

    def version(self) -> int:
        """How many of our schema steps the file says it has seen (``user_version``)."""
        return self.conn.execute("PRAGMA main.user_version").fetchone()[0]

    def shape(self, kind: str, name: str, table: str, sql: str | None) -> tuple:
        """What matters of one entry for reading the file safely.

        Tables: kind (ordinary, virtual, shadow), row id, strictness and columns;
        a virtual table is its ``CREATE VIRTUAL TABLE`` statement, looked at before
        SQLite is asked anything about it. Indexes: table, uniqueness, origin,
        partialness and key columns (not the quoting of their SQL, which differs
        between library versions). Triggers and views: their statement, whitespace
        aside, since the body is what they do.
        """
        if kind == "index":
            listing = self.conn.execute(
                "SELECT \"unique\", origin, partial FROM pragma_index_list(?, 'main') WHERE name = ?",
                [table, name],
            ).fetchone()
            columns = self.conn.execute(
                "SELECT seqno, cid, name, \"desc\", coll, key FROM pragma_index_xinfo(?, 'main')", [name]
            ).fetchall()
            return (table, tuple(listing or ()), tuple(columns))
        if kind != "table":
            return (table, _normalised(sql))
        if _normalised(sql).upper().startswith("CREATE VIRTUAL TABLE"):
            return ("virtual", _normalised(sql))
        listing = self.conn.execute(
            "SELECT type, wr, strict FROM pragma_table_list(?) WHERE schema = 'main'", [name]
        ).fetchone()
        columns = self.conn.execute(
            "SELECT name, upper(type), \"notnull\", pk, hidden FROM pragma_table_xinfo(?, 'main')", [name]
        ).fetchall()
        return (tuple(listing or ()), tuple(columns))


def schema_of(store: StoreBase) -> Schema:
    """The schema of an open store."""
    return Schema(store.db.conn)


@contextmanager
def schema_of_copy(path: Path) -> Iterator[Schema]:
    """The schema of a private copy not opened as a project yet (nothing of our own is read first)."""
    conn = connect(str(path))
    try:
        yield Schema(conn)
    finally:
        conn.close()


@functools.cache
def our_schema(version: int) -> dict[tuple[str, str], tuple]:
    """(type, name) -> shape of everything our first ``version`` schema steps create, from a fresh
    in-memory database, once per version and process."""
    steps = migrations.migrations._migrations
    db = Database(memory=True)
    try:
        if version < len(steps):
            migrations.migrations.apply(db, stop_before=steps[version].name)
        else:
            migrations.migrations.apply(db)
        schema = Schema(db.conn)
        return {entry: schema.shape(*entry, *where) for entry, where in schema.entries().items()}
    finally:
        db.close()


def raw_documents(store: StoreBase) -> Iterator[tuple]:
    """(rowid, id, title, text, sha256, meta, status, source_format, source_path, length) per document.

    Each text column comes as (typeof, bytes); ``length`` as (typeof, value).
    Rows come one at a time: only one document's text is held at once.
    """
    columns = ", ".join(
        f"typeof({c}), CAST({c} AS BLOB)"
        for c in ("id", "title", "text", "sha256", "meta", "status", "source_format", "source_path")
    )
    cursor = store.db.conn.execute(f"SELECT rowid, {columns}, typeof(length), length FROM main.documents")
    for row in cursor:
        yield (row[0], *zip(row[1:-2:2], row[2:-2:2], strict=True), (row[-2], row[-1]))


def raw_tags(store: StoreBase) -> list[tuple]:
    """(rowid, id, kind, name, color, description, parent_id, position) per tag, each (typeof, bytes or value)."""
    columns = ", ".join(
        f"typeof({c}), CAST({c} AS BLOB)" for c in ("id", "kind", "name", "color", "description", "parent_id")
    )
    rows = store.db.conn.execute(
        f"SELECT rowid, {columns}, typeof(position), position FROM main.tags"
    ).fetchall()
    return [(row[0], *zip(row[1::2], row[2::2], strict=True)) for row in rows]


@dataclass
class Refusals:
    """What to take out of (or put right in) a private copy before it is read."""

    #: Document id -> its text's length in code points, for every document that passed.
    documents: dict[str, int] = field(default_factory=dict)
    #: Ids of the tags that passed.
    tags: set[str] = field(default_factory=set)
    #: Row ids of the documents and tags refused.
    document_rows: list[int] = field(default_factory=list)
    tag_rows: list[int] = field(default_factory=list)
    #: Row ids of tags whose parent link is cut (a missing parent, a speaker, a cycle).
    parentless_rows: list[int] = field(default_factory=list)
    #: (true length, rowid) of documents whose stored length was wrong.
    lengths: list[tuple[int, int]] = field(default_factory=list)


#: Why an annotation is refused, the first reason that applies; NULL when it passes. The values
#: of the row are quoted into the reason only where the reason is about them.
_REASON = """CASE
    WHEN typeof(a.id) != 'text' OR a.id = '' THEN 'an annotation without an id (row ' || a.rowid || ')'
    WHEN d.id IS NULL THEN 'annotation ' || quote(a.id) || ': its document ' || quote(a.document_id)
        || ' is missing or refused'
    WHEN t.id IS NULL THEN 'annotation ' || quote(a.id) || ': its tag ' || quote(a.tag_id)
        || ' is missing or refused'
    WHEN typeof(a.start) != 'integer' OR typeof(a."end") != 'integer' THEN 'annotation ' || quote(a.id)
        || ': its offsets ' || quote(a.start) || ' and ' || quote(a."end") || ' are not whole numbers'
    WHEN a.start < 0 OR a."end" <= a.start THEN 'annotation ' || quote(a.id) || ': [' || a.start || ', '
        || a."end" || ') is empty or begins before the text'
    WHEN a."end" > d.length THEN 'annotation ' || quote(a.id) || ' ends at ' || a."end" || ', beyond the '
        || d.length || ' characters of its document'
    WHEN typeof(a.annotator) != 'text' OR typeof(a.created) != 'text' OR typeof(a.updated) != 'text'
        OR typeof(a.note) NOT IN ('text', 'null') THEN 'annotation ' || quote(a.id)
        || ': its annotator, note or dates are not text'
END"""


def remove_refused(store: StoreBase, refusals: Refusals) -> tuple[int, str | None]:
    """Take refused rows out of the private copy in one transaction; (annotations refused, first reason).

    Annotations are judged by SQLite in one pass (a million of them never pass
    through Python), against the documents and tags that passed, with the
    documents' true lengths. Refused annotations go first, then parent links to
    refused or unfit tags, then the refused tags and documents, so that no
    remaining row points to a removed one. The copy is ours, so it is written.
    """
    store._require_writable()  # a private copy always is; rows are never removed from anything else
    conn = store.db.conn
    with store.db.atomic():
        conn.execute(
            "CREATE TEMP TABLE untrusted_documents (id TEXT PRIMARY KEY, length INTEGER NOT NULL) "
            "WITHOUT ROWID"
        )  # one lookup per span, no second one for the length
        conn.execute("CREATE TEMP TABLE untrusted_tags (id TEXT PRIMARY KEY) WITHOUT ROWID")
        conn.execute("CREATE TEMP TABLE untrusted_refused (row INTEGER PRIMARY KEY, reason BLOB NOT NULL)")
        try:
            conn.executemany("INSERT INTO temp.untrusted_documents VALUES (?, ?)", refusals.documents.items())
            conn.executemany("INSERT INTO temp.untrusted_tags VALUES (?)", ((tag,) for tag in refusals.tags))
            conn.execute(
                "INSERT INTO temp.untrusted_refused SELECT row, CAST(reason AS BLOB) FROM ("
                f"SELECT a.rowid AS row, {_REASON} AS reason FROM main.annotations a "
                "LEFT JOIN temp.untrusted_documents d ON d.id = a.document_id "
                "LEFT JOIN temp.untrusted_tags t ON t.id = a.tag_id) WHERE reason IS NOT NULL"
            )
            count, first = conn.execute(
                "SELECT count(*), (SELECT reason FROM temp.untrusted_refused ORDER BY row LIMIT 1) "
                "FROM temp.untrusted_refused"
            ).fetchone()
            _remove(conn, refusals)
        finally:
            for table in ("untrusted_documents", "untrusted_tags", "untrusted_refused"):
                conn.execute(f"DROP TABLE temp.{table}")
    return count, first.decode("utf-8", "replace") if first is not None else None


def _remove(conn: sqlite3.Connection, refusals: Refusals) -> None:
    conn.execute("DELETE FROM main.annotations WHERE rowid IN (SELECT row FROM temp.untrusted_refused)")
    conn.executemany(
        "UPDATE main.tags SET parent_id = NULL WHERE rowid = ?",  # refused ones too: they
        ((row,) for row in [*refusals.parentless_rows, *refusals.tag_rows]),
    )  # may be parents
    conn.executemany("DELETE FROM main.tags WHERE rowid = ?", ((row,) for row in refusals.tag_rows))
    conn.executemany(
        "DELETE FROM main.document_memos WHERE document_id = (SELECT id FROM main.documents WHERE rowid = ?)",
        ((row,) for row in refusals.document_rows),
    )
    conn.executemany("DELETE FROM main.documents WHERE rowid = ?", ((row,) for row in refusals.document_rows))
    conn.executemany("UPDATE main.documents SET length = ? WHERE rowid = ?", refusals.lengths)
