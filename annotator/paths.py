"""Is this output file the project? The one check every command that writes a file makes first.

A path is a poor name for a file: a symlink, a hard link, ``./`` or a
symlinked folder give the project other names, and an export or a shared
copy renamed over one of them would replace the researcher's work (or the
live ``-wal`` log SQLite needs) with JSONL. So files are compared by
identity, the device and inode ``os.stat`` reports after following links,
and, for names that do not exist yet, by their resolved path: the project's
``-wal``, ``-shm`` and ``-journal`` may appear at any moment, and a file
written there would be read by SQLite as its own.

``os.stat`` opens nothing, so checking the project's identity keeps the live
connection's locks (see ARCHITECTURE.md); nothing here reads a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from annotator.errors import InvalidInputError

#: Files SQLite keeps beside a database, named by appending these to its path.
SQLITE_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of the file ``path`` leads to, links followed; ``None`` if there is none."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):  # missing, a loop of links, no permission, a NUL in the name
        return None
    if info.st_ino == 0:  # some network file systems report no inode: identity is unknown
        return None
    return info.st_dev, info.st_ino


def _resolved(path: str | os.PathLike[str]) -> str:
    """``path`` made absolute with every symlink (also a dangling last one) followed, case-normalised."""
    return os.path.normcase(os.path.realpath(path))


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` are the same existing file (through symlinks and hard links)."""
    first = _identity(a)
    return first is not None and first == _identity(b)


def _project_names(project: Path) -> list[tuple[str, str]]:
    """(what it is, path) of the project and of each side file, as given and with links resolved."""
    names = []
    for base in dict.fromkeys((os.fspath(project), os.path.realpath(project))):
        names.append(("the project itself", base))
        names.extend((f"the project's {suffix} file", base + suffix) for suffix in SQLITE_SIDE_SUFFIXES)
    return names


def project_file_named(target: str | os.PathLike[str], project: str | os.PathLike[str] | None) -> str | None:
    """What of the project ``target`` would overwrite ("the project itself", its ``-wal`` ...), or ``None``."""
    if project is None:
        return None
    target_path = _resolved(target)
    for what, name in _project_names(Path(project)):
        if same_file(target, name) or target_path == _resolved(name):
            return what
    return None


def refuse_project_target(target: str | os.PathLike[str], project: str | os.PathLike[str] | None) -> None:
    """Raise ``InvalidInputError`` (one line) if writing ``target`` would replace the project or its side files."""
    what = project_file_named(target, project)
    if what is not None:
        raise InvalidInputError(f"{target}: is {what}; choose another output file")
