"""What every part of the store shares: the database and the write guard."""

from __future__ import annotations

from pathlib import Path

from annotator._sqlite import Database
from annotator.errors import ReadOnlyProjectError


class StoreBase:
    """Holds the open database; the table mixins build on it."""

    db: Database
    path: Path | None
    read_only: bool
    #: Why a project we were asked to open for writing is read-only (a notice for the window).
    read_only_reason: str | None = None
    #: Document id -> length of its text. Texts never change and ids are never reused, so a
    #: length counted once holds for as long as the file is open, whoever else writes to it.
    _text_lengths: dict[str, int]

    def check_writable(self) -> None:
        """Refuse, before any change begins, to change a project opened read-only."""
        self._require_writable()

    def _require_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyProjectError(
                f"{self.path}: {self.read_only_reason or 'opened read-only'}; nothing was changed"
            )
