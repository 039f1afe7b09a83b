"""The window keeps SQLite's locks on its project while its dialogs and workers read the file.

Opening the export dialog and computing agreement each open the project a
second time; neither may drop the window's locks, or the next program to
close the project deletes the window's live ``-wal`` log (see
``tests/test_process_locks.py`` for the same rule without a window).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from review_helpers import make_pair

from annotator.gui.app import create_window, make_application
from annotator.gui.export_dialog import ExportDialog
from annotator.settings import Settings

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=60,
    )


@pytest.fixture
def window(qtbot, tmp_path):
    make_application()
    Settings(annotator="tester").save()
    ours, theirs = make_pair(tmp_path)
    window = create_window(str(ours), Settings.load())
    qtbot.addWidget(window)
    window.quiet_reports = True
    window.show()
    qtbot.waitExposed(window)
    window.colleague_file = theirs
    yield window
    window.review.panel.close_all()
    window.store.close()


def _tag_first_word(window, start: int) -> None:
    window.view.select_range(start, start + 3)
    window.annotating.apply_tag(window.tags.palette.tag_for_key(1).id)


def _stored_ranges(project: Path) -> set[tuple[int, int, str]]:
    listed = _cli("annotations", str(project), "--json")
    assert listed.returncode == 0, listed.stderr
    return {(row["start"], row["end"], row["annotator"]) for row in json.loads(listed.stdout)}


def test_export_dialog_and_agreement_leave_the_window_its_log(window, qtbot):
    project = window.store.path
    _tag_first_word(window, 0)
    ExportDialog(project, window).close()
    window.review.panel.add_layer(window.colleague_file)
    with qtbot.waitSignal(window.review.panel.agreementReady, timeout=20_000):
        window.review.panel.compute_agreement_in_background()
    window.review.panel._worker.wait()

    stats = _cli("stats", str(project))
    assert stats.returncode == 0, stats.stderr
    assert Path(f"{project}-wal").exists(), "another program deleted the window's live log"

    _tag_first_word(window, 8)
    assert (8, 11, "tester") in _stored_ranges(project), "the window's later write is invisible to others"
    assert _cli("check", str(project)).returncode == 0
