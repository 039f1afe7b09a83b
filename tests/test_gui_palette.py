"""The dark palette keeps every control visible: an unticked box must stand out from the window."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton

from annotator.gui.app import dark_palette

pytestmark = pytest.mark.gui


def _luma(color: QColor) -> float:
    return 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()


def test_fields_are_lighter_than_the_dark_window_behind_them():
    palette = dark_palette()
    window, base = palette.window().color(), palette.base().color()
    assert _luma(base) - _luma(window) >= 12  # Fusion fills check boxes and tick boxes with Base


def test_an_unticked_check_box_is_visible_in_the_dark_palette(qtbot):
    box = QCheckBox("unticked")
    box.setPalette(dark_palette())
    box.setAutoFillBackground(True)
    qtbot.addWidget(box)
    box.resize(box.sizeHint())
    image = box.grab().toImage()
    option = QStyleOptionButton()
    option.initFrom(box)
    indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    inside = image.pixelColor(indicator.center())
    window = dark_palette().window().color()
    assert _luma(inside) - _luma(window) >= 12
