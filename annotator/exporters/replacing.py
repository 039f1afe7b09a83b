"""The files an export keeps beside its target: its temporary file, and the file it replaces.

An export is written under a hidden temporary name, ``.NAME.PID-RANDOM.partial``,
and renamed over ``NAME`` when complete. The process id in the name lets
the next export to ``NAME`` remove what a killed one left without touching
a file another live export is still writing.

Renaming over a large file deletes that file inside the rename: the file
system frees all its blocks (and, on an SSD mounted with ``discard``, trims
them) before the rename returns. For a 400 MB export that is about 0.3 s of
the export, spent after the work is done and the new file is safe on disk.
So the old file first gets a second name beside it (a hard link, named like
a temporary file, so a killed process's leftover is removed the same way),
the rename then only drops one of its two names, and a thread deletes the
second one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator
from glob import escape as glob_escape
from pathlib import Path

from annotator.errors import InvalidInputError
from annotator.paths import refuse_project_target

PARTIAL_SUFFIX = ".partial"
#: Files smaller than this are deleted in the rename, as they take no time to free.
DEFERRED_DELETE_BYTES = 32 << 20

_deletions: list[threading.Thread] = []


def partial_prefix(target: Path) -> str:
    """The start of this process's temporary names beside ``target``: ``.NAME.PID-``."""
    return f".{target.name}.{os.getpid()}-"


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (POSIX); elsewhere assume it does."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(target: Path) -> list[Path]:
    """Delete temporary files beside ``target`` whose process died (a crash or a kill); return them."""
    removed = []
    for candidate in target.parent.glob(f".{glob_escape(target.name)}.*{PARTIAL_SUFFIX}"):
        pid_text = candidate.name[len(target.name) + 2 :].split("-", 1)[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _second_name(target: Path) -> Path | None:
    """A hard link to ``target`` under a temporary name beside it, or ``None`` where none is needed or possible."""
    try:
        if target.is_symlink() or not target.is_file() or target.stat().st_size < DEFERRED_DELETE_BYTES:
            return None
        name = target.with_name(f"{partial_prefix(target)}{secrets.token_hex(6)}{PARTIAL_SUFFIX}")
        os.link(target, name)
    except OSError:  # no hard links here (FAT, some network shares): delete in the rename instead
        return None
    return name


def _delete(name: Path) -> None:
    with contextlib.suppress(OSError):
        name.unlink()


def replace_with(temporary: str, target: Path) -> None:
    """Rename ``temporary`` over ``target`` atomically; a large file it replaces is deleted by a thread.

    The thread is not a daemon: a command-line export still ends only once
    the old file is gone, but a window gets its "done" without the wait.
    """
    old = _second_name(target)
    try:
        os.replace(temporary, target)
    finally:
        if old is not None:
            deletion = threading.Thread(target=_delete, args=(old,), name="export-delete-replaced")
            deletion.start()
            _deletions.append(deletion)


def wait_for_deletions() -> None:
    """Wait until every replaced export this process handed to a thread is deleted (tests, shutdown)."""
    while _deletions:
        _deletions.pop().join()


def sync_file(path: str | Path) -> None:
    """Flush a file written by name to disk before it is renamed into place."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_file_mode(target: Path) -> int:
    """The mode a plainly created file would get (mkstemp makes it private), or the replaced file's."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def writing_beside(
    target: Path, project: Path | None, *, error: Callable[[str], Exception] = InvalidInputError
) -> Iterator[tuple[int, Path]]:
    """A temporary file beside ``target``, as (open descriptor, path), renamed over ``target`` when the block ends well.

    Every file the program writes for the user (exports, passages, reports,
    charts) goes through here. Refused in one line: the project itself or its
    side files, a folder, a folder that does not exist. The block owns the
    descriptor (closes it) and flushes what it wrote; an ``OSError`` in it
    becomes ``error`` naming the target; on any failure the temporary file is
    removed, so nothing is half-written and the old file stays.
    """
    refuse_project_target(target, project)
    if target.is_dir():
        raise InvalidInputError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise InvalidInputError(f"{target.parent}: folder does not exist")
    remove_stale_partials(target)
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=partial_prefix(target), suffix=PARTIAL_SUFFIX, dir=target.parent
        )
    except OSError as exc:
        raise error(f"{target.parent}: cannot write here ({exc.strerror or exc})") from None
    try:
        os.chmod(temporary, new_file_mode(target))
        yield fd, Path(temporary)
        replace_with(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise error(f"{target}: cannot be written ({exc.strerror or exc}); nothing was changed") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
