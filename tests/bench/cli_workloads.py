"""W8: one command-line command, start to exit, in a fresh process each run.

``annotator stats`` on the sample project (the shipped ``seeds/`` with its
scheme and a few spans) is the quick question a researcher types most; its
time is nearly all interpreter start and imports, so this row guards the
command line's lazy imports. The baseline is a bare interpreter start
(``python -c pass``), the floor no change to Annotator can go below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.harness import Measurement, summarise

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
TARGET_S = 0.150


def sample_project(path: Path) -> Path:
    """The sample project: the seed documents, their scheme, and a span by each of two coders."""
    from annotator.importers.batch import import_paths
    from annotator.model import TagKind
    from annotator.scheme import load_scheme
    from annotator.store import Store

    with Store.create(path) as store:
        store.import_scheme(load_scheme(SEEDS / "scheme.json"))
        import_paths(
            store,
            [SEEDS / name for name in sorted(os.listdir(SEEDS)) if name.endswith(".txt")],
            annotator="bench",
        )
        doc = store.documents()[0].id
        tag = store.tags(TagKind.THEME)[0].id
        store.add_annotation(document_id=doc, start=0, end=10, tag_id=tag, annotator="ana")
        store.add_annotation(document_id=doc, start=20, end=30, tag_id=tag, annotator="ben")
    return path


def command(*argv: str) -> list[str]:
    """How a user runs ``annotator ARGV``: the installed script beside this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("annotator")
    if script.exists():
        return [str(script), *argv]
    return [sys.executable, "-m", "annotator", *argv]


def cli_import_ms(argv: list[str], env: dict) -> float:
    """Cumulative import time of ``annotator.cli`` and the command's own modules, from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "annotator", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    total = 0
    for line in done.stderr.splitlines():  # top-level entries only: each is its whole import tree
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", line)
        if found and found.group(2).startswith("annotator"):
            total += int(found.group(1))
    return total / 1000


def w8_cli_stats(scale: str) -> list[Measurement]:
    """W8: ``annotator stats`` on the sample project, wall time of the whole process."""
    runs = 21 if scale == "full" else 3
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        project = sample_project(work / "sample.annotator")
        env = {
            **os.environ,
            "ANNOTATOR_CONFIG_DIR": str(work / "config"),
            "ANNOTATOR_DATA_DIR": str(work / "data"),
            # An installed app has its bytecode cached; keep this run's cache out of the tree.
            "PYTHONPYCACHEPREFIX": str(work / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        argv = ["stats", str(project)]
        job = command(*argv)
        floor = [sys.executable, "-c", "pass"]
        for warm_up in (job, job, floor, floor):  # write the bytecode cache; not counted
            subprocess.run(warm_up, env=env, capture_output=True, check=True, timeout=120)
        wall, bare = [], []
        for _ in range(runs):
            for cmd, samples in ((job, wall), (floor, bare)):
                start = time.perf_counter()
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
                samples.append(time.perf_counter() - start)
                if done.returncode != 0:
                    raise RuntimeError(done.stderr[-2000:])
        imports_ms = cli_import_ms(argv, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(wall)
    return [
        Measurement(
            workload="W8",
            what="annotator stats on the sample project (wall)",
            target=f"< {TARGET_S * 1000:.0f} ms",
            runs=runs,
            median_s=median,
            p95_s=p95,
            baseline_median_s=summarise(bare)[0],
            met=median < TARGET_S,
            notes={
                "baseline": "python -c pass",
                "annotator_imports_ms": round(imports_ms, 1),
                "includes": "interpreter start, imports, opening the project, printing",
            },
        )
    ]
