"""A single-file snapshot of a project, safe to e-mail or put on a network drive.

The live project runs in WAL mode, whose ``-wal`` and ``-shm`` files must stay
beside it and do not work over network file systems. ``VACUUM INTO`` writes
a consistent, compact copy; it is switched to the classic rollback journal
so it is one self-contained file, and renamed into place when complete.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from annotator.errors import InvalidInputError
from annotator.paths import refuse_project_target
from annotator.store import Store


def share_copy(store: Store, out: str | Path) -> Path:
    """Write a snapshot of ``store`` to ``out``, refusing the project itself by any name (a link, its ``-wal``)."""
    target = Path(out)
    refuse_project_target(target, store.path)
    if not target.parent.is_dir():
        raise InvalidInputError(f"{target.parent}: folder does not exist")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        store.snapshot_to(partial)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInputError(f"{target}: cannot be written ({exc})") from None
    return target
