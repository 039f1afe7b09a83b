"""The Backups dialog lists real backups and restores one after asking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from annotator import backup
from annotator.gui.backups_dialog import BackupsDialog
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def test_lists_and_restores_after_asking(qtbot, project_path):
    with Store.create(project_path) as store:
        store.add_document(ImportedDocument(title="t", text="hello"), annotator="a")
    backup.make_backup(project_path, now=T0)
    with Store.open(project_path) as store:
        store.add_tag(kind=TagKind.THEME, name="Later")
    backup.make_backup(project_path, now=T0 + timedelta(hours=2))

    dialog = BackupsDialog(project_path)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 2).text() == "1" and dialog.table.item(0, 3).text() == "0"
    assert not dialog.restore_button.isEnabled()

    dialog.table.selectRow(1)  # the older one, without the tag
    assert dialog.restore_button.isEnabled()
    dialog.confirm = lambda b: False
    assert dialog.restore_selected() is False
    with Store.open(project_path, read_only=True) as store:
        assert [t.name for t in store.tags()] == ["Later"]

    dialog.table.selectRow(1)
    dialog.confirm = lambda b: True
    with qtbot.waitSignal(dialog.restored) as signal:
        assert dialog.restore_selected() is True
    assert signal.args == [project_path]
    with Store.open(project_path, read_only=True) as store:
        assert store.tags() == []
    assert dialog.table.rowCount() == 3  # the state before restoring was kept
