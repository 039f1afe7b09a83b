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


# -- the window, for GUI tests (fixtures and helpers shared by the tests/test_gui_* modules) ----------
# Qt is imported inside the fixtures, so the core's tests never load it.

EMOJI_TEXT = "👩‍🔬 found 🧪 in Zürich: the results were clear.\nSecond paragraph 😀 here."


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Build the real window on a project (default: the sample), shown and focused; closed at the end."""
    from PySide6.QtWidgets import QApplication

    from annotator.gui.app import create_window, make_application
    from annotator.settings import Settings

    make_application()
    Settings(annotator="tester").save()
    windows = []

    def make(project=None):
        window = create_window(str(project) if project else None, Settings.load())
        qtbot.addWidget(window)
        window.quiet_reports = True
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        window.view.setFocus()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.store.close()


@pytest.fixture
def emoji_project(tmp_path):
    """A project with one short document full of emoji, and the seed scheme's tags."""
    from annotator.model import ImportedDocument
    from annotator.scheme import load_scheme

    path = tmp_path / "emoji.annotator"
    with Store.create(path) as store:
        store.add_document(ImportedDocument(title="emoji", text=EMOJI_TEXT), annotator="x")
        store.import_scheme(load_scheme(SEEDS / "scheme.json"))
    return path


def stored_texts(window) -> list[tuple[str, str]]:
    """(covered text, tag name) of the current document's annotations, in text order."""
    text = window.current_document.text
    return [
        (text[a.start : a.end], window.store.tag(a.tag_id).name)
        for a in window.store.annotations_for_document(window.current_document.id)
    ]


def caret_point(view, offset: int):
    """Viewport point of the caret before code point ``offset`` (where a click puts the cursor)."""
    cursor = view.textCursor()
    cursor.setPosition(view._offsets.to_qt(offset))
    return view.cursorRect(cursor).center()


def drag(qtbot, view, start: int, end: int) -> None:
    """Press at one caret position, move with the button held, release at another."""
    from PySide6.QtCore import Qt

    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=caret_point(view, start))
    qtbot.mouseMove(viewport, caret_point(view, end))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=caret_point(view, end))
