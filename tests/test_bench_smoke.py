"""CI runs every benchmark workload at a tiny scale, so the suite keeps working."""

from __future__ import annotations

import json

from tests.bench.__main__ import WORKLOADS, main


def test_small_benchmark_suite_runs_every_workload(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--small", "--json", str(out)]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert {r["workload"] for r in results} == set(WORKLOADS)
    for row in results:
        assert row["median_s"] > 0 and row["runs"] >= 1
        assert row["peak_mb"] is None or row["peak_mb"] > 0
    table = capsys.readouterr().out
    assert "W2" in table and "target" in table
