"""The export dialog's formats, suffixes and file filters come from the exporters' registry only."""

from __future__ import annotations

import zipfile

import pytest

from annotator.gui.export_dialog import ExportDialog
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store
from tests.test_export_formats import ToyArchive, toy  # noqa: F401  (the fixture registers the toy format)

pytestmark = pytest.mark.gui


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.annotator"
    with Store.create(path) as store:
        store.add_document(
            ImportedDocument(
                title="t",
                text="Ana is happy.",
                spans=(ImportedSpan(7, 12, "Joy", TagKind.THEME, annotator="ana"),),
            ),
            annotator="x",
        )
    return path


def test_the_file_filters_are_the_registry_s_descriptions_and_suffixes(qtbot, project):
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    assert dialog.file_filters() == [
        "JSONL, every field (re-importable) (*.jsonl)",
        "JSONL for doccano (*.jsonl)",
        "JSONL for spaCy and Prodigy (*.jsonl)",
        "CSV, one row per annotation (*.csv)",
        "Excel workbook, one row per annotation (*.xlsx)",
        "REFI-QDA project for NVivo, ATLAS.ti, MAXQDA and QualCoder (*.qdpx)",
    ]


def test_the_chosen_filter_picks_its_format_and_suffix(qtbot, project, tmp_path):
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.choose_path(
        str(tmp_path / "out.jsonl"), "doccano"
    )  # a .jsonl three formats share: the filter decides
    assert dialog.format.currentText() == "doccano" and dialog.path.text() == str(tmp_path / "out.jsonl")
    dialog.choose_path(str(tmp_path / "sheet"), "xlsx")  # no suffix: the filter's is added
    assert dialog.format.currentText() == "xlsx" and dialog.path.text() == str(tmp_path / "sheet.xlsx")
    dialog.choose_path(str(tmp_path / "rows.csv"), "spacy")  # a suffix only CSV uses wins over the filter
    assert dialog.format.currentText() == "csv" and dialog.csv_raw.isEnabled()


def test_a_registered_format_is_listed_filtered_and_exported(qtbot, project, tmp_path, toy):  # noqa: F811
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    assert dialog.format.itemText(dialog.format.count() - 1) == "toyzip"
    assert dialog.file_filters()[-1] == "Toy ZIP: a codebook and the documents (*.toyzip)"
    dialog.format.setCurrentText("toyzip")
    assert dialog.path.text() == str(tmp_path / "p-export.toyzip") and not dialog.csv_raw.isEnabled()
    with qtbot.waitSignal(dialog.finished_export, timeout=20_000):
        dialog.start()
    dialog.worker.wait()
    with zipfile.ZipFile(tmp_path / "p-export.toyzip") as archive:
        assert archive.read("documents.txt") == b"t: Joy@7"
    assert "1 document(s) in documents.txt" in dialog.message.text()
    assert ToyArchive.aborted == []
