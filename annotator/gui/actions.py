"""Every menu and toolbar command, declared once: text, shortcut, icon, and handler name.

The window builds its QActions from this table and connects each to the
method named ``on_<key>``, so shortcuts are listed in one place (and in
the README's table, which a test keeps in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle


@dataclass(frozen=True)
class ActionSpec:
    """One command of the window."""

    key: str
    text: str
    shortcuts: tuple[str, ...] = ()
    tip: str = ""
    icon: str = ""


ACTIONS = (
    ActionSpec("new_project", "&New Project…", ("Ctrl+N",), "Create an empty project file", "document-new"),
    ActionSpec("open_project", "&Open Project…", ("Ctrl+O",), "Open a project file", "document-open"),
    ActionSpec("import_files", "&Import Files…", ("Ctrl+I",), "Import documents (or drop files on the window)",
               "document-import"),
    ActionSpec("import_folder", "Import &Folder…", ("Ctrl+Shift+I",), "Import every supported file of a folder"),
    ActionSpec("import_transcript", "Import &Transcripts…", (),
               "Import plain-text transcripts ('Name: words' lines), tagging each turn with its speaker"),
    ActionSpec("backups", "&Backups…", (), "See this project's automatic backups and restore one"),
    ActionSpec("export", "&Export…", ("Ctrl+E",), "Export annotations as JSONL or CSV", "document-export"),
    ActionSpec("quit", "&Quit", ("Ctrl+Q",), "Close Annotator (everything is already saved)", "application-exit"),
    ActionSpec("undo", "&Undo", ("Ctrl+Z",), "Undo the last change", "edit-undo"),
    ActionSpec("redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the change just undone", "edit-redo"),
    ActionSpec("find", "&Find in Document…", ("Ctrl+F",), "Find text in this document", "edit-find"),
    ActionSpec("find_next", "Find &Next", ("F3",), "Next match"),
    ActionSpec("find_previous", "Find Pre&vious", ("Shift+F3",), "Previous match"),
    ActionSpec("search_corpus", "&Search Corpus…", ("Ctrl+Shift+F",), "Search every document", "system-search"),
    ActionSpec("delete_annotation", "&Delete Annotation", ("Del",), "Delete the selected annotation",
               "edit-delete"),
    ActionSpec("edit_note", "Edit &Note…", ("Ctrl+Return",), "Add or edit the note of the selected annotation"),
    ActionSpec("fit_to_selection", "Set Span to &Selection", ("Ctrl+B",),
               "Move the selected annotation's boundaries to the selected text"),
    ActionSpec("zoom_in", "Zoom &In", ("Ctrl+=", "Ctrl++"), "Larger text", "zoom-in"),
    ActionSpec("zoom_out", "Zoom &Out", ("Ctrl+-",), "Smaller text", "zoom-out"),
    ActionSpec("zoom_reset", "&Actual Size", ("Ctrl+0",), "Default text size", "zoom-original"),
    ActionSpec("new_theme", "New &Theme…", (), "Create a theme", "list-add"),
    ActionSpec("new_speaker", "New S&peaker…", (), "Create a speaker"),
    ActionSpec("next_document", "Next Document", ("Ctrl+PgDown",), "Open the next document"),
    ActionSpec("previous_document", "Previous Document", ("Ctrl+PgUp",), "Open the previous document"),
)


#: Qt's own icons for systems without an icon theme (Windows, macOS, bare X servers).
_SP = QStyle.StandardPixmap
FALLBACK_ICONS = {
    "document-new": _SP.SP_FileIcon, "document-open": _SP.SP_DirOpenIcon, "document-import": _SP.SP_ArrowDown,
    "document-export": _SP.SP_DialogSaveButton, "application-exit": _SP.SP_DialogCloseButton,
    "edit-undo": _SP.SP_ArrowBack, "edit-redo": _SP.SP_ArrowForward, "edit-find": _SP.SP_FileDialogContentsView,
    "system-search": _SP.SP_FileDialogDetailedView, "edit-delete": _SP.SP_TrashIcon,
}


def themed_icon(name: str) -> QIcon:
    """The desktop theme's icon ``name``, else the style's closest standard icon."""
    if QIcon.hasThemeIcon(name) or name not in FALLBACK_ICONS:
        return QIcon.fromTheme(name)
    return QApplication.style().standardIcon(FALLBACK_ICONS[name])


def build_actions(window) -> dict[str, QAction]:
    """Create the window's QActions and connect each to ``window.on_<key>``."""
    actions = {}
    for spec in ACTIONS:
        action = QAction(spec.text, window)
        if spec.shortcuts:
            action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
        tip = spec.tip + (f" ({spec.shortcuts[0]})" if spec.shortcuts else "")
        action.setToolTip(tip)
        action.setStatusTip(spec.tip)
        if spec.icon:
            action.setIcon(themed_icon(spec.icon))
        action.triggered.connect(getattr(window, f"on_{spec.key}"))
        window.addAction(action)
        actions[spec.key] = action
    return actions
