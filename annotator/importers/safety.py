"""Guards every importer shares: no file may exhaust memory, reach out, or escape.

Office and OpenDocument files are zip archives of XML. A hostile one can
declare gigabytes behind a few kilobytes (a zip bomb), name entries like
``../../etc/passwd``, or carry XML whose DTD expands entities a billion
times or pulls in a local file (XXE). The archive is checked from its
central directory before anything is decompressed, and every XML part is
parsed with DTDs forbidden, so none of that reaches a library.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from annotator.errors import ImportFailure

#: Limits on what a zip archive may unpack to, checked before reading it.
MAX_ARCHIVE_ENTRIES = 5_000
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
#: Real Office parts compress up to ~30:1; bombs reach 1000:1 and more.
MAX_COMPRESSION_RATIO = 200
#: Entries smaller than this are never refused for their ratio (tiny parts compress oddly).
RATIO_CHECK_FLOOR = 1024 * 1024


def open_checked_zip(path: Path, *, what: str) -> zipfile.ZipFile:
    """Open a zip archive after checking entry count, sizes, ratios and names; caller closes it."""
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


def check_xml_parts(archive: zipfile.ZipFile, *, what: str) -> None:
    """Parse every XML part of an archive safely, so a library never meets a hostile DTD."""
    for entry in archive.infolist():
        if entry.filename.lower().endswith((".xml", ".rels")):
            data = read_part(archive, entry.filename, what=what)
            parse_xml(data or b"<empty/>", what=what)


def check_file_size(path: Path, max_file_bytes: int) -> None:
    """Refuse a missing, empty or oversized file before a library opens it."""
    try:
        if path.is_dir():
            raise ImportFailure("is a folder")
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFailure("no such file") from None
    except OSError as exc:
        raise ImportFailure(f"cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise ImportFailure("empty file")
    if size > max_file_bytes:
        raise ImportFailure(f"file is {size / 1e6:.1f} MB; the limit is {max_file_bytes / 1e6:.0f} MB")
