"""Writing an export to disk while it is being made, so the closing sync has little left to wait for.

An export is only renamed over its target once its bytes are on disk. The
kernel keeps freshly written pages in memory until something forces them
out, so a 400 MB export used to spend a second in its final ``fsync``,
after all the work was done. ``synced_in_background`` wraps the output and,
every ``EVERY_BYTES`` written, asks a thread to sync what is there: the
thread waits on the disk (and releases the interpreter) while the export
goes on formatting the next documents.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import BinaryIO

#: How much is written between two background syncs.
EVERY_BYTES = 32 << 20

_datasync = getattr(os, "fdatasync", os.fsync)  # macOS and Windows have no fdatasync


class _Syncer:
    """The wrapped output: ``write`` as the file's, with a sync started every ``every`` bytes."""

    def __init__(self, handle: BinaryIO, every: int) -> None:
        self._handle = handle
        self._every = every
        self._unsynced = 0
        self._due = threading.Event()
        self._stopping = False
        self._requested = False
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._sync_when_due, name="export-sync", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> int:
        written = self._handle.write(data)
        self._unsynced += len(data)
        if self._unsynced >= self._every:
            self._unsynced = 0
            self._requested = True
            self._due.set()
        return written

    def _sync_when_due(self) -> None:
        """Run each requested sync (one for many requests if the disk is slow) until stopped."""
        while True:
            self._due.wait()
            self._due.clear()
            if self._requested:
                self._requested = False
                try:
                    _datasync(self._handle.fileno())
                except OSError as exc:  # reported by stop(): the export fails as if its own write had
                    self.error = exc
                    return
            if self._stopping:
                return

    def stop(self) -> None:
        """End the thread, waiting for a sync in progress; raise what a background sync met."""
        self._stopping = True
        self._due.set()
        self._thread.join()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def synced_in_background(handle: BinaryIO, every: int = EVERY_BYTES) -> Iterator[_Syncer]:
    """``handle`` with background syncs; on a clean exit, everything is flushed and ``fsync``-ed."""
    syncer = _Syncer(handle, every)
    try:
        yield syncer
    except BaseException:
        with contextlib.suppress(OSError):
            syncer.stop()
        raise
    syncer.stop()
    handle.flush()
    os.fsync(handle.fileno())
