"""Finding text: the find bar over the open document, and the corpus search panel."""

from __future__ import annotations

from annotator.gui.features.base import Area, Dock, Feature
from annotator.gui.find_bar import FindBar
from annotator.gui.panels.search import SearchPanel
from annotator.ops import OpChanges


class SearchFeature(Feature):
    """The Search dock, the find bar above the text, and their commands."""

    key = "search"

    def __init__(self, window):
        super().__init__(window)
        self.panel = SearchPanel(window.store, window)
        self.panel.hitActivated.connect(window.jump_to)
        self.find_bar = FindBar(window)
        self.find_bar.hide()
        self.find_bar.matchesChanged.connect(self._show_find_matches)
        self.find_bar.closed.connect(window.view.setFocus)
        window.add_above_text(self.find_bar)

    def docks(self) -> list[Dock]:
        return [Dock("search", "Search", self.panel, Area.LeftDockWidgetArea, tab_with="documents")]

    def actions(self):
        return {
            "find": self.on_find,
            "find_next": self.find_bar.next,
            "find_previous": self.find_bar.previous,
            "search_corpus": self.on_search_corpus,
        }

    def project_opened(self) -> None:
        self.panel.set_store(self.window.store)
        if self.window.current_document is None:
            self.find_bar.set_text("")

    def release(self) -> None:
        self.panel.wait_for_search()  # its connection reads the project being closed

    def shutdown(self) -> None:
        self.panel.wait_for_search()

    def document_shown(self, document, annotations) -> None:
        self.find_bar.set_text(document.text)

    def on_changes(self, changes: OpChanges) -> None:
        if (changes.everything or changes.documents) and self.panel.query.text().strip():
            self.panel.run_search()  # hits may point at documents that came or went

    def on_find(self) -> None:
        window = self.window
        selected = window.view.selected_range()
        document = window.current_document
        initial = document.text[selected[0] : selected[1]] if selected and document else ""
        self.find_bar.open_bar(initial if "\n" not in initial else "")

    def _show_find_matches(self, ranges, current) -> None:
        view = self.window.view
        view.set_find_matches(ranges, current)
        if current is not None and ranges:
            view.select_range(*ranges[current])

    def on_search_corpus(self) -> None:
        dock = self.window.dock("search")
        dock.show()
        dock.raise_()
        self.panel.query.setFocus()
        self.panel.query.selectAll()
