"""SQL on whole project files that are not open as a ``Store``: snapshots, checks, counts.

Backups and ``annotator check`` work on files by path (a backup on disk, a
possibly damaged project), so they cannot go through an open ``Store``; the
few statements they need live here so that all SQL stays in this package.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from annotator.store.connection import not_writable_reason, read_only_uri


def _reader(path: Path) -> sqlite3.Connection:
    # A read-only connection to a WAL file leaves -wal and -shm behind; a
    # normal one that only reads removes them again on close.
    if not_writable_reason(path) is None:
        return sqlite3.connect(path)
    return sqlite3.connect(read_only_uri(path), uri=True)


def snapshot_file(source: Path, target: Path) -> None:
    """Copy a consistent state of ``source`` to ``target`` (SQLite's backup API), renamed when complete."""
    partial = target.with_name(target.name + ".part")
    src = sqlite3.connect(read_only_uri(source), uri=True)
    try:
        dst = sqlite3.connect(partial)
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


def copy_file_while_locked(source: Path, target: Path) -> None:
    """A consistent copy of ``source``, whose write lock the caller holds, by copying its bytes.

    With the lock held nobody can append to ``source``'s log or start it
    over, and a checkpoint running meanwhile only writes into the file pages
    the log still holds; so the file and its ``-wal`` copied byte for byte
    are the committed database (frames of an open transaction have no commit
    frame, and SQLite ignores them). Folding the copied log in leaves one
    file. Several times faster than the backup API, which reads page by page.
    """
    partial = target.with_name(target.name + ".part")
    companions = [Path(f"{partial}{suffix}") for suffix in ("-wal", "-shm")]
    try:
        shutil.copyfile(source, partial)
        log = Path(f"{source}-wal")
        if log.exists():
            shutil.copyfile(log, companions[0])
        copy = sqlite3.connect(partial)
        try:
            copy.execute("PRAGMA journal_mode = DELETE")  # checkpoints the copied log into the file, removes it
        finally:
            copy.close()
    except BaseException:
        for leftover in (partial, *companions):
            leftover.unlink(missing_ok=True)
        raise
    os.replace(partial, target)


def file_counts(path: Path) -> tuple[int, int]:
    """(documents, annotations) in a project file read without changing it."""
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        annotations = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    finally:
        conn.close()
    return documents, annotations


def quick_check_file(path: Path) -> str:
    """SQLite's ``quick_check`` of a file read-only: "ok" or the first problem."""
    conn = sqlite3.connect(read_only_uri(path), uri=True)
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
