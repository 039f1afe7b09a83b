"""The export dialog offers every registered format (xlsx too), the raw-CSV choice, and refuses the project."""

from __future__ import annotations

import os

import pytest

from annotator.gui.export_dialog import ExportDialog
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store
from tests.test_export_targets import sha256_elsewhere
from tests.test_export_xlsx import read_workbook

pytestmark = pytest.mark.gui


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.annotator"
    with Store.create(path) as store:
        store.add_document(
            ImportedDocument(
                title="=t",
                text="-5 and =1+1",
                spans=(
                    ImportedSpan(0, 2, "Number", TagKind.THEME, annotator="ana"),
                    ImportedSpan(7, 11, "Formula", TagKind.THEME, annotator="ana"),
                ),
            ),
            annotator="x",
        )
    return path


def _run(qtbot, dialog, signal):
    with qtbot.waitSignal(signal, timeout=20_000) as waited:
        dialog.start()
    dialog.worker.wait()
    return waited.args[0]


def test_xlsx_is_offered_with_its_suffix_and_written_as_strings(qtbot, project, tmp_path):
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    assert [dialog.format.itemText(i) for i in range(dialog.format.count())] == [
        "native",
        "doccano",
        "spacy",
        "csv",
        "xlsx",
        "qdpx",
    ]
    dialog.format.setCurrentText("xlsx")
    assert dialog.path.text() == str(tmp_path / "p-export.xlsx")
    assert not dialog.csv_raw.isEnabled() and dialog.options()["csv_raw"] is False
    summary = _run(qtbot, dialog, dialog.finished_export)
    rows = read_workbook(tmp_path / "p-export.xlsx")["spans"]
    assert [row[8] for row in rows[1:]] == ["-5", "=1+1"] and rows[1][0] == "=t"
    assert summary.spans == 2 and "Exported 1 document(s) and 2 span(s)" in dialog.message.text()


def test_csv_is_neutralised_unless_raw_is_ticked(qtbot, project, tmp_path):
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.choose_path(str(tmp_path / "safe.csv"))  # the suffix picks the format
    assert dialog.format.currentText() == "csv" and dialog.csv_raw.isEnabled()
    _run(qtbot, dialog, dialog.finished_export)
    assert (tmp_path / "safe.csv").read_bytes().splitlines()[1:] == [
        b"'=t,%s,0,2,Number,theme,ana,,'-5" % _doc_id(project).encode(),
        b"'=t,%s,7,11,Formula,theme,ana,,'=1+1" % _doc_id(project).encode(),
    ]
    dialog.csv_raw.setChecked(True)
    dialog.path.setText(str(tmp_path / "raw.csv"))
    _run(qtbot, dialog, dialog.finished_export)
    assert (tmp_path / "raw.csv").read_bytes().endswith(b",Formula,theme,ana,,=1+1\r\n")
    dialog.format.setCurrentText("native")  # raw means nothing for JSONL: not passed on
    assert not dialog.csv_raw.isEnabled() and dialog.options()["csv_raw"] is False


def _doc_id(project):
    with Store.open(project, read_only=True) as store:
        return store.documents()[0].id


def test_a_link_to_the_project_is_refused_and_the_project_kept(qtbot, project, tmp_path):
    link = tmp_path / "link.jsonl"
    link.symlink_to(project)
    hard = tmp_path / "hard.csv"
    os.link(project, hard)
    before = sha256_elsewhere(project)
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    for target in (link, hard, project):
        dialog.path.setText(str(target))
        message = _run(qtbot, dialog, dialog.failed_export)
        assert message == f"{target}: is the project itself; choose another output file"
        assert dialog.message.text() == message and dialog.export_button.isEnabled()
    assert sha256_elsewhere(project) == before and link.is_symlink()
