"""The command line: a thin face over the core.

Every command module has ``register(subparsers)``; each command's handler
takes the parsed arguments and returns an exit status: 0 success, 1 a user
error (one line on stderr, no traceback), 2 bad usage (argparse's own).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence

from annotator import __version__
from annotator.cli import project_cmds
from annotator.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    INTERRUPTED,
    ctrl_c_ends_cleanly,
    os_error_message,
    warn,
)
from annotator.errors import AnnotatorError

#: Command modules, in the order their commands are listed in --help.
COMMAND_MODULES = [project_cmds]


def _optional_modules() -> list:
    """Command modules that other parts of the product add; absent ones are skipped."""
    import importlib

    found = []
    for name in ("export_cmds", "review_cmds", "safety_cmds"):
        try:
            found.append(importlib.import_module(f"annotator.cli.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"annotator.cli.{name}":
                raise
    return found


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, every command registered."""
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Tag spans of text with themes and speakers; export and compare them. "
        "With no command (or just a PROJECT file), opens the desktop window.",
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES + _optional_modules():
        module.register(subparsers)
    return parser


def command_names(parser: argparse.ArgumentParser | None = None) -> list[str]:
    """Every top-level command name (used to tell a command from a project path)."""
    parser = parser or build_parser()
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
        return ("another program kept the project busy for too long; nothing was changed, "
                "try again when it has finished")
    return f"the project could not be read or written ({exc}); nothing was changed"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    names = command_names(parser)
    if not args_list:
        return _launch_window(None)
    if not args_list[0].startswith("-") and args_list[0] not in names and len(args_list) == 1:
        return _launch_window(args_list[0])
    args_list = project_cmds.normalise_tags_arguments(args_list)
    args = parser.parse_args(args_list)
    if args.command is None:
        return _launch_window(None)
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
        warn(f"annotator: {INTERRUPTED}")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a path the user may not enter, read or write: one line naming it
        warn(f"annotator: error: {os_error_message(exc)}")
        return EXIT_ERROR
