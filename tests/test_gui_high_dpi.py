"""High-DPI: tag swatches and span underlines are drawn for the screen's real device pixel ratio.

Swatches used to be pixmaps made at a fixed ratio of 2, scaled (blurred) on
any other screen. The scale factor of a Qt process is fixed at start, so the
checks at 125 %, 150 % and 175 % run in a child process with ``QT_SCALE_FACTOR``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QSize

from annotator.gui.panels.tags import TagPalette, swatch
from annotator.model import Tag, TagKind
from tests.conftest import REPO

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("ratio", [1.0, 1.25, 1.5, 2.0, 3.0])
def test_a_swatch_is_drawn_at_the_ratio_asked_for(qtbot, ratio):
    pixmap = swatch("#ff0000").pixmap(QSize(14, 14), ratio)
    assert pixmap.devicePixelRatio() == ratio
    assert pixmap.width() == math.ceil(14 * ratio)  # device pixels, not an upscaled 28 px image
    image = pixmap.toImage()
    middle = pixmap.width() // 2
    assert image.pixelColor(middle, middle).name() == "#ff0000"
    assert image.pixelColor(0, 0).alpha() == 0  # rounded, transparent corner


def test_palette_swatches_match_the_screen(qtbot):
    palette = TagPalette()
    qtbot.addWidget(palette)
    tag = Tag(id="t", kind=TagKind.THEME, name="Theme", color="#00aa00")
    palette.set_tags([tag], {})
    palette.show()
    qtbot.waitExposed(palette)
    ratio = palette.tree.devicePixelRatioF()
    assert ratio == palette.screen().devicePixelRatio()
    pixmap = palette._items["t"].icon(0).pixmap(palette.tree.iconSize(), ratio)
    assert pixmap.devicePixelRatio() == ratio
    assert pixmap.width() == math.ceil(palette.tree.iconSize().width() * ratio)


CHILD = r"""
import json, math, sys
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication
from annotator.gui.document_view import LANE_HEIGHT, DocumentView, ViewSpan
from annotator.gui.panels.tags import TagPalette
from annotator.model import Tag, TagKind

app = QApplication([])
palette = TagPalette()
palette.set_tags([Tag(id="t", kind=TagKind.THEME, name="Theme", color="#00aa00")], {})
palette.show()
ratio = palette.tree.devicePixelRatioF()
icon = palette._items["t"].icon(0).pixmap(palette.tree.iconSize(), ratio)

view = DocumentView()
view.resize(360, 300)
text = "Filler words that wrap across several lines of the narrow view, " * 4
span = ViewSpan("s", 0, len(text) - 1, "#ff0000", "Red")
view.set_document(text, [span])
view.show()
app.processEvents()
view.repaint()
rects = view.span_rectangles(span)
image = view.viewport().grab().toImage()
thickness = []
for rect in rects[:3]:
    x = round(rect.center().x() * ratio)
    rows = [y for y in range(math.ceil(rect.top() * ratio), math.ceil(rect.bottom() * ratio))  # this line's rows
            if 0 <= y < image.height() and image.pixelColor(x, y).name() == "#ff0000"]
    thickness.append(len(rows))
print(json.dumps({"ratio": ratio, "image_ratio": image.devicePixelRatio(), "icon": [icon.width(), icon.height()],
                  "icon_ratio": icon.devicePixelRatio(), "lines": len(rects), "thickness": thickness,
                  "lane": LANE_HEIGHT - 1}))
"""


@pytest.mark.parametrize("scale", ["1.25", "1.5", "1.75"])
def test_fractional_screen_scale_gives_sharp_swatches_and_even_underlines(scale):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    ratio = float(scale)
    assert measured["ratio"] == measured["image_ratio"] == measured["icon_ratio"] == ratio
    assert measured["icon"] == [math.ceil(14 * ratio)] * 2
    assert measured["lines"] >= 3
    # every line's underline is the same whole number of device pixels: snapped, not smeared
    assert measured["thickness"] == [max(1, round(measured["lane"] * ratio))] * 3
