"""SQL on whole project files that are not open as a ``Store``: snapshots, checks, counts.

Backups and ``annotator check`` work on files by path (a backup on disk, a
possibly damaged project), so they cannot go through an open ``Store``; the
few statements they need live here so that all SQL stays in this package.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.errors import ProjectError
from annotator.store import openfiles
from annotator.store.connection import (
    check_problems,
    connect,
    interrupt_requested,
    not_writable_reason,
    read_only_uri,
    reading_uri,
)

#: Pages a backup copies between two looks at Ctrl+C: 16 MB of 4 KB pages, some 60 ms.
COPY_STEP_PAGES = 4096
#: How long ``hold_exclusively`` waits for another connection to let go (a commit in progress).
HOLD_WAIT_MS = 500


class InUseError(ProjectError):
    """Another connection (of this or another process) has the project open."""


def _reader(path: Path) -> sqlite3.Connection:
    """A connection that reads ``path`` and never changes its content.

    Where the project may be written, a normal connection with ``query_only``
    on: when it is the last one to close it folds SQLite's log back in and
    removes ``-wal``/``-shm``, so a check leaves nothing beside the project (a
    read-only connection would leave them). Where it may not, a read-only one
    that also reads a project without a log in a read-only folder (as
    immutable), where SQLite could not create the ``-shm`` index it needs.
    """
    if not_writable_reason(path) is None:
        conn = connect(str(path))
        conn.execute("PRAGMA query_only = ON")
        return conn
    return connect(reading_uri(path), uri=True, read_only=True)


def snapshot_file(source: Path, target: Path) -> None:
    """Copy a consistent state of ``source`` to ``target`` (SQLite's backup API), renamed when complete.

    The source is read by a read-only connection of its own, which shares its
    locks with any connection of this process that holds the project, so the
    copy never drops them; in WAL mode it never blocks a writer either. Inside
    a transaction that holds the write lock (a merge's), it copies exactly the
    state before that transaction: nobody else can commit meanwhile.
    """
    src = connect(read_only_uri(source), uri=True, read_only=True)
    try:
        snapshot_from(src, target)
    finally:
        src.close()


def _stop_copy_if_interrupted(status: int, remaining: int, total: int) -> None:
    """Between two steps of a copy: end it if the user pressed Ctrl+C (the flag a signal sets)."""
    if interrupt_requested():
        raise KeyboardInterrupt


def snapshot_from(src: sqlite3.Connection, target: Path) -> None:
    """Copy what the open connection ``src`` sees to ``target``, renamed when complete.

    The copy goes ``COPY_STEP_PAGES`` pages at a time so that Ctrl+C ends it
    within a step (a 500 MB project copies in about 2 s). Its steps all read
    one snapshot: ``src`` holds a read transaction throughout, so a commit by
    another program between two steps neither restarts the copy nor tears it.
    """
    partial = target.with_name(target.name + ".part")
    began = not src.in_transaction
    try:
        if began:
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        dst = connect(str(partial))
        try:
            src.backup(dst, pages=COPY_STEP_PAGES, progress=_stop_copy_if_interrupted)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            if began:
                src.rollback()
    except BaseException:
        # The copy took the source's WAL flag from its first page: a failure (a full disk, say)
        # before it went back to a rollback journal leaves its -wal and -shm beside it too.
        for leftover in (partial, *(Path(f"{partial}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
        raise
    os.replace(partial, target)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or (
        "locked" in str(exc)
    )


@contextmanager
def hold_exclusively(path: Path) -> Iterator[sqlite3.Connection | None]:
    """Hold ``path`` so that no other connection can read or write it until the block ends.

    Raises ``InUseError`` when any other connection has it open: one of this
    process (the registry says so), or of another program. In WAL mode every
    connection that has read the file keeps a shared lock on it as long as it
    is open, so leaving WAL mode (which needs every other connection gone)
    and taking an exclusive lock in exclusive locking mode both fail while
    one is open, and once taken the lock is kept until the block ends: a
    program that opens the file meanwhile waits, then sees the file as it
    is after the block. The log is folded into the file on the way, so the
    connection yielded sees everything committed. A file SQLite cannot read
    as a database yields None (there is nothing to lock).
    """
    if openfiles.is_open_here(path):
        raise InUseError(f"{path}: is open in this program")
    conn = connect(str(path))
    try:
        conn.execute(f"PRAGMA busy_timeout = {HOLD_WAIT_MS}")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")  # in exclusive locking mode the lock stays until the connection closes
            held: sqlite3.Connection | None = conn
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise InUseError(f"{path}: is open in another program") from None
            raise
        except sqlite3.DatabaseError:
            held = None
        yield held
    finally:
        conn.close()  # the lock goes with it


def file_counts(path: Path) -> tuple[int, int]:
    """(documents, annotations) in a project file read without changing it."""
    conn = connect(read_only_uri(path), uri=True, read_only=True)
    try:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        annotations = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    finally:
        conn.close()
    return documents, annotations


def integrity_check_file(path: Path) -> str:
    """SQLite's full ``integrity_check`` of a file read-only (tables and every index): "ok" or the first problem."""
    conn = connect(read_only_uri(path), uri=True, read_only=True)
    try:
        result = check_problems(conn.execute("PRAGMA integrity_check(1)"))[0]
        conn.execute("SELECT count(*) FROM annotations").fetchone()
    finally:
        conn.close()
    return result


def check_file(path: Path) -> tuple[list[str], dict[str, int]]:
    """Full ``integrity_check``, what an export would refuse, and foreign keys; counts when sound.

    SQLite's own checks pass a project whose spans end beyond their text or
    whose metadata is not JSON, yet every export refuses it; so ``check``
    looks for exactly that too. Each check is one SQL statement (its count
    and the smallest id as an example): about 0.6 s for a million spans, a
    tenth of the integrity check. Metadata is judged by Python's own JSON
    reader, as the export reads it (SQLite's is stricter about ``NaN``).
    """

    def is_json_object(text: str) -> bool:
        try:
            return isinstance(json.loads(text), dict)
        except (TypeError, ValueError, RecursionError):
            return False

    export_checks = (
        (
            "WITH lengths AS MATERIALIZED (SELECT id, length(text) AS n FROM documents) "
            "SELECT count(*), min(a.id) FROM annotations a JOIN lengths d ON d.id = a.document_id "
            "WHERE typeof(a.start) != 'integer' OR typeof(a.\"end\") != 'integer' OR a.start < 0 "
            'OR a."end" <= a.start OR a."end" > d.n',
            "{} span(s) outside their document's text or empty (annotation {})",
        ),
        (
            "SELECT count(*), min(id) FROM documents WHERE NOT annotator_is_json_object(meta)",
            "{} document(s) whose metadata is not a JSON object (document {})",
        ),
        (
            "SELECT count(*), min(t.id) FROM tags t WHERE t.parent_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM tags p WHERE p.id = t.parent_id)",
            "{} tag(s) whose parent tag does not exist (tag {})",
        ),
    )
    conn = _reader(path)
    try:
        problems = check_problems(conn.execute("PRAGMA integrity_check(20)"))
        counts = {}
        if problems == ["ok"]:
            for table in ("documents", "tags", "annotations"):
                counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            conn.create_function("annotator_is_json_object", 1, is_json_object, deterministic=True)
            found = [
                message.format(*row)
                for sql, message in export_checks
                for row in [conn.execute(sql).fetchone()]
                if row[0]
            ]
            orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
            if orphans:
                found.append(f"{len(orphans)} row(s) point to missing rows (foreign keys)")
            problems = found or problems
        return problems, counts
    finally:
        conn.close()
