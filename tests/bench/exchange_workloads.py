"""W13: REFI-QDA export (.qdpx) of W3's project (1,000,000 spans, 10,000 documents) against native JSONL.

The .qdpx holds more than the JSONL (a coding, a user and times per span;
XML is larger than compact JSON) and is deflated, so it cannot be as fast;
the target is within three times the native export, timed alternately in
the same process. Its memory is measured in a fresh process that does
nothing else, so the figure is the export's own and not the build's.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import zipfile
from pathlib import Path

from annotator.exporters import export
from annotator.store import Store
from tests.bench.export_workloads import SHAPES, build_project
from tests.bench.harness import Measurement, alternate, peak_mb, summarise


def _export(project: Path, out: Path, fmt: str) -> None:
    with Store.open(project, read_only=True) as store:
        export(store, out, format=fmt)


def _own_peak_mb() -> float:
    """This process's peak resident memory since it started its program.

    Linux keeps ``ru_maxrss`` across exec, so a process spawned by one that
    built a big project would report the builder's peak; ``VmHWM`` belongs to
    the process's own memory map.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_mb()


def _export_and_report_peak(project: str, out: str, queue) -> None:
    _export(Path(project), Path(out), "qdpx")
    queue.put(_own_peak_mb())


def isolated_peak_mb(project: Path, out: Path) -> float:
    """Peak resident memory of a fresh process that only exports ``project`` to .qdpx."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_export_and_report_peak, args=(str(project), str(out), queue))
    process.start()
    try:
        return queue.get(timeout=1800)
    finally:
        process.join(timeout=60)


def w13_qdpx_export(scale: str) -> list[Measurement]:
    """W13: .qdpx export of the whole corpus, against the native JSONL export."""
    shape = SHAPES[scale]
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        project = work / "exchange.annotator"
        spans = build_project(project, shape)
        job, base = alternate(
            lambda: _export(project, work / "out.qdpx", "qdpx"),
            lambda: _export(project, work / "out.jsonl", "native"),
            3 if scale == "full" else 2,
        )
        size = (work / "out.qdpx").stat().st_size
        with zipfile.ZipFile(work / "out.qdpx") as archive:
            xml_bytes = archive.getinfo("project.qde").file_size
        jsonl_bytes = (work / "out.jsonl").stat().st_size
        export_peak = isolated_peak_mb(project, work / "peak.qdpx")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(job)
    base_median, _ = summarise(base)
    return [
        Measurement(
            workload="W13",
            what=f"qdpx export {spans:,} spans / {shape.documents:,} docs",
            target="<= 3x native JSONL export",
            runs=len(job),
            median_s=median,
            p95_s=p95,
            baseline_median_s=base_median,
            peak_mb=export_peak,
            met=median / base_median <= 3,
            notes={"qdpx_bytes": size, "project_qde_bytes": xml_bytes, "jsonl_bytes": jsonl_bytes},
        )
    ]
