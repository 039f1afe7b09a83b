"""The window's features, in the order they are built, placed and told of changes.

Adding a feature: write its module (a ``Feature`` subclass with a ``key``)
and add it to ``FEATURES`` below; the window does the rest. Tags come before
the features that show tag names, so the palette is current when they redraw.
"""

from __future__ import annotations

from annotator.gui.features.analysis import AnalysisFeature
from annotator.gui.features.annotating import AnnotatingFeature
from annotator.gui.features.backups import BackupsFeature
from annotator.gui.features.base import Dock, Feature
from annotator.gui.features.documents import DocumentsFeature
from annotator.gui.features.exporting import ExportFeature
from annotator.gui.features.importing import ImportFeature
from annotator.gui.features.memo import MemoFeature
from annotator.gui.features.review import ReviewFeature
from annotator.gui.features.search import SearchFeature
from annotator.gui.features.tags import TagsFeature

FEATURES: tuple[type[Feature], ...] = (
    DocumentsFeature,
    SearchFeature,
    TagsFeature,
    MemoFeature,
    ReviewFeature,
    AnnotatingFeature,
    ImportFeature,
    ExportFeature,
    BackupsFeature,
    AnalysisFeature,
)

__all__ = ["FEATURES", "Dock", "Feature"]
