"""Opening a colleague's project file without ever writing to it or beside it.

A link is followed first: a WAL database's ``-wal`` log lies beside the real
file, not beside the link, and copying the link's neighbours would lose the
changes still in the log. The file is checked from its header bytes, then
copied into a folder of ours: with SQLite's backup API from a ``mode=ro``
connection when the file is in rollback-journal mode (a consistent snapshot),
or as plain bytes — the database and its ``-wal`` — when it is in WAL mode,
because SQLite would create ``-shm``/``-wal`` files beside a WAL database even
when asked to read only; likewise, with its ``-journal``, a file whose last
write was cut short (a read-only connection cannot roll that back).

The one exception is a file this process already has open (someone reviews
their own project, or a link to it): bytes are never read from it, since
closing the descriptor would drop the live connection's locks; SQLite's
backup API copies it, and its ``-wal``/``-shm`` exist already. All reading
and any upgrade of an older schema happen on the copy; the copy is deleted
when the review closes.

A process killed mid-review (or mid-merge) cannot delete its copy, a whole
project's worth of data in the temporary folder. So each copy's folder is
named with the owning process's id (``annotator-review-<pid>-...``), and
opening a colleague's file first removes the folders of ours whose process
is gone (or, where that cannot be asked, that are older than a day).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import ProjectError
from annotator.review.untrusted import Finding, check_colleague_copy, check_colleague_schema, note_findings
from annotator.store import Store
from annotator.store.connection import check_compatible, connect, read_only_uri
from annotator.store.files import snapshot_from
from annotator.store.openfiles import plain_access

WAL_MODE = 2  # header bytes 18 and 19 are 2 for a WAL database

#: Name of a private copy's folder: ``annotator-review-<pid>-<random>``.
COPY_PREFIX = "annotator-review-"
_COPY_FOLDER = re.compile(r"annotator-review-(?:(\d+)-)?[A-Za-z0-9_]{8}")
#: A leftover folder whose owner cannot be asked about is removed after this long.
STALE_SECONDS = 24 * 60 * 60


#: Files SQLite keeps beside a database that change what a reader sees.
COMPANIONS = ("-wal", "-journal")


def is_wal_database(path: Path) -> bool:
    """True when the file's header says WAL mode, or a ``-wal`` file sits beside it."""
    with path.open("rb") as handle:
        header = handle.read(20)
    return header[18:20] == bytes([WAL_MODE, WAL_MODE]) or Path(f"{path}-wal").exists()


def has_hot_journal(path: Path) -> bool:
    """True when a non-empty rollback ``-journal`` sits beside it (a write interrupted by a crash).

    A read-only connection cannot roll it back and refuses to read; a copy of
    both files can, in our own folder.
    """
    journal = Path(f"{path}-journal")
    return journal.exists() and journal.stat().st_size > 0


def _copy_bytes(source: Path, target: Path) -> None:
    """Copy a database and its ``-wal`` or ``-journal`` as they are; retry once if it changed meanwhile."""
    for _ in range(2):
        before = source.stat()
        shutil.copyfile(source, target)
        for suffix in COMPANIONS:
            companion = Path(f"{source}{suffix}")
            if companion.exists():
                shutil.copyfile(companion, Path(f"{target}{suffix}"))
        after = source.stat()
        if (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size):
            return
    raise ProjectError(f"{source}: is being changed while it is read; try again when it is closed")


def _copy_with_backup(source: Path, target: Path) -> None:
    """A consistent snapshot through SQLite's backup API, reading ``source`` read-only."""
    try:
        reader = connect(read_only_uri(source), uri=True, read_only=True)
        try:
            snapshot_from(reader, target)  # in steps, so Ctrl+C ends the copy of a large file
        finally:
            reader.close()
    except sqlite3.Error as exc:
        raise ProjectError(f"{source}: cannot be read ({exc})") from None


@dataclass
class ColleagueFile:
    """A local, private copy of someone else's project, opened for reading."""

    source: Path
    store: Store
    folder: Path

    @property
    def label(self) -> str:
        """A short name for the layer: the file name without its suffix."""
        return self.source.stem

    def close(self) -> None:
        """Close and delete the copy; the colleague's file was never touched."""
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ColleagueFile:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _copy_colleague(source: Path, target: Path) -> None:
    """Copy ``source`` (a real file, links resolved) to ``target`` without writing beside it."""
    with plain_access(source) as free:
        if free and (is_wal_database(source) or has_hot_journal(source)):
            _copy_bytes(source, target)
            return
    _copy_with_backup(source, target)


