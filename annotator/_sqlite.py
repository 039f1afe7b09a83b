"""The project's connection to sqlite-utils, loaded only by the code that writes.

Importing sqlite-utils costs about 85 ms (it pulls in click, pluggy,
dateutil and its own large ``db`` module), most of the start-up time of a
command that only reads, such as ``annotator stats``. Reading code speaks
SQL through ``db.conn`` and never needs it, so ``Database`` here is a thin
wrapper around one ``sqlite3`` connection: opening, closing, transactions
and the migration bookkeeping are plain SQL, and everything else
(``execute``, ``executescript``, ``db[table]``, a migration step) is handed
to a sqlite-utils ``Database`` on the same connection, created on first use.
sqlite-utils stays the library behind every write and every migration.

sqlite-utils also imports pandas and numpy when they are installed (to
convert their types): another third of a second. Annotator never hands it
pandas or numpy values, so they are hidden while it loads and become
importable again right after.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple


@functools.cache
def _sqlite_utils_database_class() -> type:
    """sqlite-utils' ``Database`` with the project's transactions, imported on first call."""
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import pandas" raise ImportError
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]

    class SqliteUtilsDatabase(sqlite_utils.Database):
        """The sqlite-utils side of a ``Database``: its tables' writes start transactions the same way."""

        @contextlib.contextmanager
        def atomic(self) -> Iterator[SqliteUtilsDatabase]:
            if self.conn.in_transaction:
                with super().atomic():
                    yield self
                return
            with _immediate_transaction(self):
                yield self

    return SqliteUtilsDatabase


@contextlib.contextmanager
def _immediate_transaction(db: Any) -> Iterator[None]:
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise


class Database:
    """One SQLite connection; what only sqlite-utils does goes to a sqlite-utils ``Database`` on it.

    The outermost ``atomic()`` block is ``BEGIN IMMEDIATE``. A deferred
    transaction that reads first and writes later cannot wait for another
    process's write: in WAL mode SQLite fails it at once with "database is
    locked" (its snapshot is stale), whatever the busy timeout. Taking the
    write lock when the block starts makes it wait (up to the busy timeout)
    instead, so the window and the command line can work on one project
    together. Nested blocks are savepoints (sqlite-utils'). Readers are never
    blocked.

    As sqlite-utils does, the connection gets ``PRAGMA recursive_triggers``
    (a row replaced by ``INSERT OR REPLACE`` fires its delete triggers).
    sqlite-utils plugins are not loaded: Annotator uses none, and looking for
    them scans the entry points of every installed package.
    """

    def __init__(self, conn: sqlite3.Connection | None = None, *, memory: bool = False):
        if (conn is None) != memory:
            raise ValueError("pass either a connection or memory=True")
        self.conn = sqlite3.connect(":memory:") if conn is None else conn
        self.conn.execute("PRAGMA recursive_triggers=on;")
        self._sqlite_utils: Any = None

    @property
    def sqlite_utils(self) -> Any:
        """The sqlite-utils ``Database`` on this connection (importing sqlite-utils the first time)."""
        if self._sqlite_utils is None:
            self._sqlite_utils = _sqlite_utils_database_class()(self.conn, execute_plugins=False)
        return self._sqlite_utils

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("conn", "_sqlite_utils"):
            raise AttributeError(name)
        return getattr(self.sqlite_utils, name)

    def __getitem__(self, table_name: str) -> Any:
        return self.sqlite_utils[table_name]

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction (a savepoint inside another); rolled back if the block raises."""
        if self.conn.in_transaction:
            with self.sqlite_utils.atomic():
                yield self
            return
        with _immediate_transaction(self):
            yield self

    def rollback(self) -> None:
        """Roll back the open transaction, if any."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class Step(NamedTuple):
    """One named schema step."""

    name: str
    fn: Callable[[Database], None]
    transactional: bool = True


class Migrations:
    """Ordered, named schema steps, recorded and applied by sqlite-utils' ``Migrations``.

    Which steps a file has seen is read with plain SQL from sqlite-utils'
    ``_sqlite_migrations`` table, so opening an up-to-date project never
    imports sqlite-utils; ``apply`` hands the steps to sqlite-utils.
    """

    migrations_table = "_sqlite_migrations"

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[Step] = []

    def __call__(
        self, *, name: str | None = None, transactional: bool = True
    ) -> Callable[[Callable], Callable]:
        """Register the decorated function as the next step."""

        def register(fn: Callable) -> Callable:
            step_name = name or fn.__name__
            if any(step.name == step_name for step in self._migrations):
                raise ValueError(f"Migration '{step_name}' is already registered in set '{self.name}'")
            self._migrations.append(Step(step_name, fn, transactional))
            return fn

        return register

    def applied_names(self, db: Database) -> list[str]:
        """Names of the steps ``db`` has seen, in the order they ran (read-only)."""
        conn = db.conn
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [self.migrations_table]
        ).fetchone()
        if not exists:
            return []
        return [
            row[0]
            for row in conn.execute(
                f"SELECT name FROM [{self.migrations_table}] WHERE migration_set = ? ORDER BY rowid",
                [self.name],
            )
        ]

    def pending(self, db: Database) -> list[Step]:
        """The steps ``db`` still needs, in order (read-only)."""
        applied = set(self.applied_names(db))
        return [step for step in self._migrations if step.name not in applied]

    def apply(self, db: Database, *, stop_before: str | Iterable[str] | None = None) -> None:
        """Run the pending steps through sqlite-utils, each in its own transaction."""
        _sqlite_utils_database_class()  # sqlite-utils itself, loaded without pandas and numpy
        from sqlite_utils.migrations import Migrations as SqliteUtilsMigrations

        steps = SqliteUtilsMigrations(self.name)
        for step in self._migrations:
            steps(name=step.name, transactional=step.transactional)(step.fn)  # type: ignore[type-var]
        steps.apply(db, stop_before=stop_before)  # type: ignore[arg-type]  # ours hands sqlite-utils its own


__all__ = ["Database", "Migrations"]
