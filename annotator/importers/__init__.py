"""Importers turn files into ``ImportedDocument`` values; a registry picks one by suffix.

An importer is a function ``(path, options) -> list[ImportedDocument]`` that
raises ``ImportFailure`` with a one-line reason when the file cannot be
read. Importers never touch the store; ``annotator.importers.batch`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.model import ImportedDocument

#: Files larger than this are refused with a message rather than read.
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ImportOptions:
    """Choices that apply to one import run."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    #: Treat "Name: words" lines of plain text as speaker turns.
    transcript: bool = False
    #: For CSV/TSV: the column holding the text, and the one holding the title.
    text_column: str | None = None
    title_column: str | None = None
    #: For JSONL: refuse the whole file if any line is bad.
    strict: bool = False


class PartialImport(list):
    """Documents from a file some of whose parts (lines, rows) could not be read, or were left out.

    ``failures`` holds (where, reason) pairs such as ("line 7", "missing text");
    the documents are stored and the failures reported. ``skipped`` holds the
    parts left out on purpose, such as ("line 3", "answer 'reject' (Prodigy)"):
    reported and counted, but not failures, since the file says to leave them.
    """

    def __init__(self, documents=()):
        super().__init__(documents)
        self.failures: list[tuple[str, str]] = []
        self.skipped: list[tuple[str, str]] = []


Importer = Callable[[Path, ImportOptions], list[ImportedDocument]]

_REGISTRY: dict[str, Importer] = {}


def register(*suffixes: str) -> Callable[[Importer], Importer]:
    """Register an importer for file suffixes such as ``.txt`` (lower case)."""

    def decorate(importer: Importer) -> Importer:
        for suffix in suffixes:
            _REGISTRY[suffix.lower()] = importer
        return importer

    return decorate


def _load_builtin_importers() -> None:
    # Imported for their @register side effect.
    from annotator.importers import (  # noqa: F401
        docx,
        html,
        jsonl,
        markdown,
        odt,
        pdf,
        qdpx,
        rtf,
        subtitles,
        tabular,
        text,
    )


def importer_for(path: Path) -> Importer | None:
    """The importer for a file's suffix, or None if the type is not supported."""
    _load_builtin_importers()
    return _REGISTRY.get(path.suffix.lower())


def supported_suffixes() -> list[str]:
    """Every suffix some importer handles, sorted."""
    _load_builtin_importers()
    return sorted(_REGISTRY)
