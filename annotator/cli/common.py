"""Helpers every command shares: opening projects, printing, failing cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.errors import AnnotatorError
from annotator.store import Store
from annotator.store.connection import clear_interrupt, interrupt_requested, request_interrupt

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
#: Exit status of a command ended by Ctrl+C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: What a command ended by Ctrl+C says: every change is one transaction, rolled back unless committed.
INTERRUPTED = "interrupted; nothing was changed"
#: ... once a change of the command had been saved (an import stopped while it lists its files).
INTERRUPTED_AFTER_SAVING = "interrupted; the changes it had made by then were saved, the rest was not done"


class CommandError(AnnotatorError):
    """A command cannot go on; its message is printed on one line."""


def open_store(
    path: str, *, create: bool = False, read_only: bool = False, hourly_backup: bool = True
) -> Store:
    """Open the project named on the command line (creating it if asked).

    A write command takes the hourly automatic backup first, unless it takes
    one of its own (``hourly_backup=False``: a merge backs up before its first
    change, into the same folder); else a full disk would be reported twice.

    A command that only reads still opens a writable project normally, so
    that closing it folds SQLite's ``-wal`` file back in and removes it; a
    read-only connection cannot, and would leave ``-wal`` and ``-shm`` beside
    the project. Files we may not write are opened read-only.
    """
    project = Path(path)
    if create and not project.exists():
        return Store.create(project)
    writes = not read_only
    if read_only and os.access(project, os.W_OK) and os.access(project.parent, os.W_OK):
        read_only = False
    store = Store.open(project, read_only=read_only)
    if writes and hourly_backup and not store.read_only:
        from annotator.backup import BackupFailed, maybe_backup

        try:
            maybe_backup(project)  # a write command: keep a snapshot from before it, hourly
        except BackupFailed as exc:  # said once; the command still runs
            warn(f"annotator: warning: automatic backup failed ({exc.reason})")
    return store


#: What a terminal may act on rather than show: C0 and C1 controls (ESC, CSI, BEL, a newline in a
#: title ...) and lone surrogates (a file name that is not UTF-8, an escaped ``"\ud800"``).
_UNSHOWN = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """``text`` safe to print: control characters and lone surrogates as ``\\xNN`` / ``\\uNNNN``.

    File names, titles, tag and annotator names come from other people's
    files: printed raw, an escape sequence in one would recolour (or
    retitle, or clear) the terminal, and a lone surrogate cannot be encoded
    at all. Every other character (accents, emoji, CJK) is shown as it is.
    """
    return _UNSHOWN.sub(_escaped, str(text))


def say(line: object = "") -> None:
    """Print one line of output, its user-controlled text ``shown``."""
    print(shown(line))


#: What ``json`` leaves raw with ``ensure_ascii=False``: C1 controls and lone surrogates.
_UNSHOWN_IN_JSON = re.compile("[\\x7f-\\x9f\\ud800-\\udfff]")


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def print_json(value: Any) -> None:
    """Print one JSON value, UTF-8, not ASCII-escaped but for controls and lone surrogates.

    ``json`` already escapes C0 controls; C1 controls (a terminal's CSI) and
    lone surrogates (which UTF-8 cannot encode) are escaped here, which is
    still the same JSON value.
    """
    text = json.dumps(value, ensure_ascii=False, indent=2)
    sys.stdout.write(_UNSHOWN_IN_JSON.sub(_json_escaped, text) + "\n")


def os_error_message(exc: OSError) -> str:
    """An ``OSError`` as one line naming its path(s): "locked/p.annotator: permission denied".

    A path inside a folder the user cannot enter, a folder that cannot be
    written, a full disk: the operating system's refusal is the user's to
    act on, so it is said in words, never as a traceback.
    """
    from annotator.safety import describe_os_error

    paths = [str(name) for name in (exc.filename, exc.filename2) if name is not None]
    where = " -> ".join(paths)
    return f"{where}: {describe_os_error(exc)}" if where else describe_os_error(exc)


def warn(message: str) -> None:
    """One line on standard error, its user-controlled text ``shown``."""
    try:
        sys.stderr.write(shown(message.rstrip("\n")) + "\n")
        sys.stderr.flush()
    except OSError:  # standard error is gone too: nothing is left to tell
        pass


class StandardOutputError(Exception):
    """Standard output refused a write or a flush (a full disk, a closed pipe).

    Deliberately not an ``OSError``: a command's own handling of files it
    reads or writes must not mistake it for one of theirs.
    """

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class _GuardedStream:
    """A stand-in for standard output (text or its bytes ``buffer``) that names its own failures."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> Any:
        try:
            return self._stream.write(data)
        except OSError as exc:
            raise StandardOutputError(exc) from exc

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise StandardOutputError(exc) from exc

    @property
    def buffer(self) -> _GuardedStream:
        return _GuardedStream(self._stream.buffer)  # AttributeError for a text-only stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def guarded_stdout() -> Iterator[None]:
    """Run a command with every write to standard output (and its final flush) raising ``StandardOutputError``."""
    real = sys.stdout
    sys.stdout = _GuardedStream(real)
    try:
        try:
            yield
        except SystemExit:  # argparse's --help and --version end this way
            sys.stdout.flush()
            raise
        sys.stdout.flush()
    finally:
        sys.stdout = real


def stdout_failed(exc: StandardOutputError) -> int:
    """End a command whose standard output failed: one line for a full disk, nothing for a closed pipe.

    What could not be written is then sent to the null device (Python's
    advice for SIGPIPE), so the interpreter's own flush at exit has nothing
    left to complain about.
    """
    stream = sys.stdout
    if stream is sys.__stdout__ and stream is not None:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
    if isinstance(exc.error, BrokenPipeError):
        return EXIT_OK  # the reader had enough (``| head``): not a failure of ours
    warn(f"annotator: error: cannot write to standard output: {os_error_message(exc.error)}")
    return EXIT_ERROR


def sqlite_interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite ending a statement because the user pressed Ctrl+C."""
    if interrupt_requested():
        return True
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorname", "") == "SQLITE_INTERRUPT" or str(exc) == "interrupted"
    )


@contextmanager
def ctrl_c_ends_cleanly() -> Iterator[None]:
    """Run a command so that Ctrl+C ends it as ``KeyboardInterrupt``, even inside a long SQLite statement.

    Python runs a signal handler only between bytecodes, never while the main
    thread waits in one SQLite statement (a merge's copy, a check of a large
    file). So the handler also sets the flag that every connection's progress
    handler reads: SQLite ends the statement, and whatever error comes out of
    it (SQLite's "interrupted", our one-line error around it, or the
    ``KeyboardInterrupt`` SQLite swallowed in its callback) becomes one
    ``KeyboardInterrupt``. Transactions roll back as it passes (``atomic()``,
    or SQLite itself when the connection closes). The previous handler and
    the flag are restored afterwards, so the same process can run again.
    """

    def on_ctrl_c(signum, frame) -> None:
        request_interrupt()
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_ctrl_c)
    except ValueError:  # not the main thread: only the main thread may handle signals
        previous = on_ctrl_c
    try:
        yield
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if interrupt_requested() or sqlite_interrupted(exc):
            raise KeyboardInterrupt from None
        raise
    finally:
        if previous is not on_ctrl_c:
            signal.signal(signal.SIGINT, previous)
        clear_interrupt()
