"""Tag management from the palette: new, edit, recolour, reorder, merge, delete (all undoable)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QInputDialog

from annotator.gui.dialogs import TagDialog, ask_color, ask_yes_no, plain_tooltip
from annotator.model import DEFAULT_PALETTE, TagKind
from annotator.ops import AddTag, DeleteTag, MergeTags, ReorderTags, UpdateTag


class TagEditingMixin:
    """Turns the palette's requests into ops (needs the window's fields)."""

    def connect_palette(self) -> None:
        p = self.palette
        p.tagClicked.connect(self.tag_clicked)
        p.newTagRequested.connect(self.new_tag)
        p.editTagRequested.connect(self.edit_tag)
        p.recolorTagRequested.connect(self.recolor_tag)
        p.moveTagRequested.connect(self.move_tag)
        p.mergeTagRequested.connect(self.merge_tag)
        p.deleteTagRequested.connect(self.delete_tag)

    def tag_clicked(self, tag_id: str) -> None:
        """Clicking a tag applies it when text is selected."""
        if self.view.selected_range():
            self.apply_tag(tag_id)

    def _themes(self):
        return [t for t in self.palette.ordered if t.kind is TagKind.THEME]

    def new_tag(self, kind: str, parent_id: str | None = None) -> None:
        """Ask for a new tag's details and create it."""
        color = DEFAULT_PALETTE[len(self.tags_by_id) % len(DEFAULT_PALETTE)]
        dialog = TagDialog(self, kind=kind, themes=self._themes(), parent_id=parent_id, color=color)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            v = dialog.values()
            self.run_op(AddTag(kind=kind, name=v["name"], color=v["color"], description_text=v["description"],
                               parent_id=v["parent_id"] if kind == TagKind.THEME.value else None))

    def on_new_theme(self) -> None:
        self.new_tag("theme", self.palette.current_tag_id()
                     if self.palette.current_tag_id() in {t.id for t in self._themes()} else None)

    def on_new_speaker(self) -> None:
        self.new_tag("speaker")

    def edit_tag(self, tag_id: str) -> None:
        """Rename, move under another theme, describe, recolour."""
        tag = self.tags_by_id[tag_id]
        dialog = TagDialog(self, kind=tag.kind.value, themes=self._themes(), tag=tag)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            v = dialog.values()
            parent = v["parent_id"] if tag.kind is TagKind.THEME else ...
            self.run_op(UpdateTag(tag_id, name=v["name"], color=v["color"],
                                  description_text=v["description"], parent_id=parent))

    def recolor_tag(self, tag_id: str) -> None:
        color = ask_color(self, self.tags_by_id[tag_id].color)
        if color:
            self.run_op(UpdateTag(tag_id, color=color))

    def move_tag(self, tag_id: str, direction: int) -> None:
        """Swap a tag with its previous or next sibling in the palette."""
        tag = self.tags_by_id[tag_id]
        siblings = [t for t in self.palette.ordered if t.kind is tag.kind and t.parent_id == tag.parent_id]
        index = next(i for i, t in enumerate(siblings) if t.id == tag_id)
        other = index + direction
        if not 0 <= other < len(siblings):
            return
        order = [t.id for t in sorted(self.tags_by_id.values(), key=lambda t: (t.position, t.name))]
        a, b = order.index(tag_id), order.index(siblings[other].id)
        order[a], order[b] = order[b], order[a]
        self.run_op(ReorderTags(order))

    def merge_tag(self, tag_id: str) -> None:
        """Move one tag's annotations into another tag of the same kind."""
        tag = self.tags_by_id[tag_id]
        others = [t for t in self.palette.ordered if t.kind is tag.kind and t.id != tag_id]
        if not others:
            return
        names = [t.name for t in others]
        label = plain_tooltip(f"Merge '{tag.name}' into:")  # escaped: the label would render a name as HTML
        name, ok = QInputDialog.getItem(self, "Merge tags", label, names, 0, False)
        if ok:
            target = others[names.index(name)]
            self.run_op(MergeTags(tag_id, target.id))

    def delete_tag(self, tag_id: str) -> None:
        """Delete a tag; one in use only after asking (it can be undone)."""
        tag = self.tags_by_id[tag_id]
        count = self.palette.count(tag_id)
        if count:
            if not ask_yes_no(self, "Delete tag",
                              f"Delete '{tag.name}' and its {count:,} annotation(s)?\nYou can undo this with Ctrl+Z."):
                return
        self.run_op(DeleteTag(tag_id))
