"""Commands that keep a researcher's work safe: list backups, restore one, check a project.

They exist so that a damaged or mistaken project can be put right from a
terminal without the window, and so a project can be checked before it is
shared or after a crash.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from annotator.backup import BEFORE_MERGE, BackupInfo, list_backups, restore_backup
from annotator.cli.common import EXIT_ERROR, EXIT_OK, CommandError, print_json, say, sqlite_interrupted, warn
from annotator.store.connection import check_compatible
from annotator.store.files import check_file


def _human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def _backup_row(index: int, backup: BackupInfo) -> dict:
    counts = backup.counts()
    return {
        "index": index,
        "taken": backup.taken.isoformat(timespec="seconds"),
        "size": backup.size,
        "documents": counts[0] if counts else None,
        "annotations": counts[1] if counts else None,
        "path": str(backup.path),
        "kind": backup.kind,
    }


def cmd_backups(args: argparse.Namespace) -> int:
    """List a project's automatic backups and those taken before a merge, newest first."""
    rows = [_backup_row(i, b) for i, b in enumerate(list_backups(Path(args.project)), start=1)]
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not rows:
        say(f"no backups of {args.project} yet")
    for row in rows:
        counts = (
            f"{row['documents']} doc., {row['annotations']} ann."
            if row["documents"] is not None
            else "unreadable"
        )
        kind = "  (before merge)" if row["kind"] == BEFORE_MERGE else ""
        say(
            f"{row['index']:>3}  {row['taken']}  {_human_size(row['size']):>9}  {counts}  {row['path']}{kind}"
        )
    return EXIT_OK


def _chosen_backup(project: Path, choice: str) -> Path:
    if choice.isdigit():
        backups = list_backups(project)
        index = int(choice)
        if not 1 <= index <= len(backups):
            raise CommandError(f"no backup number {index} of {project} (see: annotator backups)")
        return backups[index - 1].path
    return Path(choice)


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace a project by one of its backups (the current state is backed up first)."""
    project = Path(args.project)
    backup = _chosen_backup(project, args.backup)
    saved = restore_backup(project, backup)
    say(f"restored {project} from {backup}")
    if saved is not None:
        say(f"the state before restoring is kept as {saved.path}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Check a project's integrity without changing it; exit 1 when damaged."""
    project = Path(args.project)
    if not project.is_file():
        raise CommandError(f"{project}: no such project file")
    check_compatible(project)
    try:
        problems, counts = check_file(project)
    except sqlite3.Error as exc:
        if sqlite_interrupted(exc):  # Ctrl+C stopped the check: that says nothing of the file
            raise KeyboardInterrupt from None
        problems, counts = [str(exc)], {}
    if problems != ["ok"]:
        warn(
            f"annotator: error: {project}: damaged ({'; '.join(problems[:3])}); "
            "restore a backup (annotator backups / annotator restore)"
        )
        return EXIT_ERROR
    say(
        f"{project}: ok — {counts['documents']} document(s), {counts['tags']} tag(s), "
        f"{counts['annotations']} annotation(s)"
    )
    return EXIT_OK


def register(subparsers) -> None:
    """Add backups, restore and check."""
    p = subparsers.add_parser(
        "backups", help="list a project's automatic backups, newest first", description=cmd_backups.__doc__
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_backups)
    p = subparsers.add_parser(
        "restore", help="replace a project by one of its backups", description=cmd_restore.__doc__
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("backup", metavar="BACKUP", help="a backup file, or its number in 'annotator backups'")
    p.set_defaults(handler=cmd_restore)
    p = subparsers.add_parser(
        "check", help="check a project's integrity (exit 1 when damaged)", description=cmd_check.__doc__
    )
    p.add_argument("project", metavar="PROJECT")
    p.set_defaults(handler=cmd_check)
