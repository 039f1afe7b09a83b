"""The window says so when a due backup cannot be taken; the project stays open for work."""

from __future__ import annotations

import pytest

from annotator import backup
from annotator.gui.app import create_window, make_application
from annotator.model import ImportedDocument
from annotator.settings import Settings
from annotator.store import Store

pytestmark = pytest.mark.gui


@pytest.fixture
def one_document_project(project_path):
    with Store.create(project_path) as store:
        store.add_document(ImportedDocument(title="t", text="hello world"), annotator="a")
    return project_path


def test_a_failed_backup_is_shown_in_the_window(qtbot, one_document_project, tmp_path, monkeypatch):
    make_application()
    Settings(annotator="tester").save()
    not_a_folder = tmp_path / "data-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(not_a_folder))  # the backups folder cannot be made
    window = create_window(str(one_document_project), Settings.load())
    qtbot.addWidget(window)
    window.quiet_reports = True
    try:
        window.wait_for_backup()
        qtbot.waitUntil(lambda: not window.notice.isHidden())
        assert window.notice.text().startswith("Automatic backup failed (")
        assert window.statusBar().currentMessage() == window.notice.text()
        assert window.backups.last_backup is None and window.backups.last_failure
        assert not window.store.read_only  # the work goes on
    finally:
        window.wait_for_backup()
        window.store.close()


def test_a_backup_that_succeeds_shows_no_warning(qtbot, one_document_project):
    make_application()
    Settings(annotator="tester").save()
    window = create_window(str(one_document_project), Settings.load())
    qtbot.addWidget(window)
    window.quiet_reports = True
    try:
        window.wait_for_backup()
        qtbot.waitUntil(lambda: window.backups.last_backup is not None)
        assert window.notice.isHidden() and window.backups.last_failure is None
        assert len(backup.list_backups(one_document_project)) == 1
    finally:
        window.store.close()
