"""Finding files that ship with Annotator: the sample corpus, icons, styles.

An installed wheel carries them as ``annotator/_resources`` and
``annotator/_seeds``; a source checkout has them at the top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"none of {', '.join(map(str, candidates))} exists")


def resources_dir() -> Path:
    """Icons, styles and starter schemes."""
    return _first_existing(_PACKAGE_DIR / "_resources", _PACKAGE_DIR.parent / "resources")


def seeds_dir() -> Path:
    """The sample corpus and its starter tag scheme."""
    return _first_existing(_PACKAGE_DIR / "_seeds", _PACKAGE_DIR.parent / "seeds")


def seed_documents() -> list[Path]:
    """The sample documents, in name order."""
    return sorted(p for p in seeds_dir().iterdir() if p.suffix == ".txt")


def seed_scheme() -> Path:
    """The starter tag scheme that fits the sample corpus."""
    return seeds_dir() / "scheme.json"
