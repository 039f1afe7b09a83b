"""Rolling backups: when they are taken, what they hold, how long they stay, restoring one."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from annotator import backup, settings
from annotator.errors import ProjectError
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def make(path, tags=("Joy",)):
    with Store.create(path) as store:
        store.add_document(ImportedDocument(title="t", text="hello world"), annotator="a")
        for name in tags:
            store.add_tag(kind=TagKind.THEME, name=name)


def tag_names(path):
    with Store.open(path, read_only=True) as store:
        return sorted(t.name for t in store.tags())


def test_backups_live_in_the_data_folder_by_project(project_path):
    make(project_path)
    taken = backup.maybe_backup(project_path, now=T0)
    folder = taken.path.parent
    assert folder.parent == settings.data_dir() / "backups"
    assert folder.name.startswith("test-") and taken.path.name == "20260110T120000000000Z.annotator"
    assert tag_names(taken.path) == ["Joy"]
    assert taken.counts() == (1, 0)


def test_backup_is_taken_at_most_hourly(project_path):
    make(project_path)
    assert backup.maybe_backup(project_path, now=T0) is not None
    assert backup.maybe_backup(project_path, now=T0 + timedelta(minutes=59)) is None
    assert backup.maybe_backup(project_path, now=T0 + timedelta(minutes=61)) is not None
    assert len(backup.list_backups(project_path)) == 2


def test_old_backups_are_pruned_but_the_last_five_are_kept(project_path):
    make(project_path)
    for day in range(8):
        backup.make_backup(project_path, now=T0 + timedelta(days=day))
    assert len(backup.list_backups(project_path)) == 8
    backup.make_backup(project_path, now=T0 + timedelta(days=22))  # 15+ days after days 0..6
    kept = [b.taken for b in backup.list_backups(project_path)]
    assert kept == [T0 + timedelta(days=d) for d in (22, 7)] + [T0 + timedelta(days=d) for d in (6, 5, 4)][:3]
    backup.make_backup(project_path, now=T0 + timedelta(days=60))
    assert len(backup.list_backups(project_path)) == 5


def test_half_written_snapshots_of_a_killed_process_are_removed_later(project_path):
    make(project_path)
    first = backup.make_backup(project_path, now=T0)
    stale = first.path.with_name("20260110T100000000000Z.annotator.part")  # two hours before T0
    recent = first.path.with_name("20260110T115900000000Z.annotator.part")  # perhaps still being written
    stale.write_bytes(b"half")
    recent.write_bytes(b"half")
    assert backup.prune_backups(project_path, now=T0) == [stale]
    assert not stale.exists() and recent.exists()
    assert [b.path for b in backup.list_backups(project_path)] == [first.path]


def test_write_commands_back_up_and_read_commands_do_not(project_path, run_cli):
    make(project_path)
    assert run_cli("stats", project_path).code == 0
    assert backup.list_backups(project_path) == []
    assert run_cli("tags", "add", project_path, "Anger", "--kind", "theme").code == 0
    [taken] = backup.list_backups(project_path)
    assert tag_names(taken.path) == ["Joy"]  # the state from before the change


def test_restore_backs_up_the_current_state_first(project_path, run_cli):
    make(project_path)
    assert run_cli("tags", "add", project_path, "Anger", "--kind", "theme").code == 0
    assert tag_names(project_path) == ["Anger", "Joy"]
    listing = run_cli("backups", project_path)
    assert listing.code == 0 and "1 doc., 0 ann." in listing.out
    result = run_cli("restore", project_path, "1")
    assert result.code == 0, result.err
    assert tag_names(project_path) == ["Joy"]
    newest = backup.list_backups(project_path)[0]
    assert tag_names(newest.path) == ["Anger", "Joy"]
    assert run_cli("check", project_path).code == 0


def test_restore_refuses_a_damaged_backup_and_changes_nothing(project_path, tmp_path, run_cli):
    make(project_path)
    bad = tmp_path / "bad.annotator"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(50))
    before = hashlib.sha256(project_path.read_bytes()).hexdigest()
    with pytest.raises(ProjectError):
        backup.restore_backup(project_path, bad)
    result = run_cli("restore", project_path, "7")
    assert result.code == 1 and "no backup number 7" in result.err
    assert hashlib.sha256(project_path.read_bytes()).hexdigest() == before


def test_an_unreachable_data_folder_never_stops_the_work(project_path, monkeypatch):
    """maybe_backup never raises: a write command goes on when the backups folder cannot be reached."""
    make(project_path)

    def unreachable(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(backup.Path, "is_dir", unreachable)
    with pytest.raises(backup.BackupFailed) as failed:  # said by the caller, which goes on
        backup.maybe_backup(project_path, now=T0)
    assert "permission denied" in failed.value.reason


# -- a clock that ran ahead, a full disk: backups never stop silently ---------------------------


def test_a_backup_dated_in_the_future_does_not_stop_backups(project_path):
    make(project_path)
    ahead = backup.make_backup(project_path, now=T0 + timedelta(days=30))  # the clock ran a month ahead
    taken = backup.maybe_backup(project_path, now=T0)
    assert taken is not None and taken.taken == T0
    assert backup.maybe_backup(project_path, now=T0 + timedelta(minutes=30)) is None  # hourly still
    assert backup.maybe_backup(project_path, now=T0 + timedelta(minutes=61)) is not None
    assert ahead.path in [b.path for b in backup.list_backups(project_path)]


def test_a_write_command_backs_up_though_a_backup_is_dated_in_the_future(project_path, run_cli):
    make(project_path)
    backup.make_backup(project_path, now=datetime.now(UTC) + timedelta(days=2))
    assert run_cli("tags", "add", project_path, "Anger", "--kind", "theme").code == 0
    assert len(backup.list_backups(project_path)) == 2


def test_a_full_disk_fails_the_backup_with_its_reason(project_path, monkeypatch):
    make(project_path)

    def full(source, target):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "snapshot_file", full)
    with pytest.raises(backup.BackupFailed) as failed:
        backup.maybe_backup(project_path, now=T0)
    assert failed.value.reason == "database or disk is full"
    assert backup.list_backups(project_path) == []


def test_a_write_command_warns_once_when_its_backup_fails_and_still_runs(project_path, run_cli, monkeypatch):
    make(project_path)

    def full(source, target):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "snapshot_file", full)
    result = run_cli("tags", "add", project_path, "Anger", "--kind", "theme")
    assert result.code == 0
    assert result.err.splitlines() == [
        "annotator: warning: automatic backup failed (database or disk is full)"
    ]
    assert tag_names(project_path) == ["Anger", "Joy"]


def test_a_merge_with_no_room_for_its_backup_says_so_in_one_line(
    project_path, run_cli, tmp_path, monkeypatch
):
    """The merge's own backup is the one that counts: no second warning about the hourly one."""
    make(project_path)
    colleague = tmp_path / "colleague.annotator"
    make(colleague, tags=("Joy", "Fear"))
    before = hashlib.sha256(project_path.read_bytes()).hexdigest()

    def full(source, target):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "snapshot_file", full)
    result = run_cli("merge", project_path, colleague)
    assert result.code == 1
    [line] = result.err.splitlines()
    assert "database or disk is full" in line and "backup" in line
    assert tag_names(project_path) == ["Joy"]
    assert hashlib.sha256(project_path.read_bytes()).hexdigest() == before


