"""Guards every reader of untrusted files shares (importers, REFI-QDA, backups): no file may exhaust memory, reach out, or escape.

Office and OpenDocument files are zip archives of XML. A hostile one can
declare gigabytes behind a few kilobytes (a zip bomb), name entries like
``../../etc/passwd``, or carry XML whose DTD expands entities a billion
times or pulls in a local file (XXE). The archive is checked from its
central directory before anything is decompressed, and every XML part is
parsed with DTDs forbidden, so none of that reaches a library.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import NoReturn
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from annotator.errors import ImportFailure
from annotator.store.openfiles import HELD_HERE, is_open_here

#: Limits on what a zip archive may unpack to, checked before reading it.
MAX_ARCHIVE_ENTRIES = 5_000
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
#: Real Office parts compress up to ~30:1; bombs reach 1000:1 and more.
MAX_COMPRESSION_RATIO = 200
#: Entries smaller than this are never refused for their ratio (tiny parts compress oddly).
RATIO_CHECK_FLOOR = 1024 * 1024
#: XML parts are checked in chunks of this size.
XML_CHUNK_BYTES = 1024 * 1024


def open_checked_zip(path: Path, *, what: str) -> zipfile.ZipFile:
    """Open a zip archive after checking entry count, sizes, ratios and names; caller closes it."""
    refuse_held_here(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ImportFailure(f"corrupt {what} (not a readable zip archive)") from None
    try:
        check_archive(archive.infolist(), what=what)
    except ImportFailure:
        archive.close()
        raise
    return archive


def check_archive(entries: list[zipfile.ZipInfo], *, what: str) -> None:
    """Refuse an archive whose entries could exhaust memory or name paths outside it."""
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise ImportFailure(f"{what} has {len(entries)} parts; the limit is {MAX_ARCHIVE_ENTRIES}")
    total = 0
    for entry in entries:
        _check_entry_name(entry.filename, what=what)
        total += entry.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise ImportFailure(
                f"{what} would unpack to more than {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB "
                "(a zip bomb?); refused"
            )
        if entry.file_size > RATIO_CHECK_FLOOR:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise ImportFailure(
                    f"{what} part '{entry.filename}' is compressed {ratio:.0f}:1 "
                    f"(limit {MAX_COMPRESSION_RATIO}:1, a zip bomb?); refused"
                )


def _check_entry_name(name: str, *, what: str) -> None:
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts or ":" in name:
        raise ImportFailure(f"{what} has a part named '{name}' pointing outside the archive; refused")


def read_part(archive: zipfile.ZipFile, name: str, *, what: str) -> bytes | None:
    """The bytes of one archive entry, or None if it is absent; CRC errors become ImportFailure."""
    try:
        return archive.read(name)
    except KeyError:
        return None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportFailure(f"corrupt {what} (part '{name}': {exc})") from None


def parse_xml(data: bytes, *, what: str):
    """Parse XML with DTDs, entity declarations and external references forbidden."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ImportFailure(
            f"{what} contains an XML document type declaration (entities or external "
            "references); refused for safety"
        ) from None
    except SafeET.ParseError as exc:
        raise ImportFailure(f"corrupt {what} (bad XML: {exc})") from None


#: What the XML parts a library will parse into trees may hold, so that memory stays under 1 GB:
#: a tree costs 100-350 bytes a node (element or attribute) in lxml or ElementTree, and a
#: part's bytes are held once more as its text. About 65 MB of Word XML, 25 MB of text.
MAX_XML_NODES = 3_000_000
MAX_XML_BYTES = 128 * 1024 * 1024


class _Declaration(Exception):
    """A DTD, entity declaration or external reference met while streaming a part."""


class _TooBig(Exception):
    """The parts checked so far hold more nodes than ``MAX_XML_NODES``."""


def _refuse_declaration(*_args: object) -> NoReturn:
    raise _Declaration


class _Budget:
    """Nodes counted across the parts of one archive."""

    def __init__(self) -> None:
        self.nodes = 0

    def element(self, _name: str, attributes: list[str]) -> None:
        self.nodes += 1 + len(attributes) // 2
        if self.nodes > MAX_XML_NODES:
            raise _TooBig


