"""W14: importing a REFI-QDA project (.qdpx) of 100,000 spans against importing the same as native JSONL.

The project (1,000 documents of 3,000 characters with W3's vocabulary,
emoji words included, and 100 overlapping spans each, from word to word as
people code) is exported both ways; each file is then imported into a fresh
project, alternately in the same process. The .qdpx is imported as another
vendor's file (its ``origin`` rewritten), so each source's offset counting
is worked out as for a file from NVivo: the slow path, not our own files'
shortcut. It carries more (codings, users, times, notes as separate
elements) and is deflated XML, so the target is within three times JSONL.
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from annotator.exporters import export
from annotator.importers.batch import import_paths
from annotator.model import Annotation, ImportedDocument, new_id
from annotator.store import Store
from tests.bench.corpus import CorpusShape, documents
from tests.bench.export_workloads import LABELS
from tests.bench.harness import Measurement, alternate, summarise

SHAPES = {
    "full": CorpusShape(documents=1_000, chars_per_document=3_000, spans_per_document=100),
    "small": CorpusShape(documents=20, chars_per_document=1_000, spans_per_document=20),
}


_WORD = re.compile(r"\w+")


def build_project(path: Path, shape: CorpusShape, *, seed: int = 14) -> int:
    """A project with ``shape``'s documents and random overlapping spans from word to word."""
    rng = random.Random(seed)
    stamp = "2026-11-22T00:00:00+00:00"
    rows = []
    with Store.create(path) as store:
        tags = [store.add_tag(kind="speaker" if i >= 6 else "theme", name=n) for i, n in enumerate(LABELS)]
        with store.bulk_document_insert():
            for title, text in documents(shape, seed=seed):
                doc_id = store.add_document(
                    ImportedDocument(title=title, text=text), annotator="bench"
                ).document_id
                words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
                for _ in range(shape.spans_per_document):
                    first = rng.randrange(len(words))
                    last = min(len(words) - 1, first + rng.randint(0, 60))
                    tag = rng.choice(tags)
                    rows.append(
                        Annotation(
                            new_id(),
                            doc_id,
                            words[first][0],
                            words[last][1],
                            tag.id,
                            "bench",
                            None,
                            stamp,
                            stamp,
                        )
                    )
        store.insert_annotations(rows)
    return len(rows)


def _as_foreign(qdpx: Path, out: Path) -> None:
    """A copy of our export that says another program wrote it, so nothing is taken on trust."""
    with zipfile.ZipFile(qdpx) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "project.qde":
                head, rest = data[:2000], data[2000:]
                head = head.replace(b'origin="Annotator ', b'origin="NVivo 14 (was Annotator ', 1)
                data = head + rest
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def _import(source: Path, project: Path) -> int:
    if project.exists():
        project.unlink()
    with Store.create(project) as store:
        report = import_paths(store, [source], annotator="bench")
        assert not report.failed and not report.part_failures, report.results[0].message
        return sum(r.annotations_added for r in report.results)


def w14_qdpx_import(scale: str) -> list[Measurement]:
    """W14: .qdpx import of a 100,000-span project, against the native JSONL import of the same."""
    shape = SHAPES[scale]
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        project = work / "source.annotator"
        spans = build_project(project, shape)
        with Store.open(project, read_only=True) as store:
            export(store, work / "ours.qdpx", format="qdpx")
            export(store, work / "same.jsonl", format="native")
        _as_foreign(work / "ours.qdpx", work / "theirs.qdpx")
        added: list[int] = []
        job, base = alternate(
            lambda: added.append(_import(work / "theirs.qdpx", work / "from-qdpx.annotator")),
            lambda: added.append(_import(work / "same.jsonl", work / "from-jsonl.annotator")),
            3 if scale == "full" else 2,
        )
        ours, _ = alternate(lambda: _import(work / "ours.qdpx", work / "own.annotator"), None, 2)
        qdpx_bytes = (work / "theirs.qdpx").stat().st_size
        jsonl_bytes = (work / "same.jsonl").stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert set(added) == {spans}, f"imports stored {set(added)} spans, not {spans}"
    median, p95 = summarise(job)
    base_median, _ = summarise(base)
    own_median, _ = summarise(ours)
    return [
        Measurement(
            workload="W14",
            what=f"qdpx import {spans:,} spans / {shape.documents:,} docs",
            target="<= 3x native JSONL import",
            runs=len(job),
            median_s=median,
            p95_s=p95,
            baseline_median_s=base_median,
            met=median / base_median <= 3,
            notes={
                "qdpx_bytes": qdpx_bytes,
                "jsonl_bytes": jsonl_bytes,
                "own_export_median_s": round(own_median, 3),
            },
        )
    ]
