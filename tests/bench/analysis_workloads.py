"""W15 (coded retrieval: the first screen) and W16 (every matrix kind) on W3's 1,000,000-span project.

W3's builder gives flat themes, two "speakers" whose random spans stand for
turns, and one annotator. Matrices over that would be thin, so this copy
(W3's own project and figures are untouched) nests two themes under
"Regional security" and one under "Economy", gives a third of the spans to a
second annotator, and marks two documents in five done. The built project is
cached in the temporary folder, keyed by its shape, so a second run starts at
once.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from annotator import ops
from annotator.analysis.intervals import forget
from annotator.analysis.matrices import Axis, Measure, frequencies, matrix
from annotator.analysis.query import Combine, PassageQuery
from annotator.analysis.retrieval import retrieve
from annotator.model import DocumentStatus
from annotator.store import Store
from tests.bench.corpus import CorpusShape
from tests.bench.export_workloads import SHAPES, build_project
from tests.bench.harness import Measurement, peak_mb, summarise, timed

#: Children -> parent among W3's labels.
NESTING = {"Terrorism": "Regional security", "Drugs": "Regional security", "Law": "Economy"}


def _cache_path(scale: str) -> Path:
    shape: CorpusShape = SHAPES[scale]
    name = (
        f"annotator-bench-analysis-{shape.documents}-{shape.chars_per_document}-{shape.spans_per_document}-v1"
    )
    return Path(tempfile.gettempdir()) / name / "analysis.annotator"


def analysis_project(scale: str) -> Path:
    """The cached benchmark project, built (W3's builder plus nesting, annotators, statuses) if missing."""
    path = _cache_path(scale)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name("building.annotator")
    for leftover in path.parent.glob("building.annotator*"):
        leftover.unlink()
    build_project(building, SHAPES[scale])
    with Store.open(building) as store:
        by_name = {tag.name: tag for tag in store.tags()}
        for child, parent in NESTING.items():
            ops.run(store, ops.UpdateTag(by_name[child].id, parent_id=by_name[parent].id))
        store.db.execute("UPDATE annotations SET annotator = 'bench-2' WHERE rowid % 3 = 0")
        store.db.execute("UPDATE documents SET status = 'done' WHERE position % 5 < 2")
    os.replace(building, path)
    return path


def _first_screen(store: Store, query: PassageQuery) -> int:
    """What the retrieval view does first: count, then read the first hundred rows."""
    result = retrieve(store, query)
    total = len(result)
    result.rows(0, 100)
    return total


def w15_retrieval(scale: str) -> list[Measurement]:
    """W15: the first screen of coded retrievals of about 50,000 passages among 1,000,000 spans."""
    project = analysis_project(scale)
    runs = 7 if scale == "full" else 3
    out = []
    with Store.open(project, read_only=True) as store:
        tags = {tag.name: tag.id for tag in store.tags()}
        cases = [
            (
                "1 tag in documents done",
                PassageQuery(tags=(tags["Law"],), statuses=(DocumentStatus.DONE,)),
                True,
            ),
            ("1 tag by one annotator", PassageQuery(tags=(tags["Law"],), annotators=("bench-2",)), False),
            (
                "1 tag, not another",
                PassageQuery(tags=(tags["Law"],), exclude_tags=(tags["Afghanistan"],)),
                False,
            ),
            (
                "1 tag in one speaker's turns",
                PassageQuery(tags=(tags["Law"],), speakers=(tags["Norov"],)),
                False,
            ),
            (
                "all of 2 tags (overlaps)",
                PassageQuery(tags=(tags["Law"], tags["Drugs"]), combine=Combine.ALL),
                False,
            ),
        ]
        for what, query, targeted in cases:
            found = _first_screen(store, query)
            times = []
            for _ in range(runs):
                forget(store)  # cold: no spans kept from an earlier count
                times.append(timed(lambda q=query: _first_screen(store, q)))
            median, p95 = summarise(times)
            out.append(
                Measurement(
                    workload="W15",
                    what=f"retrieve {what}: {found:,} passages",
                    target="< 200 ms" if targeted else "(for information)",
                    runs=runs,
                    median_s=median,
                    p95_s=p95,
                    peak_mb=peak_mb(),
                    met=median < 0.200 if targeted else None,
                    notes={"passages": found},
                )
            )
    return out


def w16_matrices(scale: str) -> list[Measurement]:
    """W16: every kind of matrix (and the frequencies) over 1,000,000 spans."""
    project = analysis_project(scale)
    runs = 3
    kinds = [
        ("co-occurrence tags x tags", dict(rows=Axis.TAGS, cols=Axis.TAGS)),
        ("co-occurrence, same paragraph", dict(rows=Axis.TAGS, cols=Axis.TAGS, same_paragraph=True)),
        ("jaccard tags x tags", dict(rows=Axis.TAGS, cols=Axis.TAGS, measure=Measure.JACCARD)),
        ("theme x speaker", dict(rows=Axis.TAGS, cols=Axis.SPEAKERS)),
        ("document x tag", dict(rows=Axis.DOCUMENTS, cols=Axis.TAGS)),
        ("document x tag, characters", dict(rows=Axis.DOCUMENTS, cols=Axis.TAGS, measure=Measure.CHARACTERS)),
        ("tag x annotator", dict(rows=Axis.TAGS, cols=Axis.ANNOTATORS)),
        ("document x speaker", dict(rows=Axis.DOCUMENTS, cols=Axis.SPEAKERS)),
    ]
    out = []
    with Store.open(project, read_only=True) as store:
        spans = store.annotation_count()
        jobs: list[tuple[str, Callable[[], object]]] = [
            (what, lambda kw=kw: matrix(store, **kw))
            for what, kw in kinds  # type: ignore[arg-type]
        ]
        jobs.append(("frequencies with parent totals", lambda: frequencies(store)))
        for what, job in jobs:
            job()  # one run first: the file's pages in the OS cache, as in a window that just opened it
            times = []
            for _ in range(runs):
                forget(store)  # cold: the spans read from the project again, as for a first matrix
                times.append(timed(job))
            median, p95 = summarise(times)
            out.append(
                Measurement(
                    workload="W16",
                    what=f"{what}, {spans:,} spans",
                    target="< 1 s",
                    runs=runs,
                    median_s=median,
                    p95_s=p95,
                    peak_mb=peak_mb(),
                    met=median < 1.0,
                )
            )
        # warm: a second matrix of the same project, whose spans the first one loaded
        warm = []
        for _ in range(runs):
            forget(store)
            matrix(store, rows=Axis.TAGS, cols=Axis.TAGS)
            warm.append(timed(lambda: matrix(store, rows=Axis.DOCUMENTS, cols=Axis.TAGS)))
        median, p95 = summarise(warm)
        out.append(
            Measurement(
                workload="W16",
                what="document x tag after co-occurrence (spans kept)",
                target="(for information)",
                runs=runs,
                median_s=median,
                p95_s=p95,
                peak_mb=peak_mb(),
            )
        )
    return out
