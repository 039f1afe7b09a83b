"""W1 (a 5 MB text with 50,000 spans: the view alone, then the whole window) and W6 (start-up).

The view-alone rows bound what painting costs; the window rows time what a
researcher waits for: opening the document from the project (store read,
span index, annotations table, review panel) and a span added with a number
key and undone, each until the window has repainted.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.corpus import CorpusShape, make_text, spans_for, vocabulary, word_weights
from tests.bench.harness import Measurement, peak_mb, summarise, timed

VIEW_SHAPES = {"full": (5_000_000, 50_000), "small": (200_000, 2_000)}
REPEATS = {"full": 60, "small": 10}
WINDOW_REPEATS = {"full": 40, "small": 6}
LABELS = ["Theme A", "Theme B", "Theme C", "Speaker D", "Theme E", "Theme F"]
COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948"]


def build_document(scale: str, seed: int = 5):
    """(text, view spans) of the W1 document: words, emoji, accents, overlapping spans."""
    from annotator.gui.document_view import ViewSpan

    length, count = VIEW_SHAPES[scale]
    rng = random.Random(seed)
    words = vocabulary(rng)
    text = make_text(rng, words, word_weights(words), length)
    spans = [
        ViewSpan(
            id=f"s{i}", start=s, end=e, color=COLORS[LABELS.index(label)], label=label, annotator="bench"
        )
        for i, (s, e, label) in enumerate(spans_for(text, count, rng, LABELS))
    ]
    return text, spans


def w1_view(scale: str) -> list[Measurement]:
    """W1: open and paint; add / remove one span; repaint after scrolling a page."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from annotator.gui.document_view import DocumentView, ViewSpan

    app = QApplication.instance() or QApplication([])
    text, spans = build_document(scale)
    view = DocumentView()
    view.resize(1200, 800)
    view.show()
    app.processEvents()

    def open_and_paint() -> None:
        view.set_document(text, spans)
        view.viewport().repaint()

    open_times = [timed(open_and_paint) for _ in range(3)]
    rng = random.Random(11)
    add_times, remove_times, scroll_times = [], [], []
    bar = view.verticalScrollBar()
    for index in range(REPEATS[scale]):
        bar.setValue(rng.randrange(0, max(1, bar.maximum())))
        view.viewport().repaint()
        first = view.firstVisibleBlock().position()
        span = ViewSpan(id=f"new{index}", start=first + 5, end=first + 60, color="#ff0000", label="New")
        add_times.append(timed(lambda s=span: (view.add_span(s), view.viewport().repaint())))
        remove_times.append(timed(lambda s=span: (view.remove_span(s.id), view.viewport().repaint())))
        scroll_times.append(
            timed(lambda: (bar.setValue(bar.value() + bar.pageStep()), view.viewport().repaint()))
        )
    memory = peak_mb()
    view.close()
    view.deleteLater()
    rows = []
    median, p95 = summarise(open_times)
    rows.append(
        Measurement(
            workload="W1",
            what=f"open+paint {len(text) / 1e6:.1f} MB, {len(spans):,} spans",
            target="< 0.5 s, < 400 MB",
            runs=len(open_times),
            median_s=median,
            p95_s=p95,
            peak_mb=memory,
            met=median < 0.5 and memory < 400,
        )
    )
    for what, samples in (
        ("add one span + repaint", add_times),
        ("remove one span + repaint", remove_times),
        ("scroll a page + repaint", scroll_times),
    ):
        median, p95 = summarise(samples)
        rows.append(
            Measurement(
                workload="W1",
                what=what,
                target="< 16 ms (median, p95)",
                runs=len(samples),
                median_s=median,
                p95_s=p95,
                peak_mb=memory,
                met=p95 < 0.016,
            )
        )
    return rows + w1_window(scale, text, spans)


def build_project(path: Path, text: str, spans) -> None:
    """A real project: the W1 document (in progress) with its spans as annotations, and a short one."""
    from annotator.model import DocumentStatus, ImportedDocument, ImportedSpan
    from annotator.store import Store

    imported = tuple(ImportedSpan(start=s.start, end=s.end, label=s.label, annotator="bench") for s in spans)
    with Store.create(path) as store:
        big = store.add_document(ImportedDocument(title="big", text=text, spans=imported), annotator="bench")
        store.add_document(ImportedDocument(title="short", text="A short interview."), annotator="bench")
        # The steady state: a first span on a "to do" document also moves its status, once.
        store.set_document_status(big.document_id, DocumentStatus.IN_PROGRESS)


def _open_window(project: Path, config: Path):
    """The real main window on ``project``, shown, its opening backup finished (it would skew timings)."""
    os.environ["ANNOTATOR_CONFIG_DIR"] = str(config / "config")  # this process only: workloads run spawned
    os.environ["ANNOTATOR_DATA_DIR"] = str(config / "data")
    from annotator.gui.app import create_window, make_application
    from annotator.settings import Settings

    app = make_application()
    Settings(annotator="bench").save()
    window = create_window(str(project), Settings.load())
    window.quiet_reports = True
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    window.wait_for_backup()
    return app, window


