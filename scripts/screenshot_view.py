"""A picture of the document view alone, to judge how spans read at a glance.

Run it as ``python scripts/screenshot_view.py OUT.png [dark]``. It opens the
view on a short interview with nested and overlapping themes, a speaker
turn, a colleague's review layer, emoji and right-to-left text, and saves
what the widget draws. ``dark`` switches to a dark palette.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from annotator.gui.document_view import DocumentView, ViewSpan

TEXT = (
    "Interviewer: How did the water talks in Geneva change your view of the border? 🌊\n"
    "Ana: At first I thought it was only about trade. Then the farmers on both sides told us their wells "
    "were running dry, and suddenly security, economy and trust were one single conversation. "
    "Nobody wanted to be the first to give ground, but everybody wanted the water.\n"
    "Interviewer: And the people you spoke to in the villages?\n"
    "Ana: They greeted us with مرحبا and שלום, depending on the valley 😀. The older ones remembered "
    "the last agreement, from 1994, and how it was never enforced. Their trust has to be earned again, "
    "one harvest at a time.\n"
)

THEMES = {
    "Water": "#1f77b4",
    "Security": "#d62728",
    "Economy": "#2ca02c",
    "Trust": "#9467bd",
    "Speaker: Ana": "#ff7f0e",
    "History": "#8c564b",
}


def _span(
    number: int,
    phrase: str,
    label: str,
    *,
    occurrence: int = 0,
    length: int | None = None,
    note: str | None = None,
    layer: str | None = None,
) -> ViewSpan:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(phrase, start + 1)
    end = start + (length if length is not None else len(phrase))
    return ViewSpan(
        id=f"{layer or 'own'}-{number}",
        start=start,
        end=end,
        color=THEMES[label],
        label=label,
        annotator="ben" if layer else "ana",
        note=note,
        layer=layer,
    )


def sample_spans() -> tuple[list[ViewSpan], list[ViewSpan]]:
    """(own spans, a colleague's layer) with nesting, overlaps and a whole speaker turn."""
    turn = TEXT.index("Ana: At first")
    own = [
        ViewSpan("turn", turn, TEXT.index("\n", turn), THEMES["Speaker: Ana"], "Speaker: Ana", "ana"),
        _span(1, "water talks in Geneva", "Water"),
        _span(2, "their wells were running dry", "Water", note="first mention of scarcity"),
        _span(3, "security, economy and trust were one single conversation", "Security"),
        _span(4, "economy and trust", "Economy"),
        _span(5, "trust were one single", "Trust"),
        _span(6, "the last agreement, from 1994", "History"),
        _span(7, "Their trust has to be earned again", "Trust", note="key quote"),
        _span(8, "مرحبا", "Trust"),
    ]
    layer = [
        _span(1, "everybody wanted the water", "Water", layer="ben"),
        _span(2, "greeted us with مرحبا and שלום", "Trust", layer="ben"),
        _span(3, "never enforced", "History", layer="ben"),
    ]
    return own, layer


def dark_palette() -> QPalette:
    """A plain dark palette for checking contrast."""
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Base, "#1e1f22"),
        (QPalette.ColorRole.Window, "#2b2d30"),
        (QPalette.ColorRole.Text, "#dfe1e5"),
        (QPalette.ColorRole.WindowText, "#dfe1e5"),
        (QPalette.ColorRole.Highlight, "#2f65ca"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
    ):
        palette.setColor(role, QColor(color))
    return palette


def main(argv: list[str]) -> int:
    """Render the sample into ``argv[0]``."""
    app = QApplication.instance() or QApplication([])
    if "dark" in argv[1:]:
        app.setPalette(dark_palette())
    view = DocumentView()
    view.resize(760, 430)
    own, layer = sample_spans()
    view.set_document(TEXT, own)
    view.set_layer_spans("ben", layer)
    view.show()
    app.processEvents()
    view.grab().save(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
