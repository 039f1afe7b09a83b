"""Opening project files: create, check, migrate, or open for reading only.

Checks run on a read-only connection first, so a file that is not ours, is
damaged, or comes from a newer version is refused without a single byte
written to it (no journal, no ``-wal`` file, no migration).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from annotator import migrations
from annotator._sqlite import Database
from annotator.errors import ProjectError, ProjectTooNewError

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


def read_only_uri(path: Path) -> str:
    """The URI that opens ``path`` for reading only."""
    return path.resolve().as_uri() + "?mode=ro"


def read_header(path: Path) -> tuple[int, int]:
    """Return (application_id, user_version) read from the file's first 100 bytes.

    Reading the header directly, rather than through SQLite, guarantees that
    checking a file never creates a journal, ``-wal`` or ``-shm`` file.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except PermissionError:
        raise ProjectError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise ProjectError(f"{path}: is a folder, not a project file") from None
    if not header.startswith(SQLITE_HEADER):
        raise ProjectError(f"{path}: not an Annotator project (not a SQLite database)")
    if len(header) < 100:
        raise ProjectError(f"{path}: damaged project file (truncated header)")
    return int.from_bytes(header[68:72], "big"), int.from_bytes(header[60:64], "big", signed=True)


def _refuse_if_incompatible(path: Path, app_id: int, version: int, applied: list[str] | None) -> None:
    if app_id != migrations.APPLICATION_ID:
        raise ProjectError(f"{path}: not an Annotator project")
    known = {step.name for step in migrations.migrations._migrations}
    if version > migrations.SCHEMA_VERSION or (applied is not None and not set(applied) <= known):
        raise ProjectTooNewError(
            f"{path}: made by a newer version of Annotator (schema {version}, "
            f"this version reads up to {migrations.SCHEMA_VERSION}); "
            "please update Annotator. The file was not changed."
        )


def has_pending_wal(path: Path) -> bool:
    """True when a non-empty ``-wal`` log sits beside ``path`` (its header may be stale)."""
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def check_compatible(path: Path) -> None:
    """Refuse files that are not Annotator projects or come from a newer version (no writes).

    A WAL database whose changes are still in its ``-wal`` log (a crash before
    the first checkpoint, or a colleague's app still open) can carry an empty
    header; then only a newer version is refused here, and the rest is
    checked through SQLite, which reads the log, before anything is written.
    """
    app_id, version = read_header(path)
    if has_pending_wal(path) and app_id in (0, migrations.APPLICATION_ID):
        if version > migrations.SCHEMA_VERSION:
            _refuse_if_incompatible(path, app_id, version, None)
        return
    _refuse_if_incompatible(path, app_id, version, None)


def _check_open_database(path: Path, db: Database) -> None:
    """The same check through SQLite, which also sees a pending ``-wal`` and step names."""
    conn = db.conn
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    applied = [r[0] for r in conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'annotator'"
    )]
    _refuse_if_incompatible(path, app_id, version, applied)


def _configure(db: Database, *, wal: bool) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")


def create_database(path: Path) -> Database:
    """Create a new project file at ``path`` with the current schema."""
    if path.exists():
        raise ProjectError(f"{path}: already exists")
    if not path.parent.is_dir():
        raise ProjectError(f"{path.parent}: folder does not exist")
    try:
        db = Database(path)
        _configure(db, wal=True)
        migrations.apply_all(db)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot create project ({exc})") from None
    return db


def open_database(path: Path, *, read_only: bool = False) -> Database:
    """Open an existing project, migrating it unless ``read_only``."""
    if not path.exists():
        raise ProjectError(f"{path}: no such project file")
    check_compatible(path)
    try:
        if read_only:
            conn = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
            db = Database(conn)
            _configure(db, wal=False)
            _check_open_database(path, db)
            if migrations.pending_names(db):
                raise ProjectError(
                    f"{path}: made by an older version and opened read-only; "
                    "open a copy to upgrade it"
                )
            return db
        db = Database(sqlite3.connect(str(path), check_same_thread=False))
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            _check_open_database(path, db)
        except ProjectError:
            db.close()
            raise
        _configure(db, wal=True)
        if migrations.pending_names(db):
            migrations.apply_all(db)
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise ProjectError(f"{path}: file or folder is read-only") from None
        raise ProjectError(f"{path}: cannot be opened ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: damaged project file ({exc})") from None
    return db
