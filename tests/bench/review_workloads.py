"""W4 (agreement between two files of 100,000 spans each) and W7 (merging such a file)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from annotator.review.compare import agreement_report
from annotator.review.loading import open_colleague
from annotator.review.merge import merge_files
from annotator.store import Store
from tests.bench.corpus import CorpusShape
from tests.bench.export_workloads import build_project
from tests.bench.harness import Measurement, peak_mb, summarise, timed

SHAPES = {
    "full": CorpusShape(documents=1_000, chars_per_document=5_000, spans_per_document=100),
    "small": CorpusShape(documents=20, chars_per_document=1_000, spans_per_document=20),
}


def _two_files(work: Path, shape: CorpusShape) -> tuple[Path, Path, int]:
    """Two projects over the same texts, coded independently by two annotators."""
    ours, theirs = work / "ana.annotator", work / "ben.annotator"
    spans = build_project(ours, shape, seed=3, annotator="ana")
    build_project(theirs, shape, seed=3, annotator="ben")  # same texts (same seed), other span ids
    with Store.open(theirs) as store:  # ben codes differently: shift his spans
        store.db.execute(
            'UPDATE annotations SET start = start / 2, "end" = ("end" + start / 2) / 2 + 1 '
            'WHERE ("end" + start / 2) / 2 + 1 > start / 2'
        )
    return ours, theirs, spans


def w4_agreement(scale: str) -> list[Measurement]:
    """W4: kappa, alpha and span F1 for every tag between two files."""
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        ours, theirs, spans = _two_files(work, SHAPES[scale])
        times = []
        for _ in range(3 if scale == "full" else 2):

            def run() -> None:
                with Store.open(ours, read_only=True) as store, open_colleague(theirs) as colleague:
                    agreement_report([store, colleague.store])

            times.append(timed(run))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(times)
    return [
        Measurement(
            workload="W4",
            what=f"agreement, 2 files x {spans:,} spans",
            target="< 2 s",
            runs=len(times),
            median_s=median,
            p95_s=p95,
            peak_mb=peak_mb(),
            met=median < 2,
        )
    ]


def w7_merge(scale: str) -> list[Measurement]:
    """W7: merge a colleague's file into a copy of ours (backup included)."""
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        ours, theirs, spans = _two_files(work, SHAPES[scale])
        times = []
        for run_number in range(3 if scale == "full" else 2):
            target = work / f"merge-{run_number}.annotator"
            shutil.copy(ours, target)

            def run(path: Path = target) -> None:
                with Store.open(path) as store:
                    report = merge_files(store, [theirs])
                if report.annotations != spans:
                    raise RuntimeError(f"merged {report.annotations} of {spans}")

            times.append(timed(run))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(times)
    return [
        Measurement(
            workload="W7",
            what=f"merge a file of {spans:,} spans",
            target="< 3 s",
            runs=len(times),
            median_s=median,
            p95_s=p95,
            peak_mb=peak_mb(),
            met=median < 3,
        )
    ]
