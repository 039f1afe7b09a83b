"""The window's CSV/TSV column picker: columns listed, the importer's guess pre-selected, choices imported."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from annotator.gui.csv_columns import CsvColumnsDialog, choose_columns, read_heads
from annotator.importers import ImportOptions
from annotator.importers.tabular import read_table_head

pytestmark = pytest.mark.gui

#: Two guessable columns (Answer, Comment): the importer cannot pick the text on its own.
SURVEY = (
    "id,Respondent,Answer,Comment\n"
    "1,Ana,I liked it 😀,short\n"
    "\n"
    '2,Ben,"Two lines,\nwith a comma",\n'
    "3,<b>Cy</b>,Last one,late\n"
)


@pytest.fixture
def survey(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    return path


def dialog_for(qtbot, *paths):
    heads, problems = read_heads(list(paths), ImportOptions())
    dialog = CsvColumnsDialog(heads, problems)
    qtbot.addWidget(dialog)
    return dialog


def combo_items(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def choosing(monkeypatch, text: str | None, title: str | None, seen: list):
    """Replace the dialog's exec: record the dialog, pick ``text``/``title`` and accept (None: cancel)."""

    def exec_(dialog) -> int:
        seen.append((combo_items(dialog.text_combo), dialog.text_column()))
        if text is None:
            return QDialog.DialogCode.Rejected
        dialog.text_combo.setCurrentText(text)
        dialog.title_combo.setCurrentIndex(dialog.title_combo.findData(title))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CsvColumnsDialog, "exec", exec_)


def test_table_head_reads_the_header_and_first_rows_as_the_importer_splits_them(survey):
    header, rows = read_table_head(survey, rows=2)
    assert header == ["id", "Respondent", "Answer", "Comment"]
    assert rows == [["1", "Ana", "I liked it 😀", "short"], ["2", "Ben", "Two lines,\nwith a comma", ""]]


def test_dialog_lists_the_columns_and_preselects_the_importers_guess(qtbot, tmp_path):
    path = tmp_path / "answers.tsv"
    path.write_text("respondent\tresponse\tage\nr1\tYes, always.\t34\n", encoding="utf-8")
    dialog = dialog_for(qtbot, path)
    assert combo_items(dialog.text_combo) == ["respondent", "response", "age"]
    assert dialog.text_column() == "response" and dialog.title_column() is None
    assert dialog.import_button.isEnabled()
    table = dialog.preview_table()
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == ["respondent", "response", "age"]
    assert table.item(0, 1).text() == "Yes, always."
    assert [i.column() for i in table.selectionModel().selectedColumns()] == [1]  # the text column shows
    assert dialog.options(ImportOptions(transcript=True)) == ImportOptions(
        transcript=True, text_column="response", title_column=None
    )


def test_without_a_guess_nothing_is_preselected_and_import_waits_for_a_choice(qtbot, survey):
    dialog = dialog_for(qtbot, survey)
    assert dialog.text_column() is None and not dialog.import_button.isEnabled()
    dialog.text_combo.setCurrentText("Answer")
    assert dialog.import_button.isEnabled()
    rows = dialog.preview_table().rowCount()
    assert rows == 3  # the blank line is not a row
    assert dialog.preview_table().item(1, 2).text() == "Two lines, ⏎ with a comma"


def test_choosing_answer_and_respondent_imports_one_document_per_row(
    make_window, emoji_project, survey, qtbot, monkeypatch
):
    window = make_window(emoji_project)
    seen = []
    choosing(monkeypatch, "Answer", "Respondent", seen)
    worker = window.importing.start_import([str(survey)])
    assert seen == [(["id", "Respondent", "Answer", "Comment"], None)]
    with qtbot.waitSignal(worker.succeeded, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: window.importing.last_report is not None)
    assert (
        window.importing.last_report.summary() == "3 document(s) imported, 0 already in the project, 0 failed"
    )
    stored = sorted(
        (d for d in window.store.iter_documents() if d.source_format == "csv"), key=lambda d: d.meta["row"]
    )
    assert [(d.title, d.text) for d in stored] == [
        ("Ana", "I liked it 😀"),
        ("Ben", "Two lines,\nwith a comma"),
        ("<b>Cy</b>", "Last one"),
    ]
    assert stored[0].meta == {
        "filename": "survey.csv",
        "encoding": "utf-8",
        "row": 2,
        "id": "1",
        "Comment": "short",
    }


def test_cancelling_the_dialog_imports_nothing(make_window, emoji_project, survey, monkeypatch):
    window = make_window(emoji_project)
    seen = []
    choosing(monkeypatch, None, None, seen)
    before = window.store.document_count()
    assert window.importing.start_import([str(survey)]) is None
    assert len(seen) == 1 and window.store.document_count() == before


def test_tables_in_a_folder_are_asked_about_and_other_files_are_not(qtbot, tmp_path, survey, monkeypatch):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "notes.txt").write_text("Just text.", encoding="utf-8")
    seen = []
    choosing(monkeypatch, "Answer", None, seen)
    assert choose_columns(None, [str(folder / "notes.txt")], None) == ImportOptions()
    assert seen == []
    (folder / "more.csv").write_text("Respondent,Answer\nDi,Fine\n", encoding="utf-8")
    assert choose_columns(None, [str(folder)], None) == ImportOptions(text_column="Answer")
    named = ImportOptions(text_column="Comment")
    assert choose_columns(None, [str(survey)], named) is named  # already chosen: not asked again
    assert len(seen) == 1


def test_several_headers_get_a_tab_each_and_offer_the_shared_columns(qtbot, tmp_path, survey):
    other = tmp_path / "other.csv"
    other.write_text("ANSWER;respondent;wave\nOui;Eve;2\n", encoding="utf-8")
    same = tmp_path / "same.csv"
    same.write_text(SURVEY, encoding="utf-8")
    dialog = dialog_for(qtbot, survey, other, same)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["survey.csv +1", "other.csv"]
    assert combo_items(dialog.text_combo) == ["Respondent", "Answer"]  # in every file, ignoring case
    assert dialog.text_column() == "Answer"  # the one guessable column they share
    lonely = tmp_path / "lonely.csv"
    lonely.write_text("x,y\n1,2\n", encoding="utf-8")
    apart = dialog_for(qtbot, survey, lonely)
    assert combo_items(apart.text_combo) == [] and not apart.import_button.isEnabled()
    assert "no column in common" in apart.note.text()
