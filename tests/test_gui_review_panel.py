"""The review panel in the window: layers drawn, disagreements listed, accept undoable."""

from __future__ import annotations

import pytest

from annotator.gui.app import create_window, make_application
from annotator.settings import Settings
from tests.test_review import SHARED, digest, make_project

pytestmark = pytest.mark.gui


def test_layer_disagreements_accept_and_undo(qtbot, tmp_path):
    make_application()
    Settings(annotator="ana").save()
    ours = make_project(tmp_path / "ours.annotator", "ana", [("security", "Security", "theme")], share=False)
    theirs = make_project(tmp_path / "ben.annotator", "ben",
                          [("security and trade", "Security", "theme"), ("Geneva", "Place", "theme")])
    before = digest(theirs)
    window = create_window(str(ours), Settings.load())
    qtbot.addWidget(window)
    panel = window.review_panel
    name = panel.add_layer(theirs)
    assert name == "ben"
    layer_ids = {s.id for s in window.view._layers["ben"].all()}
    assert len(layer_ids) == 2
    kinds = sorted(found.kind for _, found in panel._items)
    assert kinds == ["boundaries", "missing"]
    row = next(i for i, (_, found) in enumerate(panel._items) if found.kind == "missing")
    panel.disagreements.setCurrentRow(row)
    panel.accept_selected()
    assert window.store.find_tag("theme", "Place") is not None
    assert sorted(a.annotator for a in window.store.iter_annotations()) == ["ana", "ben"]
    assert [found.kind for _, found in panel._items] == ["boundaries"]
    window.on_undo()
    assert [a.annotator for a in window.store.iter_annotations()] == ["ana"]
    report = panel.compute_agreement()
    assert report["pairs"][0]["a"] == "ana" and panel.agreement.rowCount() >= 2
    jumped = []
    window.jump_to = lambda doc, start, end: jumped.append((start, end))
    panel.jumpRequested.disconnect()
    panel.jumpRequested.connect(window.jump_to)
    assert sorted(found.kind for _, found in panel._items) == ["boundaries", "missing"]  # undo brought it back
    row = next(i for i, (_, found) in enumerate(panel._items) if found.kind == "boundaries")
    panel._jump(panel.disagreements.item(row))
    assert jumped == [(SHARED.index("security"), SHARED.index("security") + 18)]
    merged = panel.merge_now()
    assert merged.annotations == 2 and merged.backup.exists()
    panel.close_all()
    assert digest(theirs) == before
