"""Reads and writes for reviewing: spans keyed by document hash and tag name, adjudications."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from annotator.model import new_id, utc_now
from annotator.store.annotations import ANNOTATION_COLUMNS, QUALIFIED_ANNOTATION_COLUMNS
from annotator.store.base import StoreBase
from annotator.store.connection import connect
from annotator.store.files import snapshot_file


class ReviewSpan(NamedTuple):
    """An annotation with what matches it across files: the text's hash and the tag's kind and name."""

    id: str
    sha256: str
    document_id: str
    start: int
    end: int
    kind: str
    tag: str
    annotator: str
    note: str | None
    created: str
    updated: str


class ReviewMixin(StoreBase):
    def iter_review_spans(self, document_id: str | None = None) -> Iterator[ReviewSpan]:
        """Every annotation (or one document's) with its document hash and tag kind and name."""
        sql = (
            'SELECT a.id, d.sha256, d.id, a.start, a."end", t.kind, t.name, a.annotator, a.note, a.created, '
            "a.updated FROM annotations a JOIN documents d ON d.id = a.document_id JOIN tags t ON t.id = a.tag_id"
        )
        rows = (
            self.db.conn.execute(sql + " WHERE d.id = ?", [document_id])
            if document_id
            else self.db.conn.execute(sql)
        )
        for row in rows:
            yield ReviewSpan(*row)

    def review_span_rows(self) -> Iterator[tuple[str, str, int, int, str, str]]:
        """(id, document id, start, end, tag id, annotator) of every annotation, as plain tuples.

        No joins: agreement maps the few document and tag ids itself
        (``review_document_keys``, ``review_tag_names``), which reads 100,000
        rows in about half the time of joining each to its document and tag.
        """
        return self.db.conn.execute(
            'SELECT id, document_id, start, "end", tag_id, annotator FROM annotations'
        )

    def review_document_keys(self) -> dict[str, str]:
        """Document id -> SHA-256 of its text, the key documents match by across files."""
        return dict(self.db.conn.execute("SELECT id, sha256 FROM documents INDEXED BY documents_summary"))

    def review_tag_names(self) -> dict[str, tuple[str, str]]:
        """Tag id -> (kind, name)."""
        return {
            tag_id: (kind, name)
            for tag_id, kind, name in self.db.conn.execute("SELECT id, kind, name FROM tags")
        }

    def document_lengths_by_sha(self) -> dict[str, int]:
        """SHA-256 of each document's text -> its length in code points."""
        return dict(self.db.conn.execute("SELECT sha256, length FROM documents INDEXED BY documents_summary"))

    def document_ids_by_sha(self) -> dict[str, str]:
        """SHA-256 of each document's text -> the document's id."""
        return {sha: doc_id for doc_id, sha in self.review_document_keys().items()}

    def has_row(self, table: str, row_id: str) -> bool:
        """Whether ``documents``, ``tags`` or ``annotations`` holds this id (ids must stay unique)."""
        if table not in ("documents", "tags", "annotations"):
            raise ValueError(table)
        return self.db.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone() is not None

    @contextmanager
    def attached(self, path: Path, schema: str = "colleague") -> Iterator[str]:
        """Another project file readable from this connection as ``schema``, for set-wise copies.

        SQLite attaches and detaches only outside a transaction. Only ever used
        on private copies (``open_colleague``), never on a colleague's own file.
        """
        if not schema.isidentifier():
            raise ValueError(schema)
        self.db.conn.execute(f"ATTACH DATABASE ? AS {schema}", [str(path)])
        try:
            yield schema
        finally:
            self.db.conn.execute(f"DETACH DATABASE {schema}")

    def shared_annotation_rows(self, schema: str) -> list[tuple]:
        """Rows of the attached file's annotations whose id this project holds too (``annotation_rows`` order)."""
        return self.db.conn.execute(
            f"SELECT {QUALIFIED_ANNOTATION_COLUMNS} FROM {schema}.annotations a "
            "WHERE EXISTS (SELECT 1 FROM main.annotations m WHERE m.id = a.id)"
        ).fetchall()

    def attached_annotation_count(self, schema: str) -> int:
        """How many annotations the attached file holds."""
        return self.db.conn.execute(f"SELECT COUNT(*) FROM {schema}.annotations").fetchone()[0]

    def copy_new_annotations(
        self, schema: str, document_ids: Mapping[str, str], tag_ids: Mapping[str, str]
    ) -> int:
        """Insert the attached file's annotations whose id this project lacks; returns how many.

        Their document and tag ids become ours through ``document_ids`` and
        ``tag_ids`` (theirs -> ours). One ``INSERT ... SELECT``: a merge of
        100,000 spans never passes its rows through Python, and they go in by
        document and start, the order of the index that grows the most.
        """
        self._require_writable()
        conn = self.db.conn
        with self.db.atomic():
            for table, mapping in (("merge_documents", document_ids), ("merge_tags", tag_ids)):
                conn.execute(f"CREATE TEMP TABLE {table} (theirs TEXT PRIMARY KEY, ours TEXT NOT NULL)")
                conn.executemany(f"INSERT INTO temp.{table} VALUES (?, ?)", mapping.items())
            try:
                return conn.execute(
                    f"INSERT INTO main.annotations ({ANNOTATION_COLUMNS}) "
                    'SELECT a.id, d.ours, a.start, a."end", t.ours, a.annotator, a.note, a.created, a.updated '
                    f"FROM {schema}.annotations a JOIN temp.merge_documents d ON d.theirs = a.document_id "
                    "JOIN temp.merge_tags t ON t.theirs = a.tag_id "
                    "WHERE NOT EXISTS (SELECT 1 FROM main.annotations m WHERE m.id = a.id) "
                    "ORDER BY d.ours, a.start"
                ).rowcount
            finally:
                # A failure may have ended the whole transaction (SQLite rolls it back itself when
                # the disk fills while it spills its cache), taking the tables with it: the
                # clean-up must not hide that failure behind "no such table".
                for table in ("merge_documents", "merge_tags"):
                    conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the committed file at ``target``, through SQLite only.

        Inside a transaction (a merge's, which took the write lock as it began)
        the copy is the state before it: a read-only connection of its own reads
        the last commit, which nobody else can change while we hold the lock.
        That connection shares this process's locks on the file; copying its
        bytes instead would drop them (see ``openfiles``).
        """
        if self.path is None:
            destination = connect(str(target))
            try:
                self.db.conn.backup(destination)
            finally:
                destination.close()
            return
        snapshot_file(self.path, target)

    def snapshot_to(self, target: Path) -> None:
        """A compact single-file copy at ``target`` in rollback-journal mode (no ``-wal``)."""
        self.db.conn.execute("VACUUM INTO ?", [str(target)])
        copy = connect(str(target))
        try:
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()

    def record_adjudication(
        self,
        *,
        annotation_id: str,
        decision: str,
        disagreement: str,
        decided_by: str,
        source: str = "",
        id: str | None = None,
        decided_at: str | None = None,
    ) -> str:
        """Remember that a disagreement was settled (an annotation accepted, or dismissed)."""
        self._require_writable()
        adjudication_id = id or new_id()
        self.db.execute(
            "INSERT INTO adjudications (id, annotation_id, decision, disagreement, source, decided_by, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                adjudication_id,
                annotation_id,
                decision,
                disagreement,
                source,
                decided_by,
                decided_at or utc_now(),
            ],
        )
        return adjudication_id

    def remove_adjudication(self, adjudication_id: str) -> None:
        """Forget a decision (its undo)."""
        self._require_writable()
        self.db.execute("DELETE FROM adjudications WHERE id = ?", [adjudication_id])

    def dismissed_disagreements(self) -> set[str]:
        """Keys of the disagreements someone dismissed."""
        rows = self.db.conn.execute("SELECT disagreement FROM adjudications WHERE decision = 'dismissed'")
        return {r[0] for r in rows}

    def adjudications(self) -> list[dict]:
        """Every decision, oldest first."""
        cursor = self.db.conn.execute(
            "SELECT id, annotation_id, decision, disagreement, source, decided_by, decided_at "
            "FROM adjudications ORDER BY decided_at"
        )
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]
