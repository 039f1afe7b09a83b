"""Opening project files: create, check, migrate, or open for reading only.

Checks run on a read-only connection first, so a file that is not ours, is
damaged, or comes from a newer version is refused without a single byte
written to it (no journal, no ``-wal`` file, no migration).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from annotator import migrations
from annotator.errors import ProjectError, ProjectTooNewError

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


def read_only_uri(path: Path) -> str:
    """The URI that opens ``path`` for reading only."""
    return path.resolve().as_uri() + "?mode=ro"


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except PermissionError:
        raise ProjectError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise ProjectError(f"{path}: is a folder, not a project file") from None
    if header != SQLITE_HEADER:
        raise ProjectError(f"{path}: not an Annotator project (not a SQLite database)")


def inspect_file(path: Path) -> tuple[int, int, list[str]]:
    """Return (application_id, user_version, applied step names) without writing."""
    _check_header(path)
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot be opened ({exc})") from None
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_steps = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'"
        ).fetchone()
        applied = (
            [r[0] for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'annotator'"
            )]
            if has_steps
            else []
        )
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: damaged or not a project file ({exc})") from None
    finally:
        conn.close()
    return app_id, version, applied


def check_compatible(path: Path) -> None:
    """Refuse files that are not Annotator projects or come from a newer version."""
    app_id, version, applied = inspect_file(path)
    if app_id not in (0, migrations.APPLICATION_ID) or (app_id == 0 and not applied):
        raise ProjectError(f"{path}: not an Annotator project")
    known = {step.name for step in migrations.migrations._migrations}
    if version > migrations.SCHEMA_VERSION or not set(applied) <= known:
        raise ProjectTooNewError(
            f"{path}: made by a newer version of Annotator (schema {version}, "
            f"this version reads up to {migrations.SCHEMA_VERSION}); "
            "please update Annotator. The file was not changed."
        )


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
            if migrations.pending_names(db):
                raise ProjectError(
                    f"{path}: made by an older version and opened read-only; "
                    "open a copy to upgrade it"
                )
            return db
        db = Database(sqlite3.connect(str(path), check_same_thread=False))
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
