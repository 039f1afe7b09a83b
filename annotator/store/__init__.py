"""The project store: the only code that speaks SQL.

``Store`` is assembled from one mixin per table family (documents, tags,
annotations, search) so each file stays small; all of them share one
sqlite-utils ``Database`` held in ``self.db``. Callers get plain values
from ``annotator.model`` and never see a cursor.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType

from annotator import __version__
from annotator._sqlite import Database
from annotator.model import utc_now
from annotator.store.analysis import AnalysisMixin
from annotator.store.annotations import AnnotationsMixin
from annotator.store.connection import create_database, open_project
from annotator.store.documents import DocumentsMixin
from annotator.store.exchange import ExchangeMixin
from annotator.store.export import ExportMixin
from annotator.store.review import ReviewMixin
from annotator.store.search import SearchMixin
from annotator.store.tags import TagsMixin

__all__ = ["Store", "utc_now"]


class Store(
    DocumentsMixin,
    TagsMixin,
    AnnotationsMixin,
    SearchMixin,
    ExportMixin,
    ReviewMixin,
    AnalysisMixin,
    ExchangeMixin,
):
    """One open project file."""

    def __init__(self, db: Database, path: Path | None, *, read_only: bool = False):
        self.db = db
        self.path = path
        self.read_only = read_only
        self._text_lengths = {}

    # -- opening and closing ------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, *, name: str | None = None) -> Store:
        """Create a new, empty project file."""
        path = Path(path)

        def prepare(db: Database) -> None:
            building = cls(db, path)
            building.set_meta("name", name or path.stem)
            building.set_meta("created", utc_now())
            building.set_meta("created_by_version", __version__)

        return cls(create_database(path, prepare=prepare), path)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> Store:
        """Open an existing project; ``read_only`` never writes to the file."""
        path = Path(path)
        db, read_only_reason = open_project(path, read_only=read_only)
        store = cls(db, path, read_only=read_only or read_only_reason is not None)
        store.read_only_reason = read_only_reason
        return store

    @classmethod
    def open_or_create(cls, path: str | Path) -> tuple[Store, bool]:
        """Open ``path``, creating it first if missing; also says whether it was created."""
        path = Path(path)
        if path.exists():
            return cls.open(path), False
        return cls.create(path), True

    @classmethod
    def in_memory(cls) -> Store:
        """A throwaway project, for tests and previews."""
        from annotator import migrations

        db = Database(memory=True)
        migrations.apply_all(db)
        return cls(db, None)

    def close(self) -> None:
        """Close the file; a WAL project is checkpointed by SQLite on close."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- project metadata ---------------------------------------------------

    def get_meta(self, key: str, default: object = None) -> object:
        """A project-level setting, decoded from JSON."""
        row = self.db.conn.execute("SELECT value FROM project WHERE key = ?", [key]).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: object) -> None:
        """Store a project-level setting as JSON."""
        self._require_writable()
        self.db.execute(
            "INSERT INTO project(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, json.dumps(value, ensure_ascii=False)],
        )

    def schema_version(self) -> int:
        """The ``user_version`` of the open file."""
        return self.db.conn.execute("PRAGMA user_version").fetchone()[0]

    def data_version(self) -> int:
        """Changes whenever another connection commits (so the window knows to reload)."""
        return self.db.conn.execute("PRAGMA data_version").fetchone()[0]

    def integrity_ok(self) -> bool:
        """Whether SQLite's own ``integrity_check`` passes."""
        return self.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
