"""Quick timing of the document view on a long, densely annotated text.

Run it as ``python scripts/bench_view.py [MEGABYTES [SPANS [REPEATS]]]``
(default a 5 MB text with emoji, accents, Arabic and CJK in paragraphs of
varied length, 50,000 overlapping and nested spans from a fixed seed, 60
repeats) or import ``build_document`` and ``measure`` from it. It runs
offscreen unless a display platform is chosen. The targets: open and paint
under 0.5 s; add or remove one span and repaint under 16 ms; scroll a page
and repaint under 16 ms (median and 95th percentile). This times the view
alone; ``python -m tests.bench --only W1`` also times the whole window on a
real project (opening the document, a span added with a number key, undo).
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable

WORDS = [
    "the",
    "interview",
    "border",
    "water",
    "policy",
    "said",
    "and",
    "we",
    "regional",
    "talks",
    "Zürich",
    "naïve",
    "e\u0301tude",
    "😀",
    "👩‍🔬",
    "日本語",
    "𠀋",
    "مرحبا",
    "שלום",
    "trade",
    "of",
    "a",
    "to",
    "in",
]
LABELS = ["Security", "Economy", "Law", "Speaker: Ana", "Trust", "Water"]
COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1"]


def build_text(rng: random.Random, length: int) -> str:
    """About ``length`` code points of words in paragraphs of 1 to 120 words."""
    paragraphs, size = [], 0
    while size < length:
        paragraph = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 120)))
        paragraphs.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(paragraphs)[:length]


def build_spans(text: str, count: int, rng: random.Random) -> list:
    """``count`` spans: mostly short phrases, some nested pairs, a few whole-paragraph codes."""
    from annotator.gui.document_view import ViewSpan

    spans = []
    for number in range(count):
        roll = rng.random()
        length = rng.randint(2, 80) if roll < 0.9 else rng.randint(200, 6000)
        start = rng.randrange(0, max(1, len(text) - length))
        label = rng.randrange(len(LABELS))
        spans.append(
            ViewSpan(
                id=f"s{number}",
                start=start,
                end=start + length,
                color=COLORS[label],
                label=LABELS[label],
                annotator=rng.choice(("ana", "ben")),
                note="checked" if roll < 0.05 else None,
            )
        )
    return spans


def build_document(seed: int = 7, *, megabytes: float = 5.0, spans: int = 50_000) -> tuple[str, list]:
    """(text, view spans) of the benchmark document, the same for the same seed."""
    rng = random.Random(seed)
    text = build_text(rng, int(megabytes * 1_000_000))
    return text, build_spans(text, spans, rng)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000, "runs": len(ordered)}


def measure(text: str, spans: list, *, repeats: int = 60, seed: int = 11) -> dict:
    """Time open+paint, add/remove one span, and scroll a page; returns milliseconds and peak MB."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from annotator.gui.document_view import DocumentView, ViewSpan

    app = QApplication.instance() or QApplication([])
    view = DocumentView()
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    opened = [_timed(lambda: (view.set_document(text, spans), view.viewport().repaint())) for _ in range(3)]
    rng = random.Random(seed)
    bar = view.verticalScrollBar()
    added, removed, scrolled = [], [], []
    for number in range(repeats):
        bar.setValue(rng.randrange(0, max(1, bar.maximum())))
        view.viewport().repaint()
        first = view.offset_at(view.viewport().rect().topLeft())
        span = ViewSpan(id=f"new{number}", start=first + 5, end=first + 60, color="#ff0000", label="New")
        added.append(_timed(lambda s=span: (view.add_span(s), view.viewport().repaint())))
        removed.append(_timed(lambda s=span: (view.remove_span(s.id), view.viewport().repaint())))
        scrolled.append(
            _timed(lambda: (bar.setValue(bar.value() + bar.pageStep()), view.viewport().repaint()))
        )
    view.close()
    return {
        "open_and_paint": _summary(opened),
        "add_span": _summary(added),
        "remove_span": _summary(removed),
        "scroll_page": _summary(scrolled),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    """Build the document, measure, print one line per figure."""
    megabytes = float(argv[0]) if argv else 5.0
    count = int(argv[1]) if len(argv) > 1 else 50_000
    repeats = int(argv[2]) if len(argv) > 2 else 60
    text, spans = build_document(megabytes=megabytes, spans=count)
    print(f"{len(text):,} code points, {len(spans):,} spans")
    results = measure(text, spans, repeats=repeats)
    for name, figures in results.items():
        if isinstance(figures, dict):
            print(
                f"{name:16} median {figures['median_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms"
                f"   ({figures['runs']} runs)"
            )
    print(f"peak memory      {results['peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
