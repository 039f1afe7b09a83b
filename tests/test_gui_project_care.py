"""The window takes backups, restores one, and imports transcripts after showing the speakers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from annotator import backup
from annotator.gui.app import create_window, make_application
from annotator.model import ImportedDocument, TagKind
from annotator.settings import Settings
from annotator.store import Store

pytestmark = pytest.mark.gui

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
TRANSCRIPT = "Alice: Hello there.\nBob: Hi!\nAlice: Bye 👋 now.\n"


@pytest.fixture
def window_on(qtbot):
    make_application()
    Settings(annotator="tester").save()
    opened = []

    def make(path):
        window = create_window(str(path), Settings.load())
        qtbot.addWidget(window)
        window.quiet_reports = True
        opened.append(window)
        return window

    yield make
    for window in opened:
        window.wait_for_backup()
        window.store.close()


@pytest.fixture
def one_document_project(project_path):
    with Store.create(project_path) as store:
        store.add_document(ImportedDocument(title="t", text="hello world"), annotator="a")
    return project_path


def test_opening_a_project_backs_it_up_at_most_hourly(window_on, one_document_project):
    window = window_on(one_document_project)
    window.wait_for_backup()
    backups = backup.list_backups(one_document_project)
    assert len(backups) == 1
    assert backups[0].counts() == (1, 0)
    assert window.backups.last_backup is not None and window.backups.last_backup.path == backups[0].path

    window.open_project(one_document_project)  # opened again within the hour
    window.wait_for_backup()
    assert len(backup.list_backups(one_document_project)) == 1


def test_a_read_only_window_takes_no_backup(window_on, one_document_project):
    window = window_on(one_document_project)
    window.wait_for_backup()
    window.store.read_only = True
    assert window.backups.start_backup() is None


def test_restoring_from_the_window_reopens_the_project_as_the_backup_left_it(
    qtbot, window_on, one_document_project
):
    backup.make_backup(one_document_project, now=T0)
    window = window_on(one_document_project)
    window.wait_for_backup()
    with Store.open(one_document_project) as other:
        other.add_tag(kind=TagKind.THEME, name="Added after the backup")
    window.refresh_if_changed_elsewhere()
    assert "Added after the backup" in [t.name for t in window.tags_by_id.values()]
    old_store = window.store

    dialog = window.backups.backups_dialog()
    qtbot.addWidget(dialog)
    oldest = len(dialog.backups) - 1
    assert dialog.backups[oldest].taken == T0
    dialog.table.selectRow(oldest)
    dialog.confirm = lambda chosen: True
    with qtbot.waitSignal(dialog.restored):
        assert dialog.restore_selected() is True

    assert window.store is not old_store and not window.store.read_only
    assert [t.name for t in window.store.tags()] == []
    assert window.tags_by_id == {}
    assert window.current_document.text == "hello world"
    assert not window.history.can_undo()
    window.store.add_tag(kind=TagKind.SPEAKER, name="Writable again")  # the reopened store works


def test_transcript_import_shows_speakers_then_tags_each_turn(qtbot, window_on, project_path, tmp_path):
    Store.create(project_path).close()
    source = tmp_path / "interview.txt"
    source.write_bytes(TRANSCRIPT.replace("\n", "\r\n").encode("utf-8"))
    window = window_on(project_path)
    seen = {}

    def confirm(preview):
        seen["speakers"] = [(s.name, s.turns) for s in preview.speakers]
        return True

    worker = window.importing.import_transcripts([str(source)], confirm=confirm)
    with qtbot.waitSignal(worker.succeeded, timeout=20_000):
        pass
    assert seen["speakers"] == [("Alice", 2), ("Bob", 1)]
    with Store.open(project_path, read_only=True) as store:
        (document,) = store.documents()
        spans = sorted(
            (a.start, a.end, store.tag(a.tag_id).name, store.tag(a.tag_id).kind)
            for a in store.annotations_for_document(document.id)
        )
    assert spans == [
        (7, 19, "Alice", TagKind.SPEAKER),
        (25, 28, "Bob", TagKind.SPEAKER),
        (36, 46, "Alice", TagKind.SPEAKER),
    ]


def test_declining_the_transcript_preview_imports_nothing(window_on, project_path, tmp_path):
    Store.create(project_path).close()
    source = tmp_path / "interview.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    window = window_on(project_path)
    assert window.importing.import_transcripts([str(source)], confirm=lambda preview: False) is None
    with Store.open(project_path, read_only=True) as store:
        assert store.document_count() == 0


def test_a_word_transcript_is_previewed_from_its_own_text(window_on, project_path, tmp_path):
    import docx

    Store.create(project_path).close()
    source = tmp_path / "interview.docx"
    document = docx.Document()
    for line in TRANSCRIPT.splitlines():
        document.add_paragraph(line)
    document.save(source)
    window = window_on(project_path)
    preview = window.importing.transcript_preview([str(source)])
    assert [(s.name, s.turns) for s in preview.speakers] == [("Alice", 2), ("Bob", 1)]
