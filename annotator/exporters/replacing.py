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
import threading
from glob import escape as glob_escape
from pathlib import Path

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
