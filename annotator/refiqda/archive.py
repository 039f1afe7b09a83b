"""Opening a ``.qdpx`` safely, and finding its project file and sources whatever the vendor named them.

A ``.qdpx`` is a ZIP from another program, so it gets the checks every
archive import gets (``annotator.safety``): entry count, total size
and compression ratio from the central directory before anything is
unpacked, and no entry named outside the archive. Vendors differ in naming:
the project file is ``project.qde``, ``Project.qde`` or ``<ProjectName>.qde``
(ATLAS.ti); the sources folder ``sources/`` or ``Sources/`` (NVivo, ATLAS.ti 8);
a path may lack ``internal://`` (older QualCoder) or be percent-encoded. ``relative://`` and
``absolute://`` paths point outside the archive: they are never followed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from annotator.errors import ImportFailure
from annotator.safety import open_checked_zip, read_part

WHAT = ".qdpx archive"
#: Schemes of source paths that name a file outside the archive: never read.
OUTSIDE_SCHEMES = ("relative://", "absolute://", "file://", "http://", "https://")
INTERNAL = "internal://"


class OutsideArchive(Exception):
    """A source path that points outside the archive; the message is the one-line reason."""


@dataclass
class QdpxArchive:
    """An open, checked ``.qdpx``: the project file's name and a case-insensitive index of members."""

    zip: zipfile.ZipFile
    project_member: str
    _by_lower: dict[str, zipfile.ZipInfo]

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> QdpxArchive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def size(self, member: str) -> int:
        """The unpacked size of a member, from the central directory."""
        return self.zip.getinfo(member).file_size

    def read(self, member: str) -> bytes:
        """A member's bytes (sizes were checked on opening); a damaged member fails in one line."""
        data = read_part(self.zip, member, what=WHAT)
        if data is None:
            raise ImportFailure(f"{WHAT} has no part '{member}'")
        return data

    def source_member(self, path: str) -> str:
        """The member holding a source's file named by ``path`` in ``project.qde``.

        Raises ``OutsideArchive`` for a path outside the archive and
        ``KeyError`` for one the archive lacks.
        """
        value = path.strip()
        lowered = value.lower()
        if lowered.startswith(OUTSIDE_SCHEMES) or "://" in value and not lowered.startswith(INTERNAL):
            raise OutsideArchive(f"its file is outside the archive ({value}); not read")
        name = value[len(INTERNAL) :] if lowered.startswith(INTERNAL) else value
        name = name.replace("\\", "/").lstrip("/")
        parts = PurePosixPath(name).parts
        if ".." in parts or ":" in name:
            raise OutsideArchive(f"its path '{value}' points outside the archive; not read")
        names = (name, unquote(name)) if "%" in name else (name,)
        for candidate in [f"sources/{n}" for n in names] + list(names):
            found = self._by_lower.get(candidate.lower())
            if found is not None:
                return found.filename
        raise KeyError(name)


def _project_member(entries: list[zipfile.ZipInfo]) -> str:
    """The project file: ``project.qde`` in any case, else the one ``.qde`` (top level first)."""
    files = [e.filename for e in entries if not e.is_dir() and e.filename.lower().endswith(".qde")]
    for name in files:
        if name.lower() == "project.qde":
            return name
    top = [name for name in files if "/" not in name.strip("/")]
    for group in (top, files):
        if len(group) == 1:
            return group[0]
        if len(group) > 1:
            listed = ", ".join(sorted(group)[:3])
            raise ImportFailure(
                f"{WHAT} holds several project files ({listed}); which one is meant is unclear"
            )
    raise ImportFailure(f"not a REFI-QDA project: the {WHAT} holds no project.qde")


def open_qdpx(path: Path) -> QdpxArchive:
    """Open and check a ``.qdpx`` (sizes, ratios, names); the caller closes it."""
    archive = open_checked_zip(path, what=WHAT)
    try:
        entries = archive.infolist()
        member = _project_member(entries)
    except ImportFailure:
        archive.close()
        raise
    index = {entry.filename.replace("\\", "/").lower(): entry for entry in entries if not entry.is_dir()}
    return QdpxArchive(archive, member, index)
