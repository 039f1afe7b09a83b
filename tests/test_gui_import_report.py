"""The window's import report says what the command line says: skipped lines and collapsed spans too."""

from __future__ import annotations

import json

from annotator.gui.dialogs import import_report_details
from annotator.importers.batch import import_paths


def test_import_report_lists_skipped_lines_and_counts_collapsed_spans(store, tmp_path):
    path = tmp_path / "prodigy.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(line)
            for line in (
                {
                    "text": "kept",
                    "spans": [{"start": 0, "end": 4, "label": "A"}, {"start": 0, "end": 4, "label": "A"}],
                },
                {"text": "dropped", "answer": "reject"},
            )
        )
        + "\n",
        encoding="utf-8",
    )
    report = import_paths(store, [path], annotator="a")
    assert import_report_details(report) == ["skipped: prodigy.jsonl line 2: answer 'reject' (Prodigy)"]
    assert report.summary() == (
        "1 document(s) imported, 0 already in the project, 0 failed, "
        "1 line(s) or row(s) skipped, 1 identical span(s) collapsed"
    )
