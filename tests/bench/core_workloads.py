"""W2 (import a folder of text files) and W5 (corpus search), against plain SQLite baselines."""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import tempfile
from pathlib import Path

from annotator.importers.batch import import_paths
from annotator.store import Store
from tests.bench.corpus import CorpusShape, documents, vocabulary
from tests.bench.harness import Measurement, alternate, peak_mb, summarise, timed

SHAPES = {
    "full": CorpusShape(documents=10_000, chars_per_document=10_000),
    "small": CorpusShape(documents=200, chars_per_document=2_000),
}
RUNS = {"full": 3, "small": 2}


def write_corpus(folder: Path, shape: CorpusShape) -> int:
    """Write the synthetic corpus as UTF-8 text files; returns the total bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for title, text in documents(shape):
        data = text.encode("utf-8")
        (folder / f"{title}.txt").write_bytes(data)
        total += len(data)
    return total


def baseline_import(folder: Path, database: Path) -> None:
    """The simplest direct code: read, decode, hash, executemany, rebuild FTS5, one transaction."""
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT, text TEXT, sha256 TEXT)")
    conn.execute(
        "CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, content='documents', content_rowid='id')"
    )
    rows = []
    for path in sorted(folder.iterdir()):
        text = path.read_bytes().decode("utf-8")
        rows.append((path.stem, text, hashlib.sha256(text.encode("utf-8")).hexdigest()))
    with conn:
        conn.executemany("INSERT INTO documents (title, text, sha256) VALUES (?, ?, ?)", rows)
        conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")
    conn.close()


def our_import(folder: Path, database: Path) -> None:
    """Annotator's own import of the folder into a new project."""
    with Store.create(database) as store:
        report = import_paths(store, [folder], annotator="bench")
    if report.failed:
        raise RuntimeError(report.failed[0].message)


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def w2_import(scale: str) -> list[Measurement]:
    """W2: import N text files including the search index, against the baseline."""
    shape = SHAPES[scale]
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        total = write_corpus(work / "corpus", shape)
        ours, base = work / "ours.annotator", work / "base.sqlite"
        job_times, base_times = alternate(
            lambda: our_import(work / "corpus", ours),
            lambda: baseline_import(work / "corpus", base),
            RUNS[scale],
            setup=lambda: (_fresh(ours), _fresh(base)),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(job_times)
    base_median, _ = summarise(base_times)
    return [
        Measurement(
            workload="W2",
            what=f"import {shape.documents} files, {total / 1e6:.0f} MB + index",
            target="<= 1.5x baseline",
            runs=len(job_times),
            median_s=median,
            p95_s=p95,
            baseline_median_s=base_median,
            peak_mb=peak_mb(),
            met=median / base_median <= 1.5,
            notes={"bytes": total},
        )
    ]


def search_queries(count: int = 60, seed: int = 7) -> list[str]:
    """Queries a researcher might type: frequent, middling and rare words, prefixes, phrases."""
    rng = random.Random(seed)
    words = vocabulary(random.Random(20261122))
    queries = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            queries.append(words[rng.randrange(0, 20)])
        elif kind == 1:
            queries.append(words[rng.randrange(200, 2000)])
        elif kind == 2:
            queries.append(words[rng.randrange(0, 500)][:3] + "*")
        else:
            queries.append(f'"{words[rng.randrange(0, 30)]} {words[rng.randrange(0, 30)]}"')
    return queries


def w5_search(scale: str) -> list[Measurement]:
    """W5: search the W2 corpus; latency per query, 95th percentile."""
    shape = SHAPES[scale]
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        write_corpus(work / "corpus", shape)
        project = work / "corpus.annotator"
        our_import(work / "corpus", project)
        latencies = []
        hits = 0
        with Store.open(project, read_only=True) as store:
            for query in search_queries() * 2:
                found: list = []
                latencies.append(timed(lambda q=query, out=found: out.extend(store.search(q))))
                hits += len(found)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(latencies)
    return [
        Measurement(
            workload="W5",
            what=f"search {shape.documents} docs ({len(latencies)} queries)",
            target="p95 < 50 ms",
            runs=len(latencies),
            median_s=median,
            p95_s=p95,
            peak_mb=peak_mb(),
            met=p95 < 0.050,
            notes={"hits": hits},
        )
    ]
