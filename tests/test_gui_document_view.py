"""The document view on its own: offsets at the boundary, painting, keys it leaves alone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from annotator.gui.document_view import DocumentView, ViewSpan, assign_lanes

pytestmark = pytest.mark.gui

TEXT = "😀 Start: Zürich café.\nمرحبا بالعالم and more text here.\n" + "Filler line.\n" * 200


@pytest.fixture
def view(qtbot):
    widget = DocumentView()
    widget.resize(700, 400)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_qt_document_counts_astral_characters_twice(view):
    view.set_document("a😀b\nc", [])
    assert view.document().characterCount() == 7  # 6 UTF-16 units + the final paragraph separator
    view.select_range(2, 3)  # "b"
    assert view.textCursor().selectionStart() == 3
    assert view.selected_range() == (2, 3)


def test_select_range_round_trips_for_every_offset(view):
    view.set_document(TEXT[:80], [])
    for start in range(0, 60, 7):
        view.select_range(start, start + 5)
        assert view.selected_range() == (start, start + 5)


def test_spans_at_and_updates(view):
    outer = ViewSpan("outer", 0, 20, "#ff0000", "Outer")
    inner = ViewSpan("inner", 3, 9, "#0000ff", "Inner", note="n")
    view.set_document(TEXT, [outer, inner])
    assert [s.id for s in view.spans_at(5)] == ["inner", "outer"]
    view.remove_span("inner")
    assert [s.id for s in view.spans_at(5)] == ["outer"]
    view.add_span(ViewSpan("late", 40, 45, "#00ff00", "Late"))
    view.update_span(ViewSpan("outer", 30, 35, "#ff0000", "Outer"))
    assert view.spans_at(5) == [] and [s.id for s in view.spans_at(32)] == ["outer"]


def _pixel_at_offset(view, offset: int) -> QColor:
    cursor = view.textCursor()
    cursor.setPosition(view._offsets.to_qt(offset))
    rect = view.cursorRect(cursor)
    image = view.viewport().grab().toImage()
    # a point inside the character cell, above the underline lanes, between glyph strokes
    return image.pixelColor(QPoint(rect.left() + 2, rect.top() + 2))


def test_a_span_is_painted_with_its_colour_and_nothing_else_is(view):
    start = TEXT.index("Zürich")
    view.set_document(TEXT, [ViewSpan("s", start, start + 6, "#ff0000", "Red")])
    view.repaint()
    inside = _pixel_at_offset(view, start + 1)
    outside = _pixel_at_offset(view, TEXT.index("more"))
    assert inside.red() > inside.blue() + 20  # a red tint blended over the background
    assert abs(outside.red() - outside.blue()) < 10  # plain background


def test_review_layers_show_and_hide(view):
    start = TEXT.index("Filler")
    view.set_document(TEXT, [])
    view.set_layer_spans(
        "colleague", [ViewSpan("c", start, start + 6, "#00aa00", "Green", layer="colleague")]
    )
    view.repaint()
    image_with = view.viewport().grab().toImage()
    view.set_layer_visible("colleague", False)
    view.repaint()
    image_without = view.viewport().grab().toImage()
    assert image_with != image_without


def test_lanes_keep_nested_and_overlapping_spans_apart():
    spans = [
        ViewSpan("a", 0, 10, "#000000", "A"),
        ViewSpan("b", 2, 5, "#000000", "B"),
        ViewSpan("c", 6, 12, "#000000", "C"),
        ViewSpan("d", 11, 20, "#000000", "D"),
    ]
    lanes = assign_lanes(spans)
    assert lanes["a"] != lanes["b"] and lanes["a"] != lanes["c"] and lanes["c"] != lanes["d"]
    assert lanes["b"] == lanes["c"]  # b ends before c starts: the lane is reused


def test_number_and_delete_keys_reach_the_parent(qtbot):
    parent = QWidget()
    received = []
    parent.keyPressEvent = lambda event: received.append(event.key())
    view = DocumentView(parent)
    QVBoxLayout(parent).addWidget(view)
    qtbot.addWidget(parent)
    parent.show()
    view.set_document("some text", [])
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_1)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.keyClick(view, Qt.Key.Key_A)  # handled (ignored) by the read-only view itself
    assert received[:2] == [Qt.Key.Key_1, Qt.Key.Key_Delete]


def test_click_on_a_span_emits_its_id(view, qtbot):
    start = TEXT.index("Zürich")
    view.set_document(TEXT, [ViewSpan("s", start, start + 6, "#ff0000", "Red")])
    cursor = view.textCursor()
    cursor.setPosition(view._offsets.to_qt(start + 2))
    point = view.cursorRect(cursor).center()
    with qtbot.waitSignal(view.spanClicked, timeout=2000) as signal:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert signal.args == ["s"]


def test_right_to_left_span_covers_the_right_word(view):
    word = "مرحبا"
    start = TEXT.index(word)
    view.set_document(TEXT, [ViewSpan("rtl", start, start + len(word), "#ff0000", "Red")])
    view.repaint()
    rects = view.span_rectangles(view.own_spans()[0])
    other = TEXT.index("بالعالم")
    cursor = view.textCursor()
    cursor.setPosition(view._offsets.to_qt(other + 3))
    other_x = view.cursorRect(cursor).center().x()
    cursor.setPosition(view._offsets.to_qt(start + 2))
    own_x = view.cursorRect(cursor).center().x()
    assert any(r.left() <= own_x <= r.right() for r in rects)
    assert not any(r.left() <= other_x <= r.right() for r in rects)


def test_nested_spans_blend_both_fills(view):
    start = TEXT.index("Filler")
    outer = ViewSpan("outer", start, start + 12, "#ff0000", "Outer")
    inner = ViewSpan("inner", start + 6, start + 11, "#0000ff", "Inner")
    view.set_document(TEXT, [outer, inner])
    view.repaint()
    only_outer = _pixel_at_offset(view, start + 1)
    both = _pixel_at_offset(view, start + 6)  # the space before "line": no glyph strokes
    assert only_outer.red() > only_outer.blue() + 20
    # red and blue both tinted above green: the inner fill is blended over the outer one, not replacing it
    assert both.red() > both.green() + 20 and both.blue() > both.green() + 20


def test_spans_deep_inside_one_huge_paragraph_are_painted(view):
    text = "word " * 40_000  # one 200,000-character block, no line breaks
    middle = 100_000
    view.set_document(text, [ViewSpan("m", middle, middle + 4, "#ff0000", "Red")])
    view.scroll_to_offset(middle)
    view.repaint()
    visible_start, visible_end = view._visible_qt_range()
    assert 0 < visible_start <= middle < visible_end < len(text)  # bounded by lines, not the whole block
    assert view.span_rectangles(view.own_spans()[0])
    inside = _pixel_at_offset(view, middle + 1)
    assert inside.red() > inside.blue() + 20


def test_a_moved_span_is_painted_where_it_now_is_not_where_it_was(view):
    """Span rectangles are kept between paints; moving a span must drop its old ones."""
    old_start, new_start = TEXT.index("Zürich"), TEXT.index("more")
    view.set_document(TEXT, [ViewSpan("s", old_start, old_start + 6, "#ff0000", "Red")])
    view.repaint()
    view.update_span(ViewSpan("s", new_start, new_start + 4, "#ff0000", "Red"))
    view.repaint()
    was, now = _pixel_at_offset(view, old_start + 1), _pixel_at_offset(view, new_start + 1)
    assert abs(was.red() - was.blue()) < 10 and now.red() > now.blue() + 20


def test_an_annotation_is_drawn_in_its_tags_colour_which_can_change(view):
    from annotator.model import Annotation

    start = TEXT.index("Zürich")
    view.set_tag_looks({"t1": ("#0000ff", "Blue")})
    view.set_document(TEXT, [Annotation("a", "d", start, start + 6, "t1", "ana", None, "", "")])
    view.repaint()
    assert _pixel_at_offset(view, start + 1).blue() > _pixel_at_offset(view, start + 1).red() + 20
    view.set_tag_looks({"t1": ("#ff0000", "Red")})
    view.repaint()
    assert _pixel_at_offset(view, start + 1).red() > _pixel_at_offset(view, start + 1).blue() + 20
    assert [(s.label, s.color) for s in view.own_spans()] == [("Red", "#ff0000")]


def test_a_span_across_paragraphs_gets_a_rectangle_on_each_line_at_that_line(view):
    text = "first paragraph\nsecond one\nthird paragraph here"
    start, end = text.index("paragraph"), text.index("third") + 5
    view.set_document(text, [ViewSpan("s", start, end, "#ff0000", "Red")])
    view.repaint()
    rects = sorted(view.span_rectangles(view.own_spans()[0]), key=lambda r: r.top())
    assert len(rects) == 3  # the end of the first line, all of the second, the start of the third
    cursor = view.textCursor()
    for rect, inside in zip(
        rects, (start + 2, text.index("second") + 2, text.index("third") + 2), strict=True
    ):
        cursor.setPosition(view._offsets.to_qt(inside))
        caret = view.cursorRect(cursor).center()
        assert rect.left() <= caret.x() <= rect.right() and rect.top() <= caret.y() <= rect.bottom()
    cursor.setPosition(view._offsets.to_qt(text.index("first") + 1))
    before = view.cursorRect(cursor).center().x()
    assert rects[0].left() > before  # starts at "paragraph", not at the line's start


def test_a_new_text_at_the_same_scroll_position_is_measured_again(view):
    """The visible range is kept between paints of one screen; another text must not reuse it."""
    first, second = "tiny", "a much longer first line here, then beta\nand more"
    view.set_document(first, [ViewSpan("s", 0, 4, "#ff0000", "Red")])
    view.repaint()  # visible: the four characters of "tiny"
    start = second.index("beta")
    view.set_document(second, [ViewSpan("t", start, start + 4, "#0000ff", "Blue")])
    view.repaint()
    inside = _pixel_at_offset(view, start + 1)
    assert inside.blue() > inside.red() + 20
    outside = _pixel_at_offset(view, 1)  # where the old span was: now plain text
    assert abs(outside.blue() - outside.red()) < 20
