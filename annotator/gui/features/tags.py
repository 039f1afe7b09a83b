"""Tags: the palette, and its requests (new, edit, recolour, reorder, merge, delete) as undoable ops."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QInputDialog

from annotator.gui import dialogs
from annotator.gui.features.base import Area, Dock, Feature
from annotator.gui.panels.tags import TagPalette
from annotator.model import DEFAULT_PALETTE, TagKind
from annotator.ops import AddTag, DeleteTag, MergeTags, OpChanges, ReorderTags, UpdateTag


class TagsFeature(Feature):
    """The Tags dock, the 1-9 keys' tags and the tag commands."""

    key = "tags"

    def __init__(self, window):
        super().__init__(window)
        self.palette = p = TagPalette(window)
        p.tagClicked.connect(self.tag_clicked)
        p.newTagRequested.connect(self.new_tag)
        p.editTagRequested.connect(self.edit_tag)
        p.recolorTagRequested.connect(self.recolor_tag)
        p.moveTagRequested.connect(self.move_tag)
        p.mergeTagRequested.connect(self.merge_tag)
        p.deleteTagRequested.connect(self.delete_tag)

    def docks(self) -> list[Dock]:
        return [Dock("tags", "Tags", self.palette, Area.RightDockWidgetArea, width=340, height=500)]

    def actions(self):
        return {"new_theme": self.on_new_theme, "new_speaker": self.on_new_speaker}

    def project_opened(self) -> None:
        self.reload()

    def reload(self) -> None:
        """The palette from the store: tags and how often each is used."""
        self.palette.set_tags(list(self.window.tags_by_id.values()), self.window.store.tag_usage())

    def on_changes(self, changes: OpChanges) -> None:
        if changes.everything or changes.tags:
            self.reload()  # the window has read the tags again (tags_by_id)
            return
        for annotation in changes.removed:
            self.palette.adjust_count(annotation.tag_id, -1)
        for annotation in changes.added:
            self.palette.adjust_count(annotation.tag_id, 1)
        for before, after in changes.updated:
            if before.tag_id != after.tag_id:
                self.palette.adjust_count(before.tag_id, -1)
                self.palette.adjust_count(after.tag_id, 1)

    # -- commands -------------------------------------------------------------------

    def tag_clicked(self, tag_id: str) -> None:
        """Clicking a tag applies it when text is selected."""
        if self.window.view.selected_range():
            self.window.annotating.apply_tag(tag_id)

    def _themes(self):
        return [t for t in self.palette.ordered if t.kind is TagKind.THEME]

    def new_tag(self, kind: str, parent_id: str | None = None) -> None:
        """Ask for a new tag's details and create it."""
        color = DEFAULT_PALETTE[len(self.window.tags_by_id) % len(DEFAULT_PALETTE)]
        dialog = dialogs.TagDialog(
            self.window, kind=kind, themes=self._themes(), parent_id=parent_id, color=color
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            v = dialog.values()
            self.window.run_op(
                AddTag(
                    kind=kind,
                    name=v["name"],
                    color=v["color"],
                    description_text=v["description"],
                    parent_id=v["parent_id"] if kind == TagKind.THEME.value else None,
                )
            )

    def on_new_theme(self) -> None:
        current = self.palette.current_tag_id()
        self.new_tag("theme", current if current in {t.id for t in self._themes()} else None)

    def on_new_speaker(self) -> None:
        self.new_tag("speaker")

    def edit_tag(self, tag_id: str) -> None:
        """Rename, move under another theme, describe, recolour."""
        tag = self.window.tags_by_id[tag_id]
        dialog = dialogs.TagDialog(self.window, kind=tag.kind.value, themes=self._themes(), tag=tag)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            v = dialog.values()
            parent = v["parent_id"] if tag.kind is TagKind.THEME else ...
            self.window.run_op(
                UpdateTag(
                    tag_id,
                    name=v["name"],
                    color=v["color"],
                    description_text=v["description"],
                    parent_id=parent,
                )
            )

    def recolor_tag(self, tag_id: str) -> None:
        color = dialogs.ask_color(self.window, self.window.tags_by_id[tag_id].color)
        if color:
            self.window.run_op(UpdateTag(tag_id, color=color))

    def move_tag(self, tag_id: str, direction: int) -> None:
        """Swap a tag with its previous or next sibling in the palette."""
        tags_by_id = self.window.tags_by_id
        tag = tags_by_id[tag_id]
        siblings = [t for t in self.palette.ordered if t.kind is tag.kind and t.parent_id == tag.parent_id]
        index = next(i for i, t in enumerate(siblings) if t.id == tag_id)
        other = index + direction
        if not 0 <= other < len(siblings):
            return
        order = [t.id for t in sorted(tags_by_id.values(), key=lambda t: (t.position, t.name))]
        a, b = order.index(tag_id), order.index(siblings[other].id)
        order[a], order[b] = order[b], order[a]
        self.window.run_op(ReorderTags(order))

    def merge_tag(self, tag_id: str) -> None:
        """Move one tag's annotations into another tag of the same kind."""
        tag = self.window.tags_by_id[tag_id]
        others = [t for t in self.palette.ordered if t.kind is tag.kind and t.id != tag_id]
        if not others:
            return
        names = [t.name for t in others]
        label = dialogs.plain_tooltip(
            f"Merge '{tag.name}' into:"
        )  # escaped: the label would render a name as HTML
        name, ok = QInputDialog.getItem(self.window, "Merge tags", label, names, 0, False)
        if ok:
            self.window.run_op(MergeTags(tag_id, others[names.index(name)].id))

    def delete_tag(self, tag_id: str) -> None:
        """Delete a tag; one in use only after asking (it can be undone)."""
        tag = self.window.tags_by_id[tag_id]
        count = self.palette.count(tag_id)
        if count and not dialogs.ask_yes_no(
            self.window,
            "Delete tag",
            f"Delete '{tag.name}' and its {count:,} annotation(s)?\nYou can undo this with Ctrl+Z.",
        ):
            return
        self.window.run_op(DeleteTag(tag_id))
