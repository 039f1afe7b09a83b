"""Run the benchmark suite: ``python -m tests.bench [--small] [--only W2,W5] [--json FILE]``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

from tests.bench.harness import format_table, run_isolated

#: Workload id -> "module:function(scale)"; each returns a list of Measurements.
WORKLOADS = {
    "W1": "tests.bench.gui_workloads:w1_view",
    "W2": "tests.bench.core_workloads:w2_import",
    "W3": "tests.bench.export_workloads:w3_export",
    "W4": "tests.bench.review_workloads:w4_agreement",
    "W5": "tests.bench.core_workloads:w5_search",
    "W6": "tests.bench.gui_workloads:w6_startup",
    "W7": "tests.bench.review_workloads:w7_merge",
    "W8": "tests.bench.cli_workloads:w8_cli_stats",
    "W9": "tests.bench.scale_workloads:w9_tags_import",
    "W10": "tests.bench.scale_workloads:w10_search_long",
    "W11": "tests.bench.scale_workloads:w11_hostile_html",
    "W12": "tests.bench.scale_workloads:w12_swollen_docx",
    "W13": "tests.bench.exchange_workloads:w13_qdpx_export",
    "W14": "tests.bench.exchange_import_workloads:w14_qdpx_import",
    "W15": "tests.bench.analysis_workloads:w15_retrieval",
    "W16": "tests.bench.analysis_workloads:w16_matrices",
}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen workloads, print a table, write JSON; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--small", action="store_true", help="tiny corpora: checks that the suite works (CI)")
    parser.add_argument("--only", help="comma-separated workload ids, e.g. W2,W5")
    parser.add_argument(
        "--json", type=Path, default=Path("bench-results/latest.json"), help="where to write JSON"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scale = "small" if args.small else "full"
    chosen = [w.strip().upper() for w in args.only.split(",")] if args.only else list(WORKLOADS)
    rows = []
    for workload in chosen:
        print(f"running {workload} ({scale})…", file=sys.stderr, flush=True)
        rows.extend(run_isolated(WORKLOADS[workload], scale))
    print(format_table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "scale": scale,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "results": rows,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nJSON written to {args.json}")
    if scale == "full" and any(r["met"] is False for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
