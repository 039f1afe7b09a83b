"""sqlite-utils, imported without pandas and numpy, with write transactions that wait their turn.

sqlite-utils imports pandas and numpy at import time when they are installed
(to convert their types), which costs about a third of a second of start-up
whenever a data-science package happens to be in the same environment.
Annotator never hands it pandas or numpy values, so they are hidden while it
loads and become importable again right after.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator


def _import_sqlite_utils_without_dataframes() -> None:
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # makes "import pandas" raise ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


_import_sqlite_utils_without_dataframes()

from sqlite_utils import Database as _SqliteUtilsDatabase  # noqa: E402
from sqlite_utils.migrations import Migrations  # noqa: E402


class Database(_SqliteUtilsDatabase):
    """A sqlite-utils ``Database`` whose outermost ``atomic()`` block is ``BEGIN IMMEDIATE``.

    A deferred transaction that reads first and writes later cannot wait for
    another process's write: in WAL mode SQLite fails it at once with
    "database is locked" (its snapshot is stale), whatever the busy timeout.
    Taking the write lock when the block starts makes it wait (up to the busy
    timeout) instead, so the window and the command line can work on one
    project together. Nested blocks stay savepoints. Readers are never blocked.

    sqlite-utils plugins are not loaded: Annotator uses none, and looking for
    them scans the entry points of every installed package, 75 ms of each
    start of the app or the command line.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("execute_plugins", False)
        super().__init__(*args, **kwargs)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


__all__ = ["Database", "Migrations"]