def _too_big(what: str, detail: str) -> ImportFailure:
    return ImportFailure(f"{what} is too big to read safely ({detail}); refused")


def check_xml_stream(
    archive: zipfile.ZipFile, name: str, *, what: str, budget: _Budget | None = None
) -> None:
    """Check one XML part as ``parse_xml`` would, streamed: memory stays at one chunk, not a tree.

    With a ``budget``, also counts its elements and attributes against ``MAX_XML_NODES``.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.UnparsedEntityDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_declaration
    if budget is not None:
        parser.ordered_attributes = True
        parser.StartElementHandler = budget.element
    fed = False
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(XML_CHUNK_BYTES):
                parser.Parse(chunk, False)
                fed = True
        if fed:
            parser.Parse(b"", True)
    except _Declaration:
        raise ImportFailure(
            f"{what} contains an XML document type declaration (entities or external "
            "references); refused for safety"
        ) from None
    except _TooBig:
        raise _too_big(what, f"more than {MAX_XML_NODES:,} XML elements and attributes, the limit") from None
    except expat.ExpatError as exc:
        raise ImportFailure(f"corrupt {what} (bad XML: {exc})") from None
    except KeyError:
        return  # an absent part: the importer says what it misses
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise ImportFailure(f"corrupt {what} (part '{name}': {exc})") from None


def check_xml_parts(archive: zipfile.ZipFile, *, what: str, names: list[str] | None = None) -> None:
    """Check the XML parts a library will parse (default: every one) before it does.

    Each part is streamed, so a 500 MB part costs one chunk of memory here, not a tree:
    DTDs and entities are refused, and the parts together may hold at most ``MAX_XML_BYTES``
    (from the archive's directory, which bounds what ``zipfile`` returns) and ``MAX_XML_NODES``.
    """
    if names is None:
        entries = [e for e in archive.infolist() if e.filename.lower().endswith((".xml", ".rels"))]
    else:
        present = {e.filename: e for e in archive.infolist()}
        entries = [present[name] for name in names if name in present]
    total = sum(entry.file_size for entry in entries)
    if total > MAX_XML_BYTES:
        raise _too_big(
            what,
            f"{total / (1024 * 1024):.0f} MB of XML unpacked; the limit is {MAX_XML_BYTES // (1024 * 1024)} MB",
        )
    budget = _Budget()
    for entry in entries:
        check_xml_stream(archive, entry.filename, what=what, budget=budget)


def check_file_size(path: Path, max_file_bytes: int) -> None:
    """Refuse a missing, special, empty or oversized file before a library opens it."""
    regular_file_size(path, max_file_bytes)


def describe_os_error(exc: OSError) -> str:
    """An ``OSError`` in a few words ("permission denied"), without its path or errno."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return "no such file or folder"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return reason[:1].lower() + reason[1:]


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _require_regular(path: Path, mode: int) -> None:
    """Refuse anything but a regular file: a pipe blocks a reader forever, ``/dev/zero`` never ends."""
    if stat.S_ISDIR(mode):
        raise ImportFailure("is a folder")
    if not stat.S_ISREG(mode):
        link = f", reached through a link to {os.path.realpath(path)}" if os.path.islink(path) else ""
        raise ImportFailure(f"not a regular file ({_file_kind(mode)}{link}); only regular files are imported")


def _unreadable(exc: OSError) -> ImportFailure:
    if isinstance(exc, FileNotFoundError):
        return ImportFailure("no such file")
    if isinstance(exc, PermissionError):
        return ImportFailure("permission denied")
    return ImportFailure(f"cannot be read ({exc.strerror or exc})")


def refuse_held_here(path: Path) -> None:
    """Refuse a file a connection of this process holds (a project, even through a link).

    Reading it by name and closing it would drop SQLite's locks on it (see
    ``annotator.store.openfiles``); a project is never a document anyway.
    """
    if is_open_here(path):
        raise ImportFailure(HELD_HERE)


def regular_file_size(path: Path, max_file_bytes: int) -> int:
    """The size of a regular, non-empty file within the limit, checked without opening it.

    ``os.stat`` follows links, so a ``.txt`` link to ``/dev/zero`` is seen
    for the device it is; nothing is opened, since opening some devices
    does something by itself (a tape rewinds, a watchdog starts).
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _unreadable(exc) from None
    _require_regular(path, info.st_mode)
    refuse_held_here(path)
    if info.st_size == 0:
        raise ImportFailure("empty file")
    if info.st_size > max_file_bytes:
        raise ImportFailure(size_limit_message(info.st_size, max_file_bytes))
    return info.st_size


#: Opening never waits (a pipe swapped in after the check opens at once) and never adopts a terminal.
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
)


def read_regular_file(path: Path, max_file_bytes: int) -> bytes:
    """A regular file's bytes, refusing missing, unreadable, special, empty or oversized files.

    The type and size are checked before the file is opened and again on
    the open descriptor, so a file swapped for a pipe in between is still
    refused; at most one byte more than the limit is read, so a file that
    grows meanwhile cannot take more memory than the limit allows.
    """
    regular_file_size(path, max_file_bytes)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _unreadable(exc) from None
    with os.fdopen(descriptor, "rb") as handle:
        _require_regular(path, os.fstat(descriptor).st_mode)
        try:
            data = handle.read(max_file_bytes + 1)
        except OSError as exc:
            raise _unreadable(exc) from None
    if len(data) > max_file_bytes:
        raise ImportFailure(size_limit_message(len(data), max_file_bytes))
    if not data:
        raise ImportFailure("empty file")
    return data


#: The limit is set in MiB (``--max-size-mb 64`` is 64 x 1024 x 1024 bytes), so sizes are shown in MiB too.
MIB = 1024 * 1024


def size_limit_message(size: int, max_file_bytes: int) -> str:
    """The refusal of an oversized file, in the unit ``--max-size-mb`` takes ("the limit is 64 MB").

    Decimals are added until the two figures differ, so a file one byte over
    the limit does not read "file is 64 MB; the limit is 64 MB".
    """
    digits = 1
    while digits < 7 and _in_mib(size, digits) == _in_mib(max_file_bytes, digits):
        digits += 1
    return f"file is {_in_mib(size, digits)} MB; the limit is {_in_mib(max_file_bytes, digits)} MB"


def _in_mib(n_bytes: int, digits: int) -> str:
    """``n_bytes`` in MiB to at most ``digits`` decimals, trailing zeros dropped (64, 0.5, 65.3)."""
    return f"{n_bytes / MIB:.{digits}f}".rstrip("0").rstrip(".")


def reason_for(exc: BaseException) -> str:
    """A one-line reason for an exception no importer expected, to refuse the file with.

    Importers turn the failures they foresee into ``ImportFailure``; this
    names the rest in words a researcher can act on, so that a hostile or
    damaged file is refused with a reason instead of a traceback.
    """
    known = _known_reason(exc)
    return known or f"unreadable file ({_type_and_detail(exc)})"


def library_complaint(exc: BaseException) -> str:
    """Like ``reason_for``, for inside a message that already says what failed ("corrupt DOCX file (...)")."""
    return _known_reason(exc) or _type_and_detail(exc)


def _known_reason(exc: BaseException) -> str | None:
    detail = _detail(exc)
    if isinstance(exc, RecursionError) or _is_depth_limit(exc):
        return "structure nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "too big to read in the memory available"
    if isinstance(exc, SyntaxError):  # lxml's XMLSyntaxError is one
        return f"bad XML: {detail}" if detail else "bad XML"
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
        return f"corrupt archive: {detail}" if detail else "corrupt archive"
    if isinstance(exc, UnicodeError):
        return f"undecodable text: {detail}"
    if isinstance(exc, OSError):
        return f"cannot be read: {exc.strerror or detail}"
    return None


def _detail(exc: BaseException) -> str:
    """The exception's message on one line, at most 200 characters (a SyntaxError's without its location)."""
    message = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    return " ".join(message.split())[:200]


def _type_and_detail(exc: BaseException) -> str:
    detail = _detail(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _is_depth_limit(exc: BaseException) -> bool:
    """libxml2 (under python-docx) refuses XML more than 256 levels deep with "Excessive depth"."""
    return isinstance(exc, SyntaxError) and "excessive depth" in str(exc).lower()
