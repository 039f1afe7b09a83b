"""Shared fixtures: every test runs with its own settings and data folders."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import annotator  # noqa: E402
from annotator.cli import main  # noqa: E402
from annotator.store import Store, openfiles  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
DATA = Path(__file__).resolve().parent / "data"


PACKAGE_DIR = os.path.dirname(os.path.abspath(annotator.__file__)) + os.sep
#: Plain opens, by Annotator's own code, of a file a connection of this process holds.
LIVE_FILE_OPENS: list[str] = []


def _first_caller_in_package() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(PACKAGE_DIR):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return None


def _audit_live_file_opens(event: str, args: tuple) -> None:
    """Record any ``open()``/``os.open()`` by the package of a database this process has open.

    Closing such a descriptor drops the live connection's POSIX locks (see
    ``annotator.store.openfiles``); the rule holds in every test of the suite.
    """
    if event != "open" or isinstance(args[0], int):
        return
    try:
        name = os.fsdecode(args[0])
    except (TypeError, ValueError):
        return
    if not openfiles.is_open_here(name):
        return
    caller = _first_caller_in_package()
    if caller is not None:
        LIVE_FILE_OPENS.append(f"{name} opened by {caller}")


sys.addaudithook(_audit_live_file_opens)


@pytest.fixture(autouse=True)
def no_plain_opens_of_live_projects():
    """Fail any test during which the package opened a live project file without SQLite."""
    LIVE_FILE_OPENS.clear()
    yield
    found, LIVE_FILE_OPENS[:] = list(LIVE_FILE_OPENS), []
    assert not found, "plain file I/O on a file a connection holds drops its locks: " + "; ".join(found)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point settings and the default project at fresh folders."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("ANNOTATOR_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(base / "data"))
    return base


@pytest.fixture
def project_path(tmp_path) -> Path:
    """Where a test's project file goes (not created)."""
    return tmp_path / "test.annotator"


@pytest.fixture
def store(project_path) -> Store:
    """A new empty project on disk."""
    s = Store.create(project_path)
    yield s
    s.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys) -> Callable[..., CliResult]:
    """Run the command line in-process; returns exit code, stdout and stderr."""

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
