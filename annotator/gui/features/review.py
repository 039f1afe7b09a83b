"""Review: colleagues' files as layers over the text, disagreements, agreement and merge."""

from __future__ import annotations

from annotator.gui.features.base import Area, Dock, Feature
from annotator.gui.review_panel import ReviewPanel
from annotator.ops import OpChanges


class ReviewFeature(Feature):
    """The Review dock; its layers are drawn by the window's view."""

    key = "review"

    def __init__(self, window):
        super().__init__(window)
        self.panel = ReviewPanel(
            window.store, window.annotator, window.run_op, window, announce=window.announce
        )
        view = window.view
        self.panel.layerSpansChanged.connect(view.set_layer_spans)
        self.panel.layerVisibilityChanged.connect(view.set_layer_visible)
        self.panel.layerRemoved.connect(view.remove_layer)
        self.panel.jumpRequested.connect(window.jump_to)

    def docks(self) -> list[Dock]:
        return [Dock("review", "Review", self.panel, Area.RightDockWidgetArea, tab_with="memo", scroll=True)]

    def project_opened(self) -> None:
        if self.panel.store is not self.window.store:
            self.panel.set_store(self.window.store)
        if self.window.current_document is None:
            self.panel.set_current_document(None)

    def document_shown(self, document, annotations) -> None:
        self.panel.set_current_document(document.id)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.everything:
            return  # the window shows the document again, which refreshes the panel
        self.panel.apply_changes(changes)

    def release(self) -> None:
        self.panel.wait_for_jobs()
        self.panel.close_all()

    def shutdown(self) -> None:
        self.panel.wait_for_jobs()
