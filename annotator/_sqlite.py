"""sqlite-utils, imported without pandas and numpy.

sqlite-utils imports pandas and numpy at import time when they are installed
(to convert their types), which costs about a third of a second of start-up
whenever a data-science package happens to be in the same environment.
Annotator never hands it pandas or numpy values, so they are hidden while it
loads and become importable again right after.
"""

from __future__ import annotations

import sys


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

from sqlite_utils import Database  # noqa: E402
from sqlite_utils.migrations import Migrations  # noqa: E402

__all__ = ["Database", "Migrations"]