def w1_window(scale: str, text: str, spans) -> list[Measurement]:
    """W1, window level: open the document from the project; add a span with key 1; undo it."""
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    window = None
    try:
        build_project(work / "w1.annotator", text, spans)
        app, window = _open_window(work / "w1.annotator", work)
        ids = {d.title: d.id for d in window.store.documents()}

        def settle() -> None:
            """Everything the change set off, as the event loop would do it: the view painted now,
            then every pending paint and layout, twice, since a table lays its rows out in a
            zero-time timer whose repaint is only posted when it fires (once, that repaint of
            the add was billed to the undo after it)."""
            window.view.viewport().repaint()
            app.processEvents()
            app.processEvents()

        open_times = []
        for _ in range(3):
            window.show_document(ids["short"])
            settle()
            open_times.append(timed(lambda: (window.show_document(ids["big"]), settle())))
        add_times, undo_times = _add_and_undo(window, settle, WINDOW_REPEATS[scale])
        memory = peak_mb()
    finally:
        if window is not None:
            window.close()
            window.store.close()
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(open_times)
    rows = [
        Measurement(
            workload="W1",
            what=f"window: open doc, {len(spans):,} spans stored",
            target="< 0.5 s",
            runs=len(open_times),
            median_s=median,
            p95_s=p95,
            peak_mb=memory,
            met=median < 0.5,
            notes={"includes": "store read, span index, annotations table, review panel, repaint"},
        )
    ]
    for what, samples in (
        ("window: key 1 adds a span + repaint", add_times),
        ("window: undo it + repaint", undo_times),
    ):
        median, p95 = summarise(samples)
        rows.append(
            Measurement(
                workload="W1",
                what=what,
                target="< 16 ms (median, p95)",
                runs=len(samples),
                median_s=median,
                p95_s=p95,
                peak_mb=memory,
                met=median < 0.016 and p95 < 0.016,
            )
        )
    return rows


def _add_and_undo(window, settle, repeats: int) -> tuple[list[float], list[float]]:
    """Times of adding a span through the number key's handler and of undoing it, at random places."""
    rng = random.Random(12)
    bar = window.view.verticalScrollBar()
    rows = window.annotations_panel.model.rowCount
    add_times, undo_times = [], []
    for _ in range(repeats):
        bar.setValue(rng.randrange(0, max(1, bar.maximum())))
        settle()
        first = window.view.offset_at(window.view.viewport().rect().topLeft())
        window.view.select_range(first + 5, first + 60)
        settle()
        before = rows()
        add_times.append(timed(lambda: (window.apply_tag_number(1), settle())))
        if rows() != before + 1:
            raise RuntimeError("the number key added no span: the benchmark would time nothing")
        undo_times.append(timed(lambda: (window.on_undo(), settle())))
        if rows() != before:
            raise RuntimeError("undo did not remove the span")
    return add_times, undo_times


STARTUP_SCRIPT = """
import os, sys, time
t0 = time.perf_counter()
from annotator.settings import Settings
Settings(annotator="bench").save()
from annotator.gui.app import create_window, make_application
app = make_application()
window = create_window(sys.argv[1], Settings.load())
window.show()
app.processEvents()
window.repaint()
print(time.perf_counter() - t0, flush=True)
window.store.close()
"""

STARTUP_SHAPES = {"full": CorpusShape(10_000, 10_000), "small": CorpusShape(200, 2_000)}


def w6_startup(scale: str) -> list[Measurement]:
    """W6: start the app on a large project until the window is shown (a fresh process each run)."""
    from tests.bench.core_workloads import our_import, write_corpus

    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        write_corpus(work / "corpus", STARTUP_SHAPES[scale])
        project = work / "big.annotator"
        our_import(work / "corpus", project)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "ANNOTATOR_CONFIG_DIR": str(work / "config"),
            "ANNOTATOR_DATA_DIR": str(work / "data"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its bytecode cached
        wall = []
        # One start first, not counted: it writes the bytecode cache and the opening backup (taken
        # when the newest is over an hour old), as a first start does; later starts are like the timed ones.
        runs = 1 + (3 if scale == "full" else 2)
        for _ in range(runs):
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-c", STARTUP_SCRIPT, str(project)],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if result.returncode != 0:
                raise RuntimeError(result.stderr[-2000:])
            wall.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall = wall[1:]
    median, p95 = summarise(wall)
    return [
        Measurement(
            workload="W6",
            what=f"start on {STARTUP_SHAPES[scale].documents:,} documents until shown",
            target="< 1.5 s",
            runs=len(wall),
            median_s=median,
            p95_s=p95,
            met=median < 1.5,
            notes={"includes": "interpreter start, imports, opening the project, first paint"},
        )
    ]
