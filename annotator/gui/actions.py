"""Every menu and toolbar command, declared once: text, shortcut, icon, and handler name.

The window builds its QActions from this table and connects each to the
handler its feature gives for the key (``Feature.actions``); menus and the
toolbar are laid out from the ``menu``, ``section`` and ``toolbar`` fields,
so shortcuts are listed in one place (and in the README's table, which a
test keeps in step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QStyle


@dataclass(frozen=True)
class ActionSpec:
    """One command of the window, and where it is shown."""

    key: str
    text: str
    shortcuts: tuple[str, ...] = ()
    tip: str = ""
    icon: str = ""
    #: The menu it is in ("" for none); a separator comes between sections of a menu.
    menu: str = ""
    section: int = 0
    #: Its section on the toolbar (0: not on it).
    toolbar: int = 0


#: Menus in the order of the menu bar.
MENUS = ("&File", "&Edit", "&Annotate", "A&nalysis", "&View")

ACTIONS = (
    ActionSpec(
        "new_project",
        "&New Project…",
        ("Ctrl+N",),
        "Create an empty project file",
        "document-new",
        menu="&File",
    ),
    ActionSpec(
        "open_project",
        "&Open Project…",
        ("Ctrl+O",),
        "Open a project file",
        "document-open",
        menu="&File",
        toolbar=1,
    ),
    ActionSpec(
        "import_files",
        "&Import Files…",
        ("Ctrl+I",),
        "Import documents (or drop files on the window)",
        "document-import",
        menu="&File",
        section=1,
        toolbar=1,
    ),
    ActionSpec(
        "import_folder",
        "Import &Folder…",
        ("Ctrl+Shift+I",),
        "Import every supported file of a folder",
        menu="&File",
        section=1,
    ),
    ActionSpec(
        "import_transcript",
        "Import &Transcripts…",
        (),
        "Import plain-text transcripts ('Name: words' lines), tagging each turn with its speaker",
        menu="&File",
        section=1,
    ),
    ActionSpec(
        "export",
        "&Export…",
        ("Ctrl+E",),
        "Export annotations as JSONL or CSV",
        "document-export",
        menu="&File",
        section=1,
        toolbar=1,
    ),
    ActionSpec(
        "report",
        "&Report…",
        (),
        "Write a report of the coding (frequencies, matrices, passages) as a web page or Word document,"
        " with the Passages view's filters",
        menu="&File",
        section=1,
    ),
    ActionSpec(
        "backups",
        "&Backups…",
        (),
        "See this project's automatic backups and restore one",
        menu="&File",
        section=2,
    ),
    ActionSpec(
        "quit",
        "&Quit",
        ("Ctrl+Q",),
        "Close Annotator (everything is already saved)",
        "application-exit",
        menu="&File",
        section=3,
    ),
    ActionSpec("undo", "&Undo", ("Ctrl+Z",), "Undo the last change", "edit-undo", menu="&Edit", toolbar=2),
    ActionSpec(
        "redo",
        "&Redo",
        ("Ctrl+Shift+Z", "Ctrl+Y"),
        "Redo the change just undone",
        "edit-redo",
        menu="&Edit",
        toolbar=2,
    ),
    ActionSpec(
        "find",
        "&Find in Document…",
        ("Ctrl+F",),
        "Find text in this document",
        "edit-find",
        menu="&Edit",
        section=1,
        toolbar=3,
    ),
    ActionSpec("find_next", "Find &Next", ("F3",), "Next match", menu="&Edit", section=1),
    ActionSpec("find_previous", "Find Pre&vious", ("Shift+F3",), "Previous match", menu="&Edit", section=1),
    ActionSpec(
        "search_corpus",
        "&Search Corpus…",
        ("Ctrl+Shift+F",),
        "Search every document",
        "system-search",
        menu="&Edit",
        section=1,
        toolbar=3,
    ),
    ActionSpec(
        "delete_annotation",
        "&Delete Annotation",
        ("Del",),
        "Delete the selected annotation",
        "edit-delete",
        menu="&Annotate",
    ),
    ActionSpec(
        "edit_note",
        "Edit &Note…",
        ("Ctrl+Return",),
        "Add or edit the note of the selected annotation",
        menu="&Annotate",
    ),
    ActionSpec(
        "fit_to_selection",
        "Set Span to &Selection",
        ("Ctrl+B",),
        "Move the selected annotation's boundaries to the selected text",
        menu="&Annotate",
    ),
    ActionSpec("new_theme", "New &Theme…", (), "Create a theme", "list-add", menu="&Annotate", section=1),
    ActionSpec("new_speaker", "New S&peaker…", (), "Create a speaker", menu="&Annotate", section=1),
    ActionSpec(
        "passages",
        "&Passages",
        ("Ctrl+R",),
        "List the passages coded with chosen tags, with their context and filters",
        menu="A&nalysis",
    ),
    ActionSpec(
        "charts",
        "&Charts",
        (),
        "Tag frequencies as a bar chart, and code matrices as heat maps",
        menu="A&nalysis",
    ),
    ActionSpec("zoom_in", "Zoom &In", ("Ctrl+=", "Ctrl++"), "Larger text", "zoom-in", menu="&View"),
    ActionSpec("zoom_out", "Zoom &Out", ("Ctrl+-",), "Smaller text", "zoom-out", menu="&View"),
    ActionSpec("zoom_reset", "&Actual Size", ("Ctrl+0",), "Default text size", "zoom-original", menu="&View"),
    ActionSpec(
        "next_document", "Next Document", ("Ctrl+PgDown",), "Open the next document", menu="&View", section=1
    ),
    ActionSpec(
        "previous_document",
        "Previous Document",
        ("Ctrl+PgUp",),
        "Open the previous document",
        menu="&View",
        section=1,
    ),
)


#: Qt's own icons for systems without an icon theme (Windows, macOS, bare X servers).
_SP = QStyle.StandardPixmap
FALLBACK_ICONS = {
    "document-new": _SP.SP_FileIcon,
    "document-open": _SP.SP_DirOpenIcon,
    "document-import": _SP.SP_ArrowDown,
    "document-export": _SP.SP_DialogSaveButton,
    "application-exit": _SP.SP_DialogCloseButton,
    "edit-undo": _SP.SP_ArrowBack,
    "edit-redo": _SP.SP_ArrowForward,
    "edit-find": _SP.SP_FileDialogContentsView,
    "system-search": _SP.SP_FileDialogDetailedView,
    "edit-delete": _SP.SP_TrashIcon,
}


def themed_icon(name: str) -> QIcon:
    """The desktop theme's icon ``name``, else the style's closest standard icon."""
    if QIcon.hasThemeIcon(name) or name not in FALLBACK_ICONS:
        return QIcon.fromTheme(name)
    return QApplication.style().standardIcon(FALLBACK_ICONS[name])


def build_actions(window, handlers: dict[str, Callable[[], object]]) -> dict[str, QAction]:
    """Create the window's QActions, each connected to its handler (every command must have one)."""
    missing = sorted({spec.key for spec in ACTIONS} - set(handlers))
    if missing:
        raise ValueError(f"commands without a handler: {', '.join(missing)}")
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
        handler = handlers[spec.key]
        action.triggered.connect(lambda _checked=False, h=handler: h())
        window.addAction(action)
        actions[spec.key] = action
    return actions