def test_an_unreachable_data_folder_is_reported_by_write_commands(
    project_path, run_cli, tmp_path, monkeypatch
):
    make(project_path)
    not_a_folder = tmp_path / "data-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(not_a_folder))
    result = run_cli("tags", "add", project_path, "Anger", "--kind", "theme")
    assert result.code == 0 and tag_names(project_path) == ["Anger", "Joy"]
    [line] = result.err.splitlines()
    assert line.startswith("annotator: warning: automatic backup failed (") and "backups" in line
    assert run_cli("stats", project_path).err == ""  # a read command takes no backup, says nothing


def _project_of_many_pages(path):
    with Store.create(path) as store:
        for number in range(40):
            store.add_document(
                ImportedDocument(title=f"d{number}", text=f"text {number} " * 400), annotator="a"
            )
        store.add_tag(kind=TagKind.THEME, name="Joy")


def test_ctrl_c_ends_a_backup_between_two_steps_and_leaves_nothing(project_path, monkeypatch):
    from annotator.store import files
    from annotator.store.connection import clear_interrupt, request_interrupt

    _project_of_many_pages(project_path)
    monkeypatch.setattr(files, "COPY_STEP_PAGES", 1)
    target = project_path.with_name("copy.annotator")
    steps = []

    def counting(status, remaining, total):
        steps.append(remaining)
        if len(steps) == 3:
            request_interrupt()
        original(status, remaining, total)

    original = files._stop_copy_if_interrupted
    monkeypatch.setattr(files, "_stop_copy_if_interrupted", counting)
    try:
        with pytest.raises(KeyboardInterrupt):
            files.snapshot_file(project_path, target)
    finally:
        clear_interrupt()
    assert len(steps) == 3 and steps[-1] > 0  # stopped with pages still to copy
    assert sorted(p.name for p in project_path.parent.iterdir() if p.name.startswith("copy")) == []


def test_a_backup_in_steps_is_one_snapshot_though_another_program_commits_between_steps(
    project_path, monkeypatch
):
    from annotator.store import files

    _project_of_many_pages(project_path)
    monkeypatch.setattr(files, "COPY_STEP_PAGES", 2)
    target = project_path.with_name("copy.annotator")
    committed = []

    def commit_meanwhile(status, remaining, total):
        if not committed:
            other = sqlite3.connect(project_path)
            other.execute("UPDATE tags SET name = 'Changed meanwhile'")
            other.execute("DELETE FROM documents WHERE title = 'd39'")
            other.commit()
            other.close()
            committed.append(remaining)

    monkeypatch.setattr(files, "_stop_copy_if_interrupted", commit_meanwhile)
    files.snapshot_file(project_path, target)
    assert committed and committed[0] > 0
    assert tag_names(target) == ["Joy"]  # the state the copy began with, whole
    with Store.open(target, read_only=True) as copy:
        assert len(copy.documents()) == 40
    assert tag_names(project_path) == ["Changed meanwhile"]
