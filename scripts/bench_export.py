"""Quick timing of the native JSONL export against a raw dump of the same rows.

Run it as ``python scripts/bench_export.py [DOCUMENTS [SPANS_PER_DOCUMENT [RUNS]]]``
(default 10,000 documents of 3,000 characters with 100 spans each, i.e. a
million spans, 3 runs) or import ``build_project``, ``raw_dump``,
``export_native`` and ``measure`` from it. The raw dump is the simplest
direct code: one SQL query of the same rows in the same order, grouped by
document and written with the json library. The targets are an export under
3 s and within 1.5x of the raw dump measured in the same run.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from annotator.exporters import export
from annotator.model import Annotation, ImportedDocument, new_id
from annotator.store import Store

LABELS = ["Security", "Economy", "Law", "Drugs", "Terrorism", "Trade", "Norov", "Greminger"]
SPEAKERS = {"Norov", "Greminger"}
WORDS = [
    "security",
    "trade",
    "regional",
    "talks",
    "Geneva",
    "border",
    "water",
    "policy",
    "😀",
    "naïve",
    "日本語",
    "שלום",
    "👩‍🔬",
    "e\u0301tude",
]
CHARS_PER_DOCUMENT = 3_000
STAMP = "2026-11-22T00:00:00+00:00"


def make_text(number: int, rng: random.Random) -> str:
    """About ``CHARS_PER_DOCUMENT`` characters of words, emoji, accents and scripts."""
    body = " ".join(rng.choice(WORDS) for _ in range(CHARS_PER_DOCUMENT // 6))
    return f"Document {number}. {body}"[:CHARS_PER_DOCUMENT]


def build_project(path: Path, *, documents: int, spans_per_document: int, seed: int = 4) -> int:
    """A project of ``documents`` texts with random overlapping spans; returns the span count."""
    rng = random.Random(seed)
    total = 0
    with Store.create(path) as store:
        tags = {
            name: store.add_tag(kind="speaker" if name in SPEAKERS else "theme", name=name) for name in LABELS
        }
        rows: list[Annotation] = []
        with store.bulk_document_insert():
            for number in range(documents):
                text = make_text(number, rng)
                doc_id = store.add_document(
                    ImportedDocument(title=f"doc-{number:05d}", text=text), annotator="bench"
                ).document_id
                for _ in range(spans_per_document):
                    start = rng.randrange(len(text) - 40)
                    note = "checked" if rng.random() < 0.05 else None
                    rows.append(
                        Annotation(
                            new_id(),
                            doc_id,
                            start,
                            start + rng.randint(1, 40),
                            tags[rng.choice(LABELS)].id,
                            rng.choice(("ana", "ben")),
                            note,
                            STAMP,
                            STAMP,
                        )
                    )
                if len(rows) >= 200_000:
                    store.insert_annotations(rows)
                    total, rows = total + len(rows), []
        store.insert_annotations(rows)
    return total + len(rows)


def raw_dump(project: Path, out: Path) -> None:
    """The same rows in the same order, straight from SQLite, dumped with the json library."""
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


def export_native(project: Path, out: Path) -> None:
    """Annotator's own native export, as the command line runs it."""
    with Store.open(project, read_only=True) as store:
        export(store, out)


def export_peak_mb(project: Path, out: Path) -> float:
    """Peak resident memory of a fresh process that only runs the export (flat if streaming)."""
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[3]);"
        "from bench_export import export_native, _high_water_kb;"
        "export_native(Path(sys.argv[1]), Path(sys.argv[2])); print(_high_water_kb())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(project), str(out), str(Path(__file__).parent)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.split()[-1]) / 1024


def _high_water_kb() -> int:
    """This process's peak resident memory in KiB.

    ``/proc/self/status`` (VmHWM) where there is one: ``ru_maxrss`` would carry
    over the parent's peak through fork and exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _seconds(job) -> float:
    began = time.perf_counter()
    job()
    return time.perf_counter() - began


def measure(*, documents: int = 10_000, spans_per_document: int = 100, runs: int = 3) -> dict:
    """Build a corpus, then alternate export and raw dump ``runs`` times; medians in seconds."""
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-export-"))
    try:
        project = work / "bench.annotator"
        build = _seconds(
            lambda: build_project(project, documents=documents, spans_per_document=spans_per_document)
        )
        ours, raw = [], []
        for _ in range(runs):
            ours.append(_seconds(lambda: export_native(project, work / "ours.jsonl")))
            raw.append(_seconds(lambda: raw_dump(project, work / "raw.jsonl")))
        same = (work / "ours.jsonl").read_bytes().splitlines() == [
            _reencoded(line) for line in (work / "raw.jsonl").read_bytes().splitlines()
        ]
        return {
            "documents": documents,
            "spans": documents * spans_per_document,
            "build_s": build,
            "export_s": sorted(ours)[len(ours) // 2],
            "raw_dump_s": sorted(raw)[len(raw) // 2],
            "bytes": (work / "ours.jsonl").stat().st_size,
            "same_content_as_raw": same,
            "export_peak_mb": export_peak_mb(project, work / "ours.jsonl"),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _reencoded(line: bytes) -> bytes:
    """A raw-dump line in the export's separators, to compare contents byte for byte."""
    return json.dumps(json.loads(line), ensure_ascii=False, separators=(", ", ": ")).encode()


def main(argv: list[str]) -> int:
    """Print the figures and whether the targets are met."""
    documents, per_document, runs = (int(a) for a in (argv + ["10000", "100", "3"][len(argv) :])[:3])
    figures = measure(documents=documents, spans_per_document=per_document, runs=runs)
    ratio = figures["export_s"] / figures["raw_dump_s"]
    for key, value in figures.items():
        print(f"{key:>20}: {value:.3f}" if isinstance(value, float) else f"{key:>20}: {value}")
    print(f"{'ratio':>20}: {ratio:.2f}x")
    met = figures["export_s"] < 3 and ratio <= 1.5 and figures["same_content_as_raw"]
    print("targets met" if met else "targets NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
