"""What a feature of the window is: its commands, its panel, and its reactions to changes.

A feature is a plain object composed by the main window (never a mixin of
it). The window builds each feature with itself as the one argument, places
the feature's docks, connects the feature's commands (``actions()``, keyed as
in ``annotator.gui.actions.ACTIONS``) and calls the hooks below. Everything
that changed reaches a feature through ``on_changes`` with an ``OpChanges``:
ops run, undone or redone, imports, merges and changes made by another
program all arrive that way, and a feature refreshes only what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from annotator.model import Annotation, Document
from annotator.ops import OpChanges

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow

Area = Qt.DockWidgetArea


@dataclass
class Dock:
    """A panel of a feature, and where the default layout puts it."""

    name: str  # object name: the saved layout finds the dock by it
    title: str
    widget: QWidget
    area: Qt.DockWidgetArea
    #: Tabbed behind the dock of this name (which stays in front).
    tab_with: str | None = None
    #: Split under the dock of this name.
    below: str | None = None
    width: int | None = None
    height: int | None = None
    #: Put in a scroll area (a tall panel in a short dock).
    scroll: bool = False


class Feature:
    """Base of the window's features: every hook does nothing unless overridden."""

    #: The window's attribute for the feature (``window.tags``) and its name in ``FEATURES``.
    key: str = ""

    def __init__(self, window: MainWindow):
        self.window = window

    def docks(self) -> list[Dock]:
        """The feature's panels."""
        return []

    def actions(self) -> dict[str, Callable[[], None]]:
        """Handlers of the feature's commands, by their key in ``ACTIONS``."""
        return {}

    def project_opened(self) -> None:
        """A project was opened (or reopened): show it from scratch."""

    def document_leaving(self) -> None:
        """Another document is about to be shown (or the project closed): store pending edits."""

    def document_shown(self, document: Document, annotations: list[Annotation]) -> None:
        """The view now shows ``document`` with these spans."""

    def on_changes(self, changes: OpChanges) -> None:
        """Something changed in the project: refresh what this feature shows of it."""

    def release(self) -> None:
        """The project is about to be closed or replaced: finish writing, close extra connections."""

    def shutdown(self) -> None:
        """The window is closing: stop background work (after ``release``)."""
