"""Packaging metadata is consistent and the icon renders."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET

from tests.conftest import REPO

APP_ID = "org.annotator.Annotator"
PACKAGING = REPO / "packaging"


def test_desktop_entry_has_the_required_keys():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / f"{APP_ID}.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"].split()[0] == "annotator"
    assert section["Icon"] == APP_ID
    assert section["Categories"].endswith(";")


def test_metainfo_names_the_desktop_entry_and_the_current_version():
    from annotator import __version__

    root = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    assert root.find("releases/release").get("version") == __version__


def test_icon_renders_and_both_copies_match():
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    assert app is not None
    svg = REPO / "resources" / "icons" / "annotator.svg"
    assert svg.read_bytes() == (PACKAGING / f"{APP_ID}.svg").read_bytes()
    renderer = QSvgRenderer(str(svg))
    assert renderer.isValid()
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    assert image.pixelColor(32, 4).alpha() == 255  # the rounded square is drawn
    assert image.pixelColor(0, 0).alpha() == 0  # corners stay transparent
