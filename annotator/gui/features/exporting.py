"""Exporting: the export dialog (which runs its own background job)."""

from __future__ import annotations

from annotator.gui.features.base import Feature


class ExportFeature(Feature):
    """The Export command."""

    key = "exporting"

    def actions(self):
        return {"export": self.on_export}

    def on_export(self) -> None:
        from annotator.gui.export_dialog import ExportDialog

        if self.window.store.path is not None:
            ExportDialog(self.window.store.path, self.window).exec()
