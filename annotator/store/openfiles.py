"""Which files this process has open through SQLite, and the one safe way to read any other.

SQLite's locks are POSIX advisory locks, and POSIX gives them to the process,
not to the descriptor: closing *any* descriptor of a file drops every lock the
process holds on it. A header read with ``open()``, or a byte copy of a
project that a connection in this process holds, would silently drop that
connection's locks; another program could then delete the live ``-wal`` log or
write under a merge (SQLite's "How To Corrupt An SQLite Database File", 2.2).
SQLite's own connections share their locks correctly (a second connection
opened and closed keeps the first one's locks), so the rule is: a file that a
connection of this process has open is only ever opened through SQLite again.

Every connection Annotator opens is registered here by the identity of its
file (device and inode, so symlinks and hard links count as the same file).
Plain reads of a database file (a colleague's project, a header check) go
through ``plain_access``, which holds the registry's lock and says whether the
file is free; while it is held no connection can be registered, so no
connection can start using the file between the check and the read.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Files SQLite keeps beside a database; opening one of them counts as opening the database.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")

_lock = threading.RLock()
#: (device, inode) of a database file -> the connections of this process that opened it.
_connections: dict[tuple[int, int], weakref.WeakSet[sqlite3.Connection]] = {}


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def database_of(path: str | os.PathLike[str]) -> str:
    """The database a path belongs to: itself, or the file a ``-wal``/``-shm``/``-journal`` serves."""
    name = os.fspath(path)
    for suffix in COMPANION_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _is_open(connection: sqlite3.Connection) -> bool:
    try:
        connection.total_changes  # noqa: B018 - raises once the connection is closed
    except sqlite3.ProgrammingError:
        return False
    return True


def register(connection: sqlite3.Connection) -> None:
    """Remember that ``connection`` has its main database file open (in-memory ones are ignored)."""
    row = sqlite3.Connection.execute(connection, "PRAGMA database_list").fetchone()
    filename = row[2] if row else ""
    if not filename:
        return
    key = _identity(filename)
    if key is None:
        return
    with _lock:
        _connections.setdefault(key, weakref.WeakSet()).add(connection)


#: Why a file is refused when a user names it for reading (to import, as a scheme or codebook).
HELD_HERE = "is a project file this program has open; choose another file"


def is_open_here(path: str | os.PathLike[str]) -> bool:
    """Whether a connection of this process has the database ``path`` (or its log) belongs to open.

    Links are followed first, so ``notes.txt`` linking to a project's ``-shm`` counts too.
    """
    key = _identity(database_of(os.path.realpath(path)))
    if key is None:
        return False
    with _lock:
        holders = _connections.get(key)
        if holders is None:
            return False
        if any(_is_open(connection) for connection in list(holders)):
            return True
        del _connections[key]
        return False


@contextmanager
def plain_access(path: str | os.PathLike[str]) -> Iterator[bool]:
    """Yield True when ``path`` may be read with plain file I/O now (no connection here has it open).

    The registry stays locked until the block ends, so no connection of this
    process can begin using the file while the block reads it. Keep the block
    short: opening a connection in another thread waits for it.
    """
    with _lock:
        yield not is_open_here(path)


def read_prefix(path: Path, size: int) -> bytes | None:
    """The first ``size`` bytes of ``path``, or None when a connection here has it open.

    None means: ask SQLite instead. Raises ``OSError`` as ``open()`` does.
    """
    with plain_access(path) as free:
        if not free:
            return None
        with path.open("rb") as handle:
            return handle.read(size)
