"""The export dialog runs the export off the UI thread and writes the chosen format."""

from __future__ import annotations

import json

import pytest

from annotator.gui.export_dialog import ExportDialog, export_job
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store

pytestmark = pytest.mark.gui


def test_export_dialog_writes_filtered_spacy_jsonl(qtbot, tmp_path):
    project = tmp_path / "p.annotator"
    with Store.create(project) as store:
        store.add_document(
            ImportedDocument(
                title="a",
                text="Ana and Ben talk.",
                spans=(
                    ImportedSpan(0, 3, "Ana", TagKind.SPEAKER, annotator="x"),
                    ImportedSpan(8, 11, "Topic", TagKind.THEME, annotator="y"),
                ),
            ),
            annotator="x",
        )
        store.add_document(ImportedDocument(title="b", text="Nothing here."), annotator="x")
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentText("spacy")
    assert dialog.path.text().endswith("p-export.jsonl")
    dialog.kind.setCurrentIndex(2)  # speakers only
    dialog.only_annotated.setChecked(True)
    out = tmp_path / "speakers.jsonl"
    dialog.path.setText(str(out))
    with qtbot.waitSignal(dialog.finished_export, timeout=20_000) as signal:
        dialog.start()
    assert (signal.args[0].documents, signal.args[0].spans) == (1, 1)
    [line] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["spans"] == [{"start": 0, "end": 3, "label": "Ana"}]
    assert "Exported 1 document(s) and 1 span(s)" in dialog.message.text()


def _project(tmp_path):
    project = tmp_path / "p.annotator"
    with Store.create(project) as store:
        store.add_document(
            ImportedDocument(
                title="a",
                text="Ana 😀 Ben.",
                spans=(ImportedSpan(0, 3, "Ana", TagKind.SPEAKER, annotator="x"),),
            ),
            annotator="x",
        )
    return project


def test_a_cancelled_export_reports_it_and_leaves_no_file(qtbot, tmp_path):
    out = tmp_path / "out.jsonl"
    worker = export_job(_project(tmp_path), out, {"format": "native"})
    worker.cancel()  # before the first document: the worker must stop there
    with qtbot.waitSignal(worker.failed, timeout=20_000) as signal:
        worker.start()
    worker.wait()
    assert signal.args == ["export cancelled; nothing was written"]
    assert [p.name for p in tmp_path.iterdir() if "out.jsonl" in p.name] == []  # neither file nor .partial


def test_a_failing_export_shows_the_reason_and_can_be_retried(qtbot, tmp_path):
    dialog = ExportDialog(_project(tmp_path))
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "missing" / "out.jsonl"))
    with qtbot.waitSignal(dialog.failed_export, timeout=20_000):
        dialog.start()
    assert "folder does not exist" in dialog.message.text()
    assert dialog.export_button.isEnabled() and dialog.progress.isHidden()
    dialog.path.setText(str(tmp_path / "out.jsonl"))
    with qtbot.waitSignal(dialog.finished_export, timeout=20_000):
        dialog.start()
    [line] = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["spans"][0]["text"] == "Ana"
