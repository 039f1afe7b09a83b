"""Automatic rolling backups of project files, and restoring one.

Months of coding live in one file, so a consistent snapshot of it is taken
(SQLite's backup API, which copies a coherent state even while another
process writes) whenever a project is opened for writing and its newest
backup is older than ``BACKUP_INTERVAL``. Snapshots live in the user's data
folder, one folder per project (its name plus a short hash of its absolute
path, so two projects called alike never mix), named by UTC time. Backups
older than ``KEEP_DAYS`` are pruned, but the newest ``KEEP_AT_LEAST`` are
always kept. A merge's snapshot of the project as it was before the merge
changed it lives in the same folder (kind ``BEFORE_MERGE``, its name ending
in ``-before-merge``), listed and pruned with the others.

A backup stamped later than now (taken while the clock ran ahead) never
stops the next one: only stamps up to now count for the interval. A backup
that is due but cannot be taken (a full disk, a data folder out of reach)
raises ``BackupFailed``, which the command line and the window report as a
warning and then go on with the user's work. Restoring first backs up the current state, then replaces the
project atomically (write beside it, then rename).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator import settings
from annotator.errors import AnnotatorError, ProjectError
from annotator.store.connection import check_compatible
from annotator.store.files import (
    InUseError,
    file_counts,
    hold_exclusively,
    integrity_check_file,
    snapshot_file,
    snapshot_from,
)

BACKUP_SUFFIX = ".annotator"
BACKUP_INTERVAL = timedelta(hours=1)
KEEP_DAYS = 14
KEEP_AT_LEAST = 5
_STAMP = "%Y%m%dT%H%M%S%fZ"
#: What a backup was taken for: on opening for a change, or before a merge changed the project.
AUTOMATIC, BEFORE_MERGE = "automatic", "before merge"
_KIND_TAGS = {AUTOMATIC: "", BEFORE_MERGE: "-before-merge"}


class BackupFailed(ProjectError):
    """A backup that was due (or asked for) could not be taken; ``reason`` says why in a few words."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class BackupInfo:
    """One snapshot of a project: where it is, when it was taken, what it holds, why it was taken."""

    path: Path
    taken: datetime
    size: int
    kind: str = AUTOMATIC

    def counts(self) -> tuple[int, int] | None:
        """(documents, annotations) in the snapshot, or None when it cannot be read."""
        try:
            return file_counts(self.path)
        except sqlite3.Error:
            return None


def backup_folder(project: Path) -> Path:
    """The folder holding ``project``'s backups."""
    resolved = Path(project).resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:10]
    return settings.data_dir() / "backups" / f"{resolved.stem}-{digest}"


def _parse_name(name: str) -> tuple[datetime, str] | None:
    """(time taken, kind) of a backup file's name, or None for any other name."""
    if not name.endswith(BACKUP_SUFFIX):
        return None
    stem = name.removesuffix(BACKUP_SUFFIX)
    for kind, tag in _KIND_TAGS.items():
        if tag and not stem.endswith(tag):
            continue
        try:
            taken = datetime.strptime(stem.removesuffix(tag) if tag else stem, _STAMP)
        except ValueError:
            continue
        return taken.replace(tzinfo=UTC), kind
    return None


def _parse_stamp(name: str) -> datetime | None:
    parsed = _parse_name(name)
    return parsed[0] if parsed else None


