"""The Passages view's query controls: tags (any / all / not, sub-themes) and the filters around them.

The controls only build a ``PassageQuery`` (``QueryControls.query``) and show
one (``set_query``); the Passages view runs it. Lists that may be long (10,000
documents) are models over plain Python lists, so they fill at once and a
query reads its ticks from a set, never back through Qt item by item.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QToolBox,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from annotator.analysis.query import Combine, PassageQuery
from annotator.gui.dialogs import plain_tooltip
from annotator.gui.panels.tags import swatch
from annotator.model import DocumentStatus, DocumentSummary, Tag, TagKind
from annotator.palette import palette_order

#: The "Match" choices: how ticked tags combine (``PARAGRAPH``: all of them, by paragraph).
ANY, ALL, PARAGRAPH = "any", "all", "paragraph"
STATUS_NAMES = {
    DocumentStatus.TODO: "To do",
    DocumentStatus.IN_PROGRESS: "In progress",
    DocumentStatus.DONE: "Done",
}


class CheckListModel(QAbstractListModel):
    """Entries (text, value, tooltip) with a tick each, kept in Python: 10,000 documents list at once.

    A ``QListWidget`` made an item per entry (0.6 s for 10,000) and read every tick back
    through Qt to build a query; here the ticks are a set and Qt asks only for the rows it shows.
    """

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[tuple[str, object, str]] = []
        self.ticked: set = set()

    def reset(self, entries: list[tuple[str, object, str]], ticked: set) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        values = {value for _, value, _ in self.entries}
        self.ticked = {value for value in ticked if value in values}
        self.endResetModel()

    def set_ticked(self, values: set) -> None:
        present = {value for _, value, _ in self.entries}
        self.ticked = {value for value in values if value in present}
        if self.entries:
            self.dataChanged.emit(
                self.index(0), self.index(len(self.entries) - 1), [Qt.ItemDataRole.CheckStateRole]
            )

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        text, value, tip = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if value in self.ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(tip or text)
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802 - Qt's name
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        entry = self.entries[index.row()][1]
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.ticked.add(entry)
        else:
            self.ticked.discard(entry)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.changed.emit()
        return True


class CheckList(QWidget):
    """A list of ticks, optionally with a filter box (for long lists such as documents)."""

    changed = Signal()

    def __init__(self, *, filterable: bool = False, parent=None):
        super().__init__(parent)
        #: Until its entries are first set (read in the background), ticks asked for are kept here.
        self.loaded = False
        self.pending: tuple = ()
        self.model = CheckListModel(self)
        self.model.changed.connect(self.changed)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView(self)
        self.list.setModel(self.proxy)
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter: QLineEdit | None = None
        if filterable:
            self.filter = QLineEdit(self)
            self.filter.setPlaceholderText("Filter…")
            self.filter.setClearButtonEnabled(True)
            self.filter.textChanged.connect(self.proxy.setFilterFixedString)
            layout.addWidget(self.filter)
        layout.addWidget(self.list)

    def set_items(self, items: list[tuple[str, object, str]], checked: set) -> None:
        """Replace the entries ((text, value, tooltip)); those whose value is in ``checked`` stay ticked."""
        checked = set(checked) | set(self.pending)
        self.loaded, self.pending = True, ()
        self.model.reset(items, checked)

    def texts(self) -> list[str]:
        """The entries' texts, in list order."""
        return [text for text, _, _ in self.model.entries]

    def checked(self) -> tuple:
        """Values of the ticked entries, in list order."""
        if not self.loaded:
            return self.pending
        ticked = self.model.ticked
        return tuple(value for _, value, _ in self.model.entries if value in ticked) if ticked else ()

    def set_checked(self, values: set) -> None:
        if not self.loaded:
            self.pending = tuple(sorted(values))
            return
        self.model.set_ticked(set(values))

    def unload(self) -> None:
        """Another project: no entries until they are read."""
        self.model.reset([], set())
        self.loaded, self.pending = False, ()


TAG_COLUMN, NOT_COLUMN = 0, 1


