"""Opening project files: create, check, migrate, or open for reading only.

Checks run on a read-only connection first, so a file that is not ours, is
damaged, or comes from a newer version is refused without a single byte
written to it (no journal, no ``-wal`` file, no migration). A file or folder
we may not write is opened for reading, with a reason the window can show.

Every connection is a ``GuardedConnection``: the one place where SQLite's
"database or disk is full" becomes a one-line ``StorageFullError`` (SQLite
has already rolled the statement back, so the project stays as it was).
Every connection is also registered in ``openfiles``: a file this process has
open is never read again with plain file I/O, which would drop the POSIX
locks SQLite holds on it (``read_header`` asks SQLite instead).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from annotator import migrations
from annotator._sqlite import Database
from annotator.errors import InvalidInputError, ProjectError, ProjectTooNewError
from annotator.store import openfiles

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
#: Files up to this size get SQLite's full ``integrity_check`` when opened for writing;
#: bigger ones ``quick_check`` and a count of every index against its table (see
#: ``_check_before_writing``; README "Your data is safe" gives the measured costs).
FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024


class StorageFullError(ProjectError, sqlite3.OperationalError):
    """The disk (or the file's size limit) is full; the change was not made."""


def _storage_full(path: object) -> StorageFullError:
    return StorageFullError(
        f"{path}: the disk is full; the last change was not saved and the project is "
        "unchanged. Free some space and try again."
    )


def _unstorable(exc: UnicodeEncodeError) -> InvalidInputError:
    """A value holding a lone surrogate (half of a character), named in one line.

    A file name or argument that is not UTF-8, or JSON that escapes half a
    character (``"\\ud800"``), reaches Python as lone surrogates; no UTF-8
    database can hold one, and SQLite's binding would fail with a traceback.
    """
    value = exc.object if isinstance(exc.object, str) else ""
    code = ord(value[exc.start]) if exc.start < len(value) else 0
    shown = value[:60].encode("utf-8", "backslashreplace").decode("utf-8")
    return InvalidInputError(
        f"'{shown}' holds half of a character (U+{code:04X}, a lone surrogate) that cannot be "
        "stored; nothing was changed"
    )


class GuardedConnection(sqlite3.Connection):
    """A connection that reports a full disk, and text no UTF-8 file can hold, in words."""

    #: Whether it was opened for reading only (set by ``connect``).
    opened_read_only: bool = False

    def _guarded(self, method, sql: str, *args):
        try:
            return method(sql, *args)
        except sqlite3.OperationalError as exc:
            if _is_full(exc):
                raise _storage_full(_database_name(self)) from None
            raise
        except UnicodeEncodeError as exc:
            raise _unstorable(exc) from None

    def execute(self, sql: str, *args):  # noqa: D102 - same as sqlite3's
        return self._guarded(super().execute, sql, *args)

    def executemany(self, sql: str, *args):  # noqa: D102
        return self._guarded(super().executemany, sql, *args)

    def executescript(self, sql: str):  # noqa: D102
        return self._guarded(super().executescript, sql)

    def commit(self) -> None:  # noqa: D102
        try:
            super().commit()
        except sqlite3.OperationalError as exc:
            if _is_full(exc):
                raise _storage_full(_database_name(self)) from None
            raise


def _is_full(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)


def _database_name(conn: sqlite3.Connection) -> str:
    row = sqlite3.Connection.execute(conn, "PRAGMA database_list").fetchone()
    return Path(row[2]).name if row and row[2] else "project"


#: How many SQLite virtual-machine steps run between two looks at the interrupt flag:
#: about a millisecond of work, so Ctrl+C ends a statement at once, while a million-span
#: export makes only a few thousand calls into Python (well under a millisecond in all).
INTERRUPT_CHECK_STEPS = 20_000

#: Set when the user asked to stop (Ctrl+C on the command line). Python runs its signal
#: handlers only between bytecodes, never while the main thread is inside one long SQLite
#: statement; the progress handler of every connection reads this flag and ends the statement.
_interrupt_requested = False


def request_interrupt() -> None:
    """Make every running and future statement of every connection stop ("interrupted")."""
    global _interrupt_requested
    _interrupt_requested = True


def clear_interrupt() -> None:
    """Let statements run again (the command that was interrupted has ended)."""
    global _interrupt_requested
    _interrupt_requested = False


def interrupt_requested() -> bool:
    """Whether the user asked to stop."""
    return _interrupt_requested


#: Changes committed by this process (``ops.run``), so that Ctrl+C can say whether any was saved.
_saved_changes = 0


def note_saved_change() -> None:
    """Count one committed change (called by ``ops.run`` once its transaction is committed)."""
    global _saved_changes
    _saved_changes += 1


def saved_changes() -> int:
    """How many changes this process has committed so far."""
    return _saved_changes


def _stop_if_interrupted() -> bool:
    """SQLite's progress handler: a true value ends the running statement with SQLITE_INTERRUPT."""
    return _interrupt_requested


def connect(target: str, *, uri: bool = False, read_only: bool = False) -> GuardedConnection:
    """A ``GuardedConnection`` to ``target`` usable from worker threads, which stops when interrupted."""
    conn = sqlite3.connect(target, uri=uri, check_same_thread=False, factory=GuardedConnection)
    conn.opened_read_only = read_only
    conn.set_progress_handler(_stop_if_interrupted, INTERRUPT_CHECK_STEPS)
    openfiles.register(conn)
    return conn


@contextlib.contextmanager
def busy_timeout(conn: sqlite3.Connection, milliseconds: int) -> Iterator[None]:
    """Inside the block, wait at most ``milliseconds`` for another program's write lock (then as before).

    The window runs its changes on the UI thread: waiting there the usual
    ``BUSY_TIMEOUT_MS`` would freeze it, so it waits a fraction of a second
    and says the change was not saved instead.
    """
    before = sqlite3.Connection.execute(conn, "PRAGMA busy_timeout").fetchone()[0]
    sqlite3.Connection.execute(conn, f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with contextlib.suppress(sqlite3.ProgrammingError):  # closed inside the block
            sqlite3.Connection.execute(conn, f"PRAGMA busy_timeout = {int(before)}")


def not_writable_reason(path: Path) -> str | None:
    """Why ``path`` can only be read (its file or folder is read-only), or None."""
    if not os.access(path, os.W_OK):
        return f"{path.name} is read-only: it is open for reading, and changes cannot be saved."
    if not os.access(path.resolve().parent, os.W_OK):
        return (
            f"The folder of {path.name} is read-only: the project is open for reading, "
            "and changes cannot be saved."
        )
    return None


def read_only_uri(path: Path) -> str:
    """The URI that opens ``path`` for reading only."""
    return path.resolve().as_uri() + "?mode=ro"


def read_header(path: Path) -> tuple[int, int]:
    """Return (application_id, user_version) of ``path`` without writing anything beside it.

    A file no connection of this process has open is read directly (its first
    100 bytes), which guarantees that checking a file never creates a journal,
    ``-wal`` or ``-shm`` file. A file this process has open is asked through
    SQLite instead: a plain read would drop the live connection's locks.
    """
    try:
        header = openfiles.read_prefix(path, 100)
    except PermissionError:
        raise ProjectError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise ProjectError(f"{path}: is a folder, not a project file") from None
    if header is None:
        return _header_through_sqlite(path)
    if not header.startswith(SQLITE_HEADER):
        raise ProjectError(f"{path}: not an Annotator project (not a SQLite database)")
    if len(header) < 100:
        raise ProjectError(f"{path}: damaged project file (truncated header)")
    return int.from_bytes(header[68:72], "big"), int.from_bytes(header[60:64], "big", signed=True)


def _header_through_sqlite(path: Path) -> tuple[int, int]:
    """The header's two fields read by a read-only connection (which shares the live one's locks)."""
    conn = connect(read_only_uri(path), uri=True, read_only=True)
    try:
        return (
            conn.execute("PRAGMA application_id").fetchone()[0],
            conn.execute("PRAGMA user_version").fetchone()[0],
        )
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: damaged project file ({exc})") from None
    finally:
        conn.close()


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
    applied = [
        r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'annotator'")
    ]
    _refuse_if_incompatible(path, app_id, version, applied)


#: Page cache of a connection that writes, in KiB (SQLite's default is 2 MiB). A merge
#: or import adding 100,000 spans updates a 10 MB index in random order; with the
#: default, pages are evicted and read back for nearly every row. Only pages used are
#: held. Read-only connections (exports, agreement, colleagues' files) read each page
#: about once and keep the default, so their memory stays flat.
CACHE_KIB = 64 * 1024


def _configure(db: Database, *, wal: bool) -> None:
    """``wal``: a connection that may write (WAL, full sync, the larger page cache)."""
    db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.conn.execute("PRAGMA foreign_keys = ON")
    if wal:
        db.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        db.conn.execute("PRAGMA journal_mode = WAL")
        db.conn.execute("PRAGMA synchronous = FULL")


#: Suffix of the file a project is built in before it takes its name.
CREATING_SUFFIX = ".creating"


def creating_path(path: Path) -> Path:
    """Where a new project at ``path`` is built: a hidden name beside it."""
    return path.with_name(f".{path.name}{CREATING_SUFFIX}")


def _remove_database_files(path: Path) -> None:
    for name in (str(path), *(f"{path}{suffix}" for suffix in openfiles.COMPANION_SUFFIXES)):
        Path(name).unlink(missing_ok=True)


def create_database(path: Path, *, prepare: Callable[[Database], None] | None = None) -> Database:
    """Create a new project file at ``path`` with the current schema.

    The file is built under a hidden name beside ``path`` (``creating_path``)
    and takes its name only once the schema and ``prepare``'s rows are
    committed, so a creation that is killed or hits a full disk leaves no
    half-made project at ``path``: running it again starts afresh.
    """
    if path.exists():
        raise ProjectError(f"{path}: already exists")
    if not path.parent.is_dir():
        raise ProjectError(f"{path.parent}: folder does not exist")
    building = creating_path(path)
    if openfiles.is_open_here(building):
        raise ProjectError(f"{path}: is being created already")
    try:
        _remove_database_files(building)  # what a killed creation left
        db = Database(connect(str(building)))
        try:
            _configure(db, wal=True)
            migrations.apply_all(db)
            if prepare is not None:
                prepare(db)
            db.conn.commit()
        finally:
            db.close()  # the last connection folds the log into the file and removes it
        _install_new(building, path)
        db = Database(connect(str(path)))
        _configure(db, wal=True)
    except sqlite3.OperationalError as exc:
        _remove_database_files(building)
        raise ProjectError(f"{path}: cannot create project ({_reason(exc)})") from None
    except sqlite3.Error as exc:
        _remove_database_files(building)
        raise ProjectError(f"{path}: cannot create project ({exc})") from None
    except OSError as exc:
        _remove_database_files(building)
        raise ProjectError(f"{path}: cannot create project ({exc.strerror or exc})") from None
    except BaseException:
        _remove_database_files(building)
        raise
    return db


def _install_new(building: Path, path: Path) -> None:
    """Give the finished file its name, never replacing a file that appeared meanwhile."""
    try:
        os.link(building, path)
    except FileExistsError:
        raise ProjectError(f"{path}: already exists") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise ProjectError(f"{path}: already exists") from None
        os.replace(building, path)
        return
    building.unlink()


def _reason(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "the file or folder is read-only"
    return text


def _refuse_orphan_wal_when_read_only(path: Path) -> None:
    """SQLite cannot read a ``-wal`` log without its ``-shm`` index where it may not write one."""
    if has_pending_wal(path) and not Path(f"{path}-shm").exists():
        raise ProjectError(
            f"{path}: has unsaved changes in its '-wal' file but no '-shm' file, and its folder "
            "is read-only; copy the project with its '-wal' file to a folder you can write to"
        )


def reading_uri(path: Path) -> str:
    """How to open ``path`` for reading without creating anything beside it.

    SQLite reads a WAL database through a ``-shm`` index it creates beside
    the file, even for a read-only connection, and cannot when the folder is
    read-only. A project we may not write, with no ``-wal`` log beside it, is
    read as immutable: no ``-shm``, no ``-wal``, no locks. A ``-wal`` log
    means a writer may be at work, so then SQLite reads it the usual way.
    """
    uri = read_only_uri(path)
    if (
        not_writable_reason(path) is not None
        and not Path(f"{path}-wal").exists()
        and not openfiles.is_open_here(path)
    ):
        uri += "&immutable=1"  # an immutable connection takes no locks: never beside a live one
    return uri


def _open_for_reading(path: Path) -> Database:
    if not_writable_reason(path) is not None:
        _refuse_orphan_wal_when_read_only(path)
    db = Database(connect(reading_uri(path), uri=True, read_only=True))
    try:
        _configure(db, wal=False)
        _check_open_database(path, db)
        if migrations.pending_names(db):
            raise ProjectError(
                f"{path}: made by an older version and opened read-only; open a copy to upgrade it"
            )
    except BaseException:
        db.close()
        raise
    return db


def _index_count_mismatches(conn: sqlite3.Connection) -> list[str]:
    """Indexes holding more or fewer entries than their table has rows (what ``quick_check`` misses)."""
    indexes = conn.execute(
        "SELECT i.name, i.tbl_name FROM sqlite_master i JOIN sqlite_master t "
        "ON t.name = i.tbl_name AND t.type = 'table' AND t.sql NOT LIKE 'CREATE VIRTUAL%' "
        "WHERE i.type = 'index' AND (i.sql IS NULL OR i.sql NOT LIKE '% WHERE %') ORDER BY i.name"
    ).fetchall()
    rows: dict[str, int] = {}
    found = []
    for index, table in indexes:
        quoted_table = '"' + table.replace('"', '""') + '"'
        quoted_index = '"' + index.replace('"', '""') + '"'
        if table not in rows:
            rows[table] = conn.execute(f"SELECT count(*) FROM {quoted_table} NOT INDEXED").fetchone()[0]
        entries = conn.execute(f"SELECT count(*) FROM {quoted_table} INDEXED BY {quoted_index}").fetchone()[0]
        if entries != rows[table]:
            found.append(f"index {index} has {entries} entries for {rows[table]} rows of {table}")
    return found


def check_problems(rows: Iterable[tuple[str]]) -> list[str]:
    """The problems an ``integrity_check`` or ``quick_check`` reported, one line each (["ok"] when none).

    SQLite may put several lines in one row, under a "*** in database main ***"
    heading; a message made of them must stay on one line.
    """
    problems = [
        line.strip()
        for (text,) in rows
        for line in str(text).splitlines()
        if line.strip() and not line.startswith("*** in database")
    ]
    return problems or ["ok"]


def _check_before_writing(path: Path, db: Database) -> None:
    """Refuse a damaged file before anything is written to it.

    Up to ``FULL_CHECK_MAX_BYTES`` SQLite's full ``integrity_check``, which
    also compares every index with its table; above, ``quick_check`` plus the
    entry count of every index against its table's rows, which reads each
    index and table once instead of looking every row up in every index.
    """
    conn = db.conn
    if path.stat().st_size <= FULL_CHECK_MAX_BYTES:
        problems = check_problems(conn.execute("PRAGMA integrity_check(3)"))
    else:
        problems = check_problems(conn.execute("PRAGMA quick_check(3)"))
        if problems == ["ok"]:
            problems = _index_count_mismatches(conn) or problems
    if problems != ["ok"]:
        raise ProjectError(
            f"{path}: damaged project file ({problems[0]}); restore a backup "
            "(annotator backups / annotator restore)"
        )


def _open_for_writing(path: Path) -> Database:
    db = Database(connect(str(path)))
    try:
        db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_open_database(path, db)
        _check_before_writing(path, db)
        _configure(db, wal=True)
        if migrations.pending_names(db):
            migrations.apply_all(db)
    except BaseException:
        db.close()
        raise
    return db


def open_project(path: Path, *, read_only: bool = False) -> tuple[Database, str | None]:
    """Open an existing project; one we may not write opens read-only, with the reason why."""
    if not path.exists():
        raise ProjectError(f"{path}: no such project file")
    check_compatible(path)
    reason = not_writable_reason(path)
    try:
        if read_only or reason is not None:
            return _open_for_reading(path), reason
        return _open_for_writing(path), None
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise ProjectError(f"{path}: file or folder is read-only") from None
        raise ProjectError(f"{path}: cannot be opened ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise ProjectError(
            f"{path}: damaged project file ({exc}); restore a backup (annotator backups / annotator restore)"
        ) from None