def list_backups(project: Path) -> list[BackupInfo]:
    """Backups of ``project`` (automatic and before-merge ones), newest first."""
    folder = backup_folder(project)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        parsed = _parse_name(entry.name)
        if parsed is not None and entry.is_file():
            found.append(BackupInfo(entry, parsed[0], entry.stat().st_size, parsed[1]))
    return sorted(found, key=lambda b: b.taken, reverse=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        from annotator.safety import describe_os_error

        where = f"{exc.filename}: " if exc.filename is not None else ""
        return where + describe_os_error(exc)
    return str(exc)


def make_backup(project: Path, *, now: datetime | None = None, kind: str = AUTOMATIC) -> BackupInfo:
    """Take a snapshot of ``project`` now, then prune old ones; ``BackupFailed`` when it cannot be written."""
    project = Path(project)
    check_compatible(project)
    now = now or datetime.now(UTC)
    folder = backup_folder(project)
    try:
        target = folder / (now.strftime(_STAMP) + _KIND_TAGS[kind] + BACKUP_SUFFIX)
        while target.exists():  # two snapshots in one microsecond: the later one a microsecond on
            now += timedelta(microseconds=1)
            target = folder / (now.strftime(_STAMP) + _KIND_TAGS[kind] + BACKUP_SUFFIX)
        folder.mkdir(parents=True, exist_ok=True)
        snapshot_file(project, target)
    except (OSError, sqlite3.Error) as exc:
        reason = _reason(exc)
        raise BackupFailed(f"{project}: backup failed ({reason})", reason) from None
    try:
        prune_backups(project, now=now)
    except OSError:
        pass  # the snapshot is whole; an old one that cannot be deleted now is deleted next time
    return BackupInfo(target, now, target.stat().st_size, kind)


def prune_backups(project: Path, *, now: datetime | None = None) -> list[Path]:
    """Delete backups older than ``KEEP_DAYS``, keeping the newest ``KEEP_AT_LEAST``, and snapshots
    a killed process left half-written (``.part``, older than ``BACKUP_INTERVAL``); returns those deleted."""
    now = now or datetime.now(UTC)
    deleted = []
    for backup in list_backups(project)[KEEP_AT_LEAST:]:
        if now - backup.taken > timedelta(days=KEEP_DAYS):
            backup.path.unlink(missing_ok=True)
            deleted.append(backup.path)
    for partial in backup_folder(project).glob(f"*{BACKUP_SUFFIX}.part"):
        started = _parse_stamp(partial.name.removesuffix(".part"))
        if started is not None and now - started > BACKUP_INTERVAL:
            partial.unlink(missing_ok=True)
            deleted.append(partial)
    return deleted


def backup_due(project: Path, *, now: datetime | None = None) -> bool:
    """Whether ``project``'s newest backup taken up to ``now`` is ``BACKUP_INTERVAL`` old or more.

    A backup stamped after ``now`` (the clock ran ahead when it was taken)
    does not count: otherwise no backup would be taken until the clock
    caught up with it.
    """
    now = now or datetime.now(UTC)
    past = [b for b in list_backups(project) if b.taken <= now]
    return not past or now - past[0].taken >= BACKUP_INTERVAL


def maybe_backup(project: Path, *, now: datetime | None = None) -> BackupInfo | None:
    """Back up ``project`` if a backup is due (``backup_due``); None when none is due.

    Called when a project is opened for writing (the command line's write
    commands, and the window). A due backup that cannot be taken (a full
    disk, an unreachable data folder) raises ``BackupFailed`` and nothing
    else: the caller warns the user and goes on with the work.
    """
    project = Path(project)
    now = now or datetime.now(UTC)
    try:
        if not project.is_file():
            return None
        if not backup_due(project, now=now):
            return None
        return make_backup(project, now=now)
    except BackupFailed:
        raise
    except (AnnotatorError, OSError) as exc:  # an unreachable data folder, say
        reason = _reason(exc)
        raise BackupFailed(f"{project}: backup failed ({reason})", reason) from None


def _valid_project(candidate: Path) -> None:
    """Refuse a backup that is not ours or fails SQLite's full ``integrity_check`` (every index too)."""
    check_compatible(candidate)
    try:
        result = integrity_check_file(candidate)
    except sqlite3.Error as exc:
        raise ProjectError(f"{candidate}: not a valid project backup ({exc})") from None
    if result != "ok":
        raise ProjectError(f"{candidate}: damaged backup ({result}); choose another one")


def restore_backup(project: Path, backup: Path) -> BackupInfo | None:
    """Replace ``project`` by ``backup``, backing up the current state first.

    The backup must pass the full integrity check before anything changes.
    A project open anywhere (in this program or another) is refused: the
    other program would go on writing to the replaced file and lose those
    changes without a word. Otherwise the project is held exclusively from
    the snapshot of its current state until the backup has been renamed over
    it, so no other program can open it in between. Returns the snapshot of
    the state that was replaced (None when the project could not be read).
    """
    project, backup = Path(project), Path(backup)
    if not backup.is_file():
        raise ProjectError(f"{backup}: no such backup")
    _valid_project(backup)
    if not project.exists():
        _install(backup, project)
        return None
    try:
        with hold_exclusively(project) as held:
            saved = _save_current_state(project, held)
            _install(backup, project)
    except InUseError:
        raise ProjectError(
            f"{project}: is open (in this or another program); close it everywhere first, then restore"
        ) from None
    except sqlite3.Error as exc:
        raise ProjectError(f"{project}: restore failed ({exc}); the project was not changed") from None
    return saved


def _save_current_state(project: Path, held: sqlite3.Connection | None) -> BackupInfo | None:
    """Snapshot ``project`` through the connection that holds it (None when it cannot be read)."""
    if held is None:
        return None  # not a database at all: exactly what one restores over
    now = datetime.now(UTC)
    folder = backup_folder(project)
    target = folder / (now.strftime(_STAMP) + BACKUP_SUFFIX)
    while target.exists():
        now += timedelta(microseconds=1)
        target = folder / (now.strftime(_STAMP) + BACKUP_SUFFIX)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        snapshot_from(held, target)
    except sqlite3.OperationalError as exc:
        raise ProjectError(
            f"{project}: the current state could not be backed up ({exc}); the project was not changed"
        ) from None
    except OSError as exc:
        raise ProjectError(
            f"{project}: the current state could not be backed up ({_reason(exc)}); "
            "the project was not changed"
        ) from None
    except sqlite3.DatabaseError:
        return None  # too damaged to copy: exactly what one restores over
    return BackupInfo(target, now, target.stat().st_size)


def _install(backup: Path, project: Path) -> None:
    """Copy ``backup`` beside ``project`` and rename it over it in one step."""
    incoming = project.with_name(f".{project.name}.restoring")
    try:
        snapshot_file(backup, incoming)
        for suffix in ("-wal", "-shm"):
            Path(f"{project}{suffix}").unlink(missing_ok=True)
        os.replace(incoming, project)
    except (OSError, sqlite3.Error) as exc:
        incoming.unlink(missing_ok=True)
        raise ProjectError(f"{project}: restore failed ({exc}); the project was not changed") from None
