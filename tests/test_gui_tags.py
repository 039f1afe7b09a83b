"""Tag management through the window: create, rename, recolour and nest, each stored, shown and undoable.

The tag dialog is real; only its blocking ``exec`` is replaced by a function
that fills its fields the way a user would and presses OK.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from annotator.gui.dialogs import TagDialog
from annotator.model import TagKind

pytestmark = pytest.mark.gui


def fill_tag_dialog(
    monkeypatch, *, name: str | None = None, parent_id: object = ..., description: str | None = None
):
    """Make the next TagDialog answer with these values (others left as the dialog shows them)."""

    def exec_(dialog: TagDialog) -> int:
        if name is not None:
            dialog.name.setText(name)
        if parent_id is not ...:
            index = dialog.parent_box.findData(parent_id)
            assert index >= 0, "the dialog does not offer that parent"
            dialog.parent_box.setCurrentIndex(index)
        if description is not None:
            dialog.description.setPlainText(description)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TagDialog, "exec", exec_)


def palette_parent(window, tag_id: str) -> str | None:
    """What the palette tree shows a tag under: a tag id, or the group ("group:theme")."""
    return window.tags.palette._items[tag_id].parent().data(0, Qt.ItemDataRole.UserRole)


def test_creating_a_theme_stores_and_shows_it_and_undo_removes_it(make_window, emoji_project, monkeypatch):
    window = make_window(emoji_project)
    count = len(window.tags.palette.ordered)
    fill_tag_dialog(monkeypatch, name="Water", description="Rivers, dams and irrigation.")
    window.tags.on_new_theme()
    tag = window.store.find_tag(TagKind.THEME, "Water")
    assert tag is not None and tag.description == "Rivers, dams and irrigation." and tag.parent_id is None
    assert len(window.tags.palette.ordered) == count + 1
    assert window.tags.palette._items[tag.id].text(0) == "Water"
    assert palette_parent(window, tag.id) == "group:theme"
    window.on_undo()
    assert window.store.find_tag(TagKind.THEME, "Water") is None and tag.id not in window.tags.palette._items


def test_renaming_a_tag_updates_palette_spans_and_table(make_window, emoji_project, qtbot, monkeypatch):
    window = make_window(emoji_project)
    window.view.select_range(0, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_4)
    tag = window.tags.palette.tag_for_key(4)
    fill_tag_dialog(monkeypatch, name="Renamed theme")
    window.tags.edit_tag(tag.id)
    assert window.store.tag(tag.id).name == "Renamed theme"
    assert window.tags.palette._items[tag.id].text(0) == "Renamed theme"
    assert window.view.own_spans()[0].label == "Renamed theme"
    assert window.annotations_panel.model.index(0, 2).data() == "Renamed theme"
    window.on_undo()
    assert window.store.tag(tag.id).name == tag.name and window.view.own_spans()[0].label == tag.name


def test_recolouring_a_tag_repaints_its_spans(make_window, emoji_project, qtbot, monkeypatch):
    window = make_window(emoji_project)
    window.view.select_range(0, 3)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    tag = window.tags.palette.tag_for_key(1)
    monkeypatch.setattr("annotator.gui.dialogs.ask_color", lambda parent, current: "#123456")
    window.tags.recolor_tag(tag.id)
    assert window.store.tag(tag.id).color == "#123456"
    assert window.view.own_spans()[0].color == "#123456"
    icon = window.tags.palette._items[tag.id].icon(0).pixmap(14, 14).toImage()
    assert icon.pixelColor(7, 7).name() == "#123456"
    window.on_undo()
    assert window.store.tag(tag.id).color == tag.color and window.view.own_spans()[0].color == tag.color


def test_nesting_a_theme_under_another_and_undoing_it(make_window, emoji_project, monkeypatch):
    window = make_window(emoji_project)
    parent = window.store.find_tag(TagKind.THEME, "Afghanistan")
    child = window.store.find_tag(TagKind.THEME, "Cooperation")
    assert child.parent_id is None
    fill_tag_dialog(monkeypatch, parent_id=parent.id)
    window.tags.edit_tag(child.id)
    assert window.store.tag(child.id).parent_id == parent.id
    assert palette_parent(window, child.id) == parent.id
    grandchild = window.store.find_tag(TagKind.THEME, "Economic and transport cooperation")
    assert palette_parent(window, grandchild.id) == child.id  # its own children come along
    window.on_undo()
    assert window.store.tag(child.id).parent_id is None
    assert palette_parent(window, child.id) == "group:theme"
    window.on_redo()
    assert palette_parent(window, child.id) == parent.id


def test_a_new_theme_inside_the_selected_one(make_window, emoji_project, monkeypatch):
    window = make_window(emoji_project)
    parent = window.store.find_tag(TagKind.THEME, "Afghanistan")
    window.tags.palette.tree.setCurrentItem(window.tags.palette._items[parent.id])
    fill_tag_dialog(monkeypatch, name="Kabul")
    window.tags.on_new_theme()
    kabul = window.store.find_tag(TagKind.THEME, "Kabul")
    assert kabul.parent_id == parent.id and palette_parent(window, kabul.id) == parent.id
