"""Timing, isolation and reporting shared by every workload.

Each workload runs in a fresh spawned process so its peak memory (``ru_maxrss``)
is its own, and runs its baseline in that same process, alternating with the
real job, so a ratio holds even on a noisy machine.
"""

from __future__ import annotations

import importlib
import multiprocessing
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Measurement:
    """One row of the benchmark table."""

    workload: str
    what: str
    target: str
    runs: int
    median_s: float
    p95_s: float
    baseline_median_s: float | None = None
    peak_mb: float | None = None
    met: bool | None = None
    notes: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Median over the baseline's median, when there is a baseline."""
        if self.baseline_median_s:
            return self.median_s / self.baseline_median_s
        return None

    def as_dict(self) -> dict:
        """A JSON-ready dict, ratio included."""
        return {**asdict(self), "ratio": self.ratio}


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``samples`` (fraction in 0..1)."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def timed(job: Callable[[], object]) -> float:
    """Seconds one call of ``job`` takes."""
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def alternate(
    job: Callable[[], object],
    baseline: Callable[[], object] | None,
    runs: int,
    setup: Callable[[], object] | None = None,
) -> tuple[list[float], list[float]]:
    """Time ``job`` and ``baseline`` ``runs`` times each, interleaved; ``setup`` before each."""
    job_times, base_times = [], []
    for _ in range(runs):
        if setup:
            setup()
        job_times.append(timed(job))
        if baseline is not None:
            if setup:
                setup()
            base_times.append(timed(baseline))
    return job_times, base_times


def summarise(samples: list[float]) -> tuple[float, float]:
    """(median, 95th percentile) of ``samples``."""
    return statistics.median(samples), percentile(samples, 0.95)


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(target: str, scale: str, queue) -> None:
    module_name, function_name = target.split(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        queue.put(("ok", [m.as_dict() for m in function(scale)]))
    except BaseException as exc:  # report, don't hang the parent
        import traceback

        queue.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


def run_isolated(target: str, scale: str, timeout: float = 1800) -> list[dict]:
    """Run ``module:function(scale)`` in a fresh process; returns its measurements."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, scale, queue))
    process.start()
    try:
        status, payload = queue.get(timeout=timeout)
    finally:
        process.join(timeout=60)
        if process.is_alive():
            process.kill()
    if status != "ok":
        raise RuntimeError(f"{target} failed: {payload}")
    return payload


def format_table(rows: list[dict]) -> str:
    """A plain-text table of measurements."""
    header = f"{'workload':<6} {'what':<44} {'median':>9} {'p95':>9} {'baseline':>9} {'ratio':>6} {'peak MB':>8}  target / met"
    lines = [header, "-" * len(header)]
    for r in rows:
        base = f"{r['baseline_median_s'] * 1000:8.1f}ms" if r["baseline_median_s"] else " " * 10
        ratio = f"{r['ratio']:6.2f}" if r["ratio"] else " " * 6
        peak = f"{r['peak_mb']:8.0f}" if r["peak_mb"] else " " * 8
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        lines.append(
            f"{r['workload']:<6} {r['what'][:44]:<44} {r['median_s'] * 1000:7.1f}ms {r['p95_s'] * 1000:7.1f}ms "
            f"{base}{ratio} {peak}  {r['target']} / {met}"
        )
    return "\n".join(lines)
