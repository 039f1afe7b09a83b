"""Putting a finished export in place without waiting for the file it replaces to be deleted.

Renaming over a large file deletes that file inside the rename: the file
system frees all its blocks (and, on an SSD mounted with ``discard``, trims
them) before the rename returns. For a 400 MB export that is about 0.3 s of
the export, spent after the work is done and the new file is safe on disk.
So the old file first gets a second name beside it (a hard link), the
rename then only drops one of its two names, and a thread deletes the
second one. The second name looks like an interrupted export's temporary
file (``.NAME.PID-RANDOM.partial``), so if the process dies before the
thread runs, the next export to that name removes it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

#: Files smaller than this are deleted in the rename, as they take no time to free.
DEFERRED_DELETE_BYTES = 32 << 20

_deletions: list[threading.Thread] = []


def _second_name(target: Path) -> str | None:
    """A hard link to ``target`` under a temporary name beside it, or ``None`` where that cannot be made."""
    try:
        if target.is_symlink() or not target.is_file() or target.stat().st_size < DEFERRED_DELETE_BYTES:
            return None
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".partial", dir=target.parent)
        os.close(fd)
        os.unlink(name)
        os.link(target, name)
    except OSError:  # no hard links here (FAT, some network shares): delete in the rename instead
        return None
    return name


def _delete(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


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