def _process_gone(pid: int) -> bool | None:
    """True when no process has this id, False when one has, None when this system cannot say."""
    if sys.platform == "win32":
        return None  # os.kill there ends the process instead of asking about it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # someone else's process
    except OSError:
        return None
    return False


def clean_stale_copies(*, now: float | None = None, temp_dir: Path | None = None) -> list[Path]:
    """Remove private copies that a killed review or merge left behind; returns the folders removed.

    Only folders of our own pattern and owner are touched: those whose
    process is gone, and those older than ``STALE_SECONDS`` whose process
    cannot be asked about (no id in the name, or a system that cannot say).
    A folder whose process still runs is left alone, however old.
    """
    now = time.time() if now is None else now
    base = Path(temp_dir) if temp_dir is not None else Path(tempfile.gettempdir())
    removed = []
    try:
        entries = list(base.glob(f"{COPY_PREFIX}*"))
    except OSError:
        return []
    for entry in entries:
        match = _COPY_FOLDER.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if not entry.is_dir() or entry.is_symlink():
            continue
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            continue
        pid = int(match.group(1)) if match.group(1) else None
        if pid == os.getpid():
            continue
        gone = _process_gone(pid) if pid is not None else None
        if gone is False or (gone is None and now - info.st_mtime < STALE_SECONDS):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
    return removed


def open_colleague(path: str | Path) -> ColleagueFile:
    """Copy a colleague's project into a temporary folder of ours and open the copy.

    A REFI-QDA project (``.qdpx``, from NVivo, ATLAS.ti, MAXQDA ...) is imported into a
    fresh private project in the same kind of folder instead; the file itself is only read.
    """
    given = Path(path)
    source = given.resolve()
    if not source.is_file():
        raise ProjectError(f"{given}: no such project file")
    if source.suffix.lower() == QDPX_SUFFIX:
        return _open_qdpx(given, source)
    check_compatible(source)
    clean_stale_copies()
    folder = Path(tempfile.mkdtemp(prefix=f"{COPY_PREFIX}{os.getpid()}-"))
    copy = folder / "colleague.annotator"
    store = None
    try:
        _copy_colleague(source, copy)
        check_colleague_schema(copy)  # before any table of theirs is read: a view could be endless
        store = Store.open(copy)
        check_colleague_copy(store)
    except BaseException as exc:
        if store is not None:
            store.close()
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, ProjectError):
            raise type(exc)(
                str(exc).replace(str(copy), str(given)).replace(str(source), str(given))
            ) from None
        raise
    return ColleagueFile(source=given, store=store, folder=folder)


QDPX_SUFFIX = ".qdpx"


def _open_qdpx(given: Path, source: Path) -> ColleagueFile:
    """A colleague's ``.qdpx`` converted into a private project: spans without a user in the file
    are credited to the file's name, the colleague's, never to us."""
    from annotator.importers import ImportOptions
    from annotator.importers.batch import import_file
    from annotator.importers.qdpx import import_qdpx
    from annotator.safety import MAX_UNCOMPRESSED_BYTES

    clean_stale_copies()
    folder = Path(tempfile.mkdtemp(prefix=f"{COPY_PREFIX}{os.getpid()}-"))
    store = None
    try:
        store = Store.create(folder / "colleague.annotator")
        options = ImportOptions(max_file_bytes=MAX_UNCOMPRESSED_BYTES)
        result = import_file(store, source, annotator=given.stem, options=options, importer=import_qdpx)
        if result.status == "failed":
            raise ProjectError(f"{given}: {result.message}")
        check_colleague_copy(store)
        note_findings(store, _qdpx_findings(result.part_failures, result.skipped_parts))
    except BaseException:
        if store is not None:
            store.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return ColleagueFile(source=given, store=store, folder=folder)


def _qdpx_findings(failures, skipped) -> list[Finding]:
    """The parts of a ``.qdpx`` its conversion could not take (selections, sources), as findings."""
    findings = []
    for parts, outcome in ((failures, "not read"), (skipped, "skipped")):
        if parts:
            where, why = parts[0]
            findings.append(Finding("part", len(parts), f"{where}: {why}", outcome))
    return findings
