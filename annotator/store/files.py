"""SQL on whole project files that are not open as a ``Store``: snapshots, checks, counts.

Backups and ``annotator check`` work on files by path (a backup on disk, a
possibly damaged project), so they cannot go through an open ``Store``; the
few statements they need live here so that all SQL stays in this package.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from annotator.store.connection import connect, not_writable_reason, read_only_uri, reading_uri


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
    partial = target.with_name(target.name + ".part")
    src = connect(read_only_uri(source), uri=True, read_only=True)
    try:
        dst = connect(str(partial))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    os.replace(partial, target)


def file_counts(path: Path) -> tuple[int, int]:
    """(documents, annotations) in a project file read without changing it."""
    conn = connect(read_only_uri(path), uri=True, read_only=True)
    try:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        annotations = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    finally:
        conn.close()
    return documents, annotations


def quick_check_file(path: Path) -> str:
    """SQLite's ``quick_check`` of a file read-only: "ok" or the first problem."""
    conn = connect(read_only_uri(path), uri=True, read_only=True)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        conn.execute("SELECT count(*) FROM annotations").fetchone()
    finally:
        conn.close()
    return result


def check_file(path: Path) -> tuple[list[str], dict[str, int]]:
    """Full ``integrity_check`` and foreign keys of a project file, plus its counts when sound."""
    conn = _reader(path)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
        counts = {}
        if problems == ["ok"]:
            for table in ("documents", "tags", "annotations"):
                counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
            if orphans:
                problems = [f"{len(orphans)} row(s) point to missing rows (foreign keys)"]
        return problems, counts
    finally:
        conn.close()
