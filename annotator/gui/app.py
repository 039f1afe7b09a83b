"""Starting the window: the application object, the look, the annotator's name, the project."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from annotator import __version__
from annotator.errors import AnnotatorError
from annotator.resources import resources_dir
from annotator.sample import ensure_default_project
from annotator.settings import Settings, system_user_name


def dark_palette() -> QPalette:
    """A calm dark palette for Fusion, used when the system asks for dark.

    Fields and lists (Base) are lighter than the window behind them: Fusion
    draws a check box, a radio button and a list's tick box as Base with a
    border a shade darker than the window, so with a Base darker than the
    window an unticked box could not be seen at all.
    """
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1b1e23",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#282c34",
        QPalette.ColorRole.AlternateBase: "#2d323b",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2a2f36",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2a2f36",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8a9099",
        QPalette.ColorRole.Mid: "#8a9099",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    return palette


def apply_look(app: QApplication) -> None:
    """Fusion style, following the system's light or dark preference as it changes."""
    app.setStyle("Fusion")
    hints = QGuiApplication.styleHints()

    def follow(scheme) -> None:
        app.setPalette(dark_palette() if scheme == Qt.ColorScheme.Dark else app.style().standardPalette())

    follow(hints.colorScheme())
    if not app.property("annotator-follows-scheme"):  # connected once, however often this runs
        app.setProperty("annotator-follows-scheme", True)
        hints.colorSchemeChanged.connect(follow)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named and iconed."""
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Annotator")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Annotator")
    app.setDesktopFileName("org.annotator.Annotator")
    icon = resources_dir() / "icons" / "annotator.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_look(app)
    return app


def annotator_name(settings: Settings, parent=None) -> str:
    """The name for new annotations; asked for (and remembered) on first start."""
    if settings.annotator:
        return settings.annotator
    from annotator.gui.dialogs import ask_annotator_name

    name = ask_annotator_name(parent, system_user_name()) or system_user_name()
    settings.annotator = name
    settings.save()
    return name


def create_window(project: str | None, settings: Settings):
    """Open the project (or the default sample project) in a new main window."""
    from annotator.gui.main_window import MainWindow, open_store_for_window

    path = Path(project) if project else ensure_default_project()
    store = open_store_for_window(path)
    settings.remember_project(path)
    settings.save()
    return MainWindow(store, settings, annotator=annotator_name(settings))


def run(project: str | None = None) -> int:
    """Show the main window until it is closed; the exit status."""
    app = make_application()
    settings = Settings.load()
    try:
        window = create_window(project, settings)
    except AnnotatorError as exc:
        QMessageBox.critical(None, "Annotator", str(exc))
        print(f"annotator: error: {exc}", file=sys.stderr)
        return 1
    window.show()
    return app.exec()


def main() -> int:
    """Entry point of the ``annotator-gui`` script."""
    return run(sys.argv[1] if len(sys.argv) > 1 else None)
