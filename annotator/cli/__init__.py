"""The command line: a thin face over the core.

Every command module has ``register(subparsers)``; each command's handler
takes the parsed arguments and returns an exit status: 0 success, 1 a user
error (one line on stderr, no traceback), 2 bad usage (argparse's own).

``COMMANDS`` names every command and the module that registers it. A
command's run imports only its own module (``annotator stats`` never loads
the exporters, the review code or the document readers), so each command
starts quickly; ``--help`` and anything that is not a command build the
full parser. Command modules keep the imports only some of their commands
need inside those commands.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

from annotator import __version__
from annotator.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    INTERRUPTED,
    INTERRUPTED_AFTER_SAVING,
    StandardOutputError,
    ctrl_c_ends_cleanly,
    guarded_stdout,
    os_error_message,
    shown,
    stdout_failed,
    warn,
)
from annotator.errors import AnnotatorError
from annotator.store.connection import saved_changes

_PROJECT, _EXPORT, _REVIEW, _SAFETY = (
    "annotator.cli.project_cmds",
    "annotator.cli.export_cmds",
    "annotator.cli.review_cmds",
    "annotator.cli.safety_cmds",
)

#: Every command -> the module that registers and runs it, in the order --help lists them.
COMMANDS: dict[str, str] = {
    "import": _PROJECT,
    "tags": _PROJECT,
    "stats": _PROJECT,
    "search": _PROJECT,
    "documents": _PROJECT,
    "annotate": _PROJECT,
    "annotations": _PROJECT,
    "gui": _PROJECT,
    "export": _EXPORT,
    "retrieve": "annotator.cli.analysis_cmds",
    "matrix": "annotator.cli.analysis_cmds",
    "report": "annotator.cli.report_cmds",
    "agree": _REVIEW,
    "disagreements": _REVIEW,
    "merge": _REVIEW,
    "share": _REVIEW,
    "backups": _SAFETY,
    "restore": _SAFETY,
    "check": _SAFETY,
}


def deferred(module: str, name: str) -> Callable:
    """``module.name`` (a function or class), imported the first time it is called.

    For what only some of a command module's commands need: imported at the
    top of the module, it would slow the start of every other command.
    """

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``{module}.{name}``, imported on first call."
    return call


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors quote the arguments given ``shown`` (escaped)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, shown(f"{self.prog}: error: {message}") + "\n")


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser: every command, or only the modules of ``commands`` (enough to run one)."""
    parser = _Parser(
        prog="annotator",
        description="Tag spans of text with themes and speakers; export and compare them. "
        "With no command (or just a PROJECT file), opens the desktop window.",
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMANDS if commands is None else commands
    for module in dict.fromkeys(COMMANDS[name] for name in wanted):
        importlib.import_module(module).register(subparsers)
    return parser


def command_names(parser: argparse.ArgumentParser | None = None) -> list[str]:
    """Every top-level command name (of ``parser`` if given); tells a command from a project path."""
    if parser is None:
        return list(COMMANDS)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _launch_window(project: str | None) -> int:
    from annotator.cli.project_cmds import launch_window

    return launch_window(project)


def _database_trouble(exc: sqlite3.OperationalError) -> str:
    """SQLite's complaint in a researcher's words; nothing was changed by the failed command."""
    if "locked" in str(exc) or "busy" in str(exc):
        return (
            "another program kept the project busy for too long; nothing was changed, "
            "try again when it has finished"
        )
    return f"the project could not be read or written ({exc}); nothing was changed"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Standard output is watched throughout, up to its last flush: a full disk
    behind it is one line on standard error and exit status 1; a reader that
    stopped early (``annotator documents P | head -1``) ends the command quietly.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        return _launch_window(None)
    first = args_list[0]
    if not first.startswith("-") and first not in COMMANDS and len(args_list) == 1:
        return _launch_window(first)
    try:
        with guarded_stdout():
            return _run_command(args_list)
    except StandardOutputError as exc:
        return stdout_failed(exc)


def _run_command(args_list: list[str]) -> int:
    first = args_list[0]
    parser = build_parser([first] if first in COMMANDS else None)
    if first == "tags":
        from annotator.cli.project_cmds import normalise_tags_arguments

        args_list = normalise_tags_arguments(args_list)
    args = parser.parse_args(args_list)
    if args.command is None:
        return _launch_window(None)
    saved_before = saved_changes()
    try:
        with ctrl_c_ends_cleanly():
            return args.handler(args)
    except AnnotatorError as exc:
        warn(f"annotator: error: {exc}")
        return EXIT_ERROR
    except sqlite3.OperationalError as exc:
        warn(f"annotator: error: {_database_trouble(exc)}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        warn(f"annotator: {INTERRUPTED if saved_changes() == saved_before else INTERRUPTED_AFTER_SAVING}")
        return EXIT_INTERRUPTED
    except OSError as exc:  # a path the user may not enter, read or write: one line naming it
        warn(f"annotator: error: {os_error_message(exc)}")
        return EXIT_ERROR
