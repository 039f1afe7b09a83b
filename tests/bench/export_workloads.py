"""W3: export 1,000,000 spans over 10,000 documents to native JSONL, against a raw dump."""

from __future__ import annotations

import itertools
import json
import random
import shutil
import tempfile
from pathlib import Path

from annotator.exporters import export
from annotator.model import Annotation, ImportedDocument, new_id
from annotator.store import Store
from tests.bench.corpus import CorpusShape, documents, spans_for
from tests.bench.harness import Measurement, alternate, peak_mb, summarise

SHAPES = {
    "full": CorpusShape(documents=10_000, chars_per_document=3_000, spans_per_document=100),
    "small": CorpusShape(documents=100, chars_per_document=1_000, spans_per_document=20),
}
LABELS = ["Regional security", "Terrorism", "Drugs", "Economy", "Law", "Afghanistan", "Norov", "Greminger"]


def build_project(path: Path, shape: CorpusShape, *, seed: int = 3, annotator: str = "bench") -> int:
    """A project with ``shape``'s documents and random overlapping spans; returns the span count."""
    rng = random.Random(seed)
    total = 0
    with Store.create(path) as store:
        tags = [
            store.add_tag(kind="speaker" if i >= 6 else "theme", name=name) for i, name in enumerate(LABELS)
        ]
        rows = []
        with store.bulk_document_insert():
            for title, text in documents(shape, seed=seed):
                doc_id = store.add_document(
                    ImportedDocument(title=title, text=text), annotator=annotator
                ).document_id
                for start, end, label in spans_for(text, shape.spans_per_document, rng, LABELS):
                    rows.append(
                        Annotation(
                            new_id(),
                            doc_id,
                            start,
                            end,
                            tags[LABELS.index(label)].id,
                            annotator,
                            None,
                            "2026-11-22T00:00:00+00:00",
                            "2026-11-22T00:00:00+00:00",
                        )
                    )
                if len(rows) > 200_000:
                    store.insert_annotations(rows)
                    total += len(rows)
                    rows = []
        store.insert_annotations(rows)
        total += len(rows)
    return total


def raw_dump(project: Path, out: Path) -> None:
    """The simplest direct code: one SQL query, grouped by document, dumped with the json library."""
    with Store.open(project, read_only=True) as store:
        rows = store.db.conn.execute(
            'SELECT d.id, d.title, d.text, d.meta, a.id, a.start, a."end", t.name, t.kind, a.annotator, a.note '
            "FROM documents d LEFT JOIN annotations a ON a.document_id = d.id LEFT JOIN tags t ON t.id = a.tag_id "
            'ORDER BY d.position, a.start, a."end", t.name, a.id'
        )
        with open(out, "w", encoding="utf-8") as handle:
            for (doc_id, title, text, meta), group in itertools.groupby(rows, key=lambda r: r[:4]):
                spans = [
                    {
                        "id": r[4],
                        "start": r[5],
                        "end": r[6],
                        "text": text[r[5] : r[6]],
                        "label": r[7],
                        "kind": r[8],
                        "annotator": r[9],
                        "note": r[10],
                    }
                    for r in group
                    if r[4] is not None
                ]
                handle.write(
                    json.dumps(
                        {
                            "id": doc_id,
                            "title": title,
                            "text": text,
                            "meta": json.loads(meta),
                            "spans": spans,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )


def our_export(project: Path, out: Path) -> None:
    """Annotator's own native export."""
    with Store.open(project, read_only=True) as store:
        export(store, out)


def w3_export(scale: str) -> list[Measurement]:
    """W3: native JSONL export of the whole corpus."""
    shape = SHAPES[scale]
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        project = work / "export.annotator"
        spans = build_project(project, shape)
        job, base = alternate(
            lambda: our_export(project, work / "ours.jsonl"),
            lambda: raw_dump(project, work / "raw.jsonl"),
            3 if scale == "full" else 2,
        )
        size = (work / "ours.jsonl").stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(job)
    base_median, _ = summarise(base)
    return [
        Measurement(
            workload="W3",
            what=f"export {spans:,} spans / {shape.documents:,} docs",
            target="< 3 s, <= 1.5x raw dump",
            runs=len(job),
            median_s=median,
            p95_s=p95,
            baseline_median_s=base_median,
            peak_mb=peak_mb(),
            met=median < 3 and median / base_median <= 1.5,
            notes={"bytes": size},
        )
    ]
