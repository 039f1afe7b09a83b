"""Quick timing of reviewing: agreement between two files and merging one into another.

Run it as ``python scripts/bench_review.py [SPANS_PER_FILE]`` (default 100,000) or
import ``measure`` from it. Two projects share the same texts; the second
annotator's spans are the first's, a third moved by a few characters and a
tenth retagged, so every statistic has real work to do. The targets are an
agreement under 2 s and a merge (backup included) under 3 s at 100,000 spans.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from annotator.model import Annotation, ImportedDocument, new_id
from annotator.review.compare import agreement_report
from annotator.review.loading import open_colleague
from annotator.review.merge import merge_files
from annotator.store import Store

TAGS = ["Security", "Economy", "Law", "Drugs", "Terrorism", "Trade", "Norov", "Greminger"]
SPANS_PER_DOCUMENT = 100
CHARS_PER_DOCUMENT = 5_000
STAMP = "2026-11-22T00:00:00+00:00"


def _texts(count: int, rng: random.Random) -> list[str]:
    words = ["security", "trade", "regional", "talks", "Geneva", "border", "water", "policy", "😀", "naïve"]
    texts = []
    for number in range(count):
        body = " ".join(rng.choice(words) for _ in range(CHARS_PER_DOCUMENT // 7))
        texts.append(f"Document {number}. {body}"[:CHARS_PER_DOCUMENT])
    return texts


def _spans(length: int, rng: random.Random) -> list[tuple[int, int, int]]:
    spans = []
    for _ in range(SPANS_PER_DOCUMENT):
        start = rng.randrange(0, length - 60)
        spans.append((start, start + rng.randrange(5, 60), rng.randrange(len(TAGS))))
    return spans


def _coded_by_colleague(spans: list[tuple[int, int, int]], length: int, rng: random.Random):
    out = []
    for start, end, tag in spans:
        roll = rng.random()
        if roll < 0.33:
            shift = rng.randrange(-4, 5)
            start, end = max(0, start + shift), min(length, end + shift)
        elif roll < 0.43:
            tag = (tag + 1) % len(TAGS)
        out.append((start, max(end, start + 1), tag))
    return out


def build_pair(folder: Path, spans_per_file: int, *, seed: int = 7) -> tuple[Path, Path]:
    """Our project (ana) and a colleague's (ben) over the same texts, ``spans_per_file`` spans each."""
    rng = random.Random(seed)
    texts = _texts(max(1, spans_per_file // SPANS_PER_DOCUMENT), rng)
    coded = [_spans(len(text), rng) for text in texts]
    paths = []
    for annotator in ("ana", "ben"):
        path = folder / f"{annotator}.annotator"
        with Store.create(path) as store:
            tags = [store.add_tag(kind="theme", name=name) for name in TAGS]
            rows = []
            for number, text in enumerate(texts):
                doc = store.add_document(
                    ImportedDocument(title=f"doc {number}", text=text), annotator=annotator
                )
                spans = (
                    coded[number]
                    if annotator == "ana"
                    else _coded_by_colleague(coded[number], len(text), rng)
                )
                rows.extend(
                    Annotation(new_id(), doc.document_id, s, e, tags[t].id, annotator, None, STAMP, STAMP)
                    for s, e, t in spans
                )
            store.insert_annotations(rows)
        paths.append(path)
    return paths[0], paths[1]


def _timed(job) -> float:
    began = time.perf_counter()
    job()
    return time.perf_counter() - began


def measure(spans_per_file: int = 100_000, *, runs: int = 3) -> dict[str, float]:
    """Best-of-``runs`` seconds for the agreement (copy included) and for a merge (backup included)."""
    folder = Path(tempfile.mkdtemp(prefix="annotator-bench-review-"))
    try:
        ours, theirs = build_pair(folder, spans_per_file)

        def agree() -> None:
            with Store.open(ours, read_only=True) as store, open_colleague(theirs) as colleague:
                agreement_report([store, colleague.store])

        merges = []
        for run in range(runs):
            target = folder / f"merge-{run}.annotator"
            shutil.copy(ours, target)
            with Store.open(target) as store:
                merges.append(_timed(lambda store=store: merge_files(store, [theirs])))
        return {
            "spans_per_file": spans_per_file,
            "agreement_s": min(_timed(agree) for _ in range(runs)),
            "merge_s": min(merges),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    figures = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print(
        f"{figures['spans_per_file']:,} spans per file: agreement {figures['agreement_s']:.2f} s "
        f"(target < 2 s), merge {figures['merge_s']:.2f} s (target < 3 s)"
    )
