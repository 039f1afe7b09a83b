"""PySide6 6.12.0 on CPython 3.11 loses a reference to None on every call of a Qt
method that returns nothing and aborts after ~5,000 calls ("none_dealloc").
We pin below 6.12; this test makes 20,000 such calls so a broken build fails here
instead of in a researcher's window."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("PySide6")

SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel()
before = sys.getrefcount(None)
for i in range(20_000):
    label.setText("x")          # returns None
    label.setToolTip("y")       # returns None
after = sys.getrefcount(None)
print("ok", before - after)
"""


def test_twenty_thousand_void_qt_calls_do_not_abort():
    # A subprocess, so a crash in Qt cannot take the test run with it.
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status, lost = result.stdout.split()
    assert status == "ok"
    # None is immortal in 3.12+; on 3.11 a leak would show as thousands of lost references.
    assert int(lost) < 1000


def test_installed_pyside6_is_not_the_broken_release():
    import PySide6

    assert not PySide6.__version__.startswith("6.12.0")
