"""Unicode through the real window: select with the mouse, press a number, store code-point offsets.

Qt counts UTF-16 units and moves the cursor by grapheme clusters; the store
counts code points. Each case puts characters that break naive counting
(astral CJK, combining accents, right-to-left scripts, a ZWJ emoji sequence)
before or inside the selection.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.model import ImportedDocument
from annotator.scheme import load_scheme
from annotator.store import Store
from tests.conftest import SEEDS, drag

pytestmark = pytest.mark.gui

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points, 11 UTF-16 units

CASES = {
    # id: (document text, the text to select)
    "cjk-extension-b": ("Names 𠀋𠀌 and 𠀋 again, then the quoted phrase ends.", "𠀋𠀌 and 𠀋"),
    "after-cjk-extension-b": ("𠀋𠀌𠀍 before: the selected words follow.", "selected words"),
    "combining-accent": ("We met at the cafe\u0301 au lait stand.", "cafe\u0301 au lait"),
    "hebrew": ("Interview: שלום עולם וכל הטוב, she said.", "עולם וכל"),
    "arabic": ("Reply: مرحبا بالعالم الجميل today.", "بالعالم"),
    "after-zwj-family": (f"{FAMILY} family photo: the grandparents smile.", "grandparents"),
    "zwj-family-itself": (f"See {FAMILY} here.", FAMILY),
}


@pytest.fixture(params=sorted(CASES), ids=sorted(CASES))
def case(request, tmp_path):
    text, selected = CASES[request.param]
    path = tmp_path / "unicode.annotator"
    with Store.create(path) as store:
        store.add_document(ImportedDocument(title=request.param, text=text), annotator="x")
        store.import_scheme(load_scheme(SEEDS / "scheme.json"))
    return path, text, selected


def test_mouse_selection_and_a_number_store_code_point_offsets(make_window, case, qtbot):
    path, text, selected = case
    window = make_window(path)
    window.view.resize(900, 300)
    start = text.index(selected)
    end = start + len(selected)
    drag(qtbot, window.view, start, end)
    assert window.view.selected_range() == (start, end)
    qtbot.keyClick(window.view, Qt.Key.Key_1)
    doc_id = window.current_document.id
    with Store.open(path, read_only=True) as other:
        [stored] = other.annotations_for_document(doc_id)
    assert (stored.start, stored.end) == (start, end)
    assert text[stored.start : stored.end] == selected
    window.on_undo()
    assert window.store.annotations_for_document(doc_id) == [] and window.view.own_spans() == []
    window.on_redo()
    assert window.store.annotations_for_document(doc_id) == [stored]
    [span] = window.view.own_spans()
    window.view.repaint()
    rects = window.view.span_rectangles(span)
    assert rects and all(r.width() > 0 and r.height() > 0 for r in rects)
    # the table's snippet is the stored text, not a UTF-16 slice of it
    assert window.annotations_panel.model.index(0, 3).data() == " ".join(selected.split())