class QueryControls(QWidget):
    """The query: tags to retrieve (any or all of them, but not these), and the filters around them."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tags: dict[str, Tag] = {}
        self._shown = PassageQuery()
        #: Names of a first span seen since the annotators' names were asked for.
        self._new_annotators: set[str] = set()
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Coded with", "Not"])
        self.tree.setIconSize(QSize(14, 14))
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TAG_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NOT_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.headerItem().setToolTip(
            NOT_COLUMN, "Leave out passages that overlap a span of a tag ticked here"
        )
        self.tree.itemChanged.connect(self._tag_ticked)
        self.combine = QComboBox(self)
        self.combine.addItem("Any ticked tag", ANY)
        self.combine.addItem("All ticked tags (their overlap)", ALL)
        self.combine.addItem("All ticked tags in one paragraph", PARAGRAPH)
        self.combine.setToolTip(
            "Any: every span of any ticked tag is a passage. All: the text coded with every ticked tag at once."
            " In one paragraph: the paragraphs (lines) where every ticked tag is coded."
        )
        self.combine.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.subthemes = QCheckBox("Include sub-themes", self)
        self.subthemes.setChecked(True)
        self.subthemes.setToolTip("A theme stands for itself and every theme inside it")
        self.subthemes.toggled.connect(lambda _on: self.changed.emit())
        self.speakers = CheckList(parent=self)
        self.annotators = CheckList(parent=self)
        self.documents = CheckList(filterable=True, parent=self)
        self.statuses = CheckList(parent=self)
        self.statuses.set_items([(name, status, "") for status, name in STATUS_NAMES.items()], set())
        self.filters = QToolBox(self)
        self._filter_lists = (
            ("Speakers", self.speakers),
            ("Annotators", self.annotators),
            ("Documents", self.documents),
            ("Status", self.statuses),
        )
        for title, widget in self._filter_lists:
            self.filters.addItem(widget, title)
            widget.changed.connect(self._filters_changed)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setToolTip("Untick every tag and filter")
        self.clear_button.clicked.connect(lambda: self.set_query(PassageQuery(), emit=True))
        combine_row = QHBoxLayout()
        combine_row.addWidget(QLabel("Match:", self))
        combine_row.addWidget(self.combine, 1)
        options = QHBoxLayout()
        options.addWidget(self.subthemes, 1)
        options.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree, 3)
        layout.addLayout(combine_row)
        layout.addLayout(options)
        filters_title = QLabel("Only passages in (nothing ticked: all):", self)
        layout.addWidget(filters_title)
        layout.addWidget(self.filters, 2)

    # -- what the lists offer ------------------------------------------------------------------

    def forget_annotators(self) -> None:
        """Another project: no annotators listed until their names are read."""
        self.annotators.unload()
        self._new_annotators = set()

    def add_annotators(self, names: set[str]) -> None:
        """List these names too (someone's first span): now, or with the names being read."""
        self._new_annotators |= names
        listed = self.annotators.texts()
        if self.annotators.loaded and not names <= set(listed):
            self.set_annotators(listed)  # merged with the new ones

    def set_annotators(self, names: list[str]) -> None:
        """Offer these annotators (ticks on names still there stay)."""
        names = sorted(set(names) | self._new_annotators) if self._new_annotators else names
        self._new_annotators = set()
        self.annotators.set_items([(name, name, "") for name in names], set(self.annotators.checked()))
        self._show_filter_counts()

    def set_choices(self, tags: list[Tag], documents: list[DocumentSummary]) -> None:
        """Offer the project's tags and documents; ticks on what is still there stay."""
        query = self.query()
        self.tags = {t.id: t for t in tags}
        self.tree.blockSignals(True)
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        groups = {}
        for kind, title in ((TagKind.THEME, "Themes"), (TagKind.SPEAKER, "Speakers (their turns)")):
            group = QTreeWidgetItem(self.tree, [title])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            groups[kind] = group
        for tag in palette_order(tags):
            parent = items.get(tag.parent_id) if tag.parent_id else None
            item = QTreeWidgetItem(parent or groups[tag.kind])
            item.setText(TAG_COLUMN, tag.name)
            item.setIcon(TAG_COLUMN, swatch(tag.color))
            item.setToolTip(TAG_COLUMN, plain_tooltip(tag.description or tag.name))
            item.setData(TAG_COLUMN, Qt.ItemDataRole.UserRole, tag.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(TAG_COLUMN, Qt.CheckState.Unchecked)
            item.setCheckState(NOT_COLUMN, Qt.CheckState.Unchecked)
            items[tag.id] = item
        for kind, group in groups.items():
            group.setHidden(group.childCount() == 0 and kind is TagKind.SPEAKER)
        self.tree.expandAll()
        self.tree.blockSignals(False)
        speakers = [t for t in palette_order(tags) if t.kind is TagKind.SPEAKER]
        self.speakers.set_items([(t.name, t.id, t.description) for t in speakers], set())
        self.documents.set_items([(d.title, d.id, d.title) for d in documents], set())
        self.set_query(query)

    # -- the query --------------------------------------------------------------------------------

    def _tag_items(self) -> list[QTreeWidgetItem]:
        found = []
        iterator = QTreeWidgetItemIterator(self.tree)
        while iterator.value():
            item = iterator.value()
            if item.data(TAG_COLUMN, Qt.ItemDataRole.UserRole):
                found.append(item)
            iterator += 1
        return found

    def _ticked(self, column: int) -> tuple[str, ...]:
        return tuple(
            item.data(TAG_COLUMN, Qt.ItemDataRole.UserRole)
            for item in self._tag_items()
            if item.checkState(column) == Qt.CheckState.Checked
        )

    def query(self) -> PassageQuery:
        """The query the controls show (fields they do not show kept from the query last set)."""
        match = self.combine.currentData()
        return dataclasses.replace(
            self._shown,
            tags=self._ticked(TAG_COLUMN),
            combine=Combine.ANY if match == ANY else Combine.ALL,
            same_paragraph=match == PARAGRAPH,
            exclude_tags=self._ticked(NOT_COLUMN),
            include_subthemes=self.subthemes.isChecked(),
            speakers=self.speakers.checked(),
            annotators=self.annotators.checked(),
            documents=self.documents.checked(),
            statuses=tuple(DocumentStatus(s) for s in self.statuses.checked()),
        )

    def set_query(self, query: PassageQuery, *, emit: bool = False) -> None:
        """Show ``query`` (ids no longer in the project are dropped); ``emit``: say the query changed."""
        self._shown = query
        self.tree.blockSignals(True)
        for item in self._tag_items():
            tag_id = item.data(TAG_COLUMN, Qt.ItemDataRole.UserRole)
            for column, chosen in ((TAG_COLUMN, query.tags), (NOT_COLUMN, query.exclude_tags)):
                item.setCheckState(
                    column, Qt.CheckState.Checked if tag_id in chosen else Qt.CheckState.Unchecked
                )
        self.tree.blockSignals(False)
        for widget in (self.combine, self.subthemes):
            widget.blockSignals(True)
        match = ANY if query.combine is Combine.ANY else PARAGRAPH if query.same_paragraph else ALL
        self.combine.setCurrentIndex(self.combine.findData(match))
        self.subthemes.setChecked(query.include_subthemes)
        for widget in (self.combine, self.subthemes):
            widget.blockSignals(False)
        self.speakers.set_checked(set(query.speakers))
        self.annotators.set_checked(set(query.annotators))
        self.documents.set_checked(set(query.documents))
        self.statuses.set_checked(set(query.statuses))
        self._show_filter_counts()
        first = query.tags[0] if query.tags else None
        for item in self._tag_items():
            if item.data(TAG_COLUMN, Qt.ItemDataRole.UserRole) == first:
                self.tree.scrollToItem(item)
        if emit:
            self.changed.emit()

    def _tag_ticked(self, item: QTreeWidgetItem, column: int) -> None:
        """A tag is either wanted or left out: ticking one column unticks the other."""
        other = NOT_COLUMN if column == TAG_COLUMN else TAG_COLUMN
        if (
            item.checkState(column) == Qt.CheckState.Checked
            and item.checkState(other) == Qt.CheckState.Checked
        ):
            self.tree.blockSignals(True)
            item.setCheckState(other, Qt.CheckState.Unchecked)
            self.tree.blockSignals(False)
        self.changed.emit()

    def _filters_changed(self) -> None:
        self._show_filter_counts()
        self.changed.emit()

    def _show_filter_counts(self) -> None:
        for index, (title, widget) in enumerate(self._filter_lists):
            ticked = len(widget.checked())
            self.filters.setItemText(index, f"{title} ({ticked} ticked)" if ticked else title)


def describe(query: PassageQuery, tags: dict[str, Tag]) -> str:
    """The query in a few words, for the line beside the count."""

    def names(ids: tuple[str, ...]) -> list[str]:
        return [tags[t].name for t in ids if t in tags]

    parts = []
    if query.tags:
        joiner = " and " if query.combine is Combine.ALL else " or "
        parts.append("coded " + joiner.join(names(query.tags)))
        if query.combine is Combine.ALL and query.same_paragraph:
            parts[-1] += " in one paragraph"
        if query.include_subthemes and any(t.parent_id in query.tags for t in tags.values()):
            parts[-1] += " (with sub-themes)"
    else:
        parts.append("every coded span")
    if query.exclude_tags:
        parts.append("not " + ", ".join(names(query.exclude_tags)))
    if query.speakers:
        parts.append("said by " + ", ".join(names(query.speakers)))
    if query.annotators:
        parts.append("by " + ", ".join(query.annotators))
    if query.documents:
        count = len(query.documents)
        parts.append(f"in {count} document" + ("" if count == 1 else "s"))
    if query.statuses:
        parts.append("status " + ", ".join(STATUS_NAMES[DocumentStatus(s)].lower() for s in query.statuses))
    return " · " + " · ".join(parts)
