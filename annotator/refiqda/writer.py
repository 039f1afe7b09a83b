"""Writing a REFI-QDA project (``.qdpx``): a ZIP of ``project.qde`` and one ``sources/<guid>.txt`` per document.

Memory stays flat however many spans there are. The schema puts the users,
the codebook and the variables before the sources, and the notes and sets
after them, yet which users and notes an export needs is known only once
the last document is written. So each document's ``TextSource`` is written
as it comes to a scratch file (its text straight into the ZIP), notes to
another, and ``close`` writes ``project.qde`` into the ZIP in the schema's
order: the head it can now work out, the two scratch files copied through,
the sets. Variables' types are worked out before the first document
(``variable_types``), since every value of a variable must have its type.

The XML is most of the work and deflating it a third of that, so each
scratch file is deflated on a thread of its own as it is written (zlib lets
go of the interpreter lock while it compresses): the two cores build XML and
compress at once. Each piece ends on a deflate sync point, so ``close``
joins the head, the two deflated scratch files and the tail into one valid
deflate stream without compressing anything again, its CRC combined from
the pieces' (``crc32_combine``, as zlib's), and writes it as the
``project.qde`` entry.

Everything is deterministic: GUIDs are our ids (or derived from them with
uuid5), elements come in the store's order, no clock is read, and every ZIP
entry carries the same fixed date, so one project exports to the same bytes
every time.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import math
import queue
import re
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from annotator.model import DocumentStatus, Tag
from annotator.refiqda import GUID_NAMESPACE, PROJECT_NS, derived_guid, guid_of, user_guid
from annotator.refiqda.codebook import write_codes, xml_attr, xml_invalid_count, xml_text
from annotator.store.export import ExportDocument

#: The date every ZIP entry carries (ZIP's earliest), so two exports are byte-identical.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Deflate level: 1 packs XML to about a fifth at several times level 6's speed.
COMPRESS_LEVEL = 1
#: The sets of document statuses: (status, set name), in the order written.
STATUS_SETS = (
    (DocumentStatus.TODO, "Status: to do"),
    (DocumentStatus.IN_PROGRESS, "Status: in progress"),
    (DocumentStatus.DONE, "Status: done"),
)

_NS_BYTES = GUID_NAMESPACE.bytes
_VARIANT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}
_DATETIME = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_ONE_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
#: Comma-joined GUIDs (or nothing): a document's span ids checked in one call.
_GUID_LIST = re.compile(f"(?:{_ONE_GUID}(?:,{_ONE_GUID})*)?")


def fast_derived_guid(kind: str, key: str) -> str:
    """``derived_guid(kind, key)`` in a fifth of uuid5's time (one per span adds up on a million)."""
    h = hashlib.sha1(_NS_BYTES + f"{kind}:{key}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


#: A selection's coding takes the selection's GUID with every hexadecimal digit complemented
#: (0<->f, 1<->e ...): a bijection, so codings are as distinct as selections, at C speed (a uuid5 per
#: span costs seconds on a million). A uuid4's version digit 4 becomes b, which no stored id of ours
#: nor any uuid5 we derive has, so a coding cannot take another element's GUID.
#: (Bytes: ``bytes.translate`` is a table lookup in C, ``str.translate`` a dict lookup per character.)
_COMPLEMENT = bytes.maketrans(b"0123456789abcdefABCDEF", b"fedcba9876543210543210")


def coding_guid(selection_guid: str) -> str:
    """The GUID of the one coding of a selection, derived from the selection's."""
    return selection_guid.encode().translate(_COMPLEMENT).decode()


@lru_cache(maxsize=4096)
def xsd_datetime(value: str | None) -> str | None:
    """``value`` when it is an ``xsd:dateTime`` (our stored timestamps are), else None: left out, not made up."""
    if not value or not _DATETIME.fullmatch(value):
        return None
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value


# -- variables: document metadata, typed where every value allows ------------------------


def _value_type(value: Any) -> str | None:
    """The narrowest REFI-QDA type of one metadata value (None for null: no value written)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float" if math.isfinite(value) else "Text"
    if isinstance(value, str):
        if _DATE.fullmatch(value):
            try:
                datetime.date.fromisoformat(value)
                return "Date"
            except ValueError:
                return "Text"
        return "DateTime" if xsd_datetime(value) else "Text"
    return "Text"


def _widen(known: str | None, new: str) -> str:
    if known is None or known == new:
        return new
    if {known, new} == {"Integer", "Float"}:
        return "Float"
    return "Text"


def variable_types(metas: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each metadata key's type across all documents, in first-seen order: one type for every value.

    Integers and floats together are Float; any other mix, and lists or
    objects, are Text (lists and objects written as JSON).
    """
    types: dict[str, str | None] = {}
    for meta in metas:
        for key, value in meta.items():
            kind = _value_type(value)
            if kind is None:
                types.setdefault(key, None)
            else:
                types[key] = _widen(types.get(key), kind)
    return {key: kind or "Text" for key, kind in types.items()}


def _decimal(value: int | float) -> str:
    """A number as ``xsd:decimal`` text: never in exponent notation."""
    text = format(decimal.Decimal(repr(value)), "f")
    return text


def variable_value(kind: str, value: Any) -> str:
    """The value element of one ``VariableValue`` (after its ``VariableRef``)."""
    if kind == "Boolean":
        return f"<BooleanValue>{'true' if value else 'false'}</BooleanValue>"
    if kind == "Integer":
        return f"<IntegerValue>{value}</IntegerValue>"
    if kind == "Float":
        return f"<FloatValue>{_decimal(value)}</FloatValue>"
    if kind == "Date":
        return f"<DateValue>{value}</DateValue>"
    if kind == "DateTime":
        return f"<DateTimeValue>{value}</DateTimeValue>"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"<TextValue>{xml_text(text)}</TextValue>"


# -- deflating on a second thread ---------------------------------------------------------


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from A's CRC, B's CRC and B's length (zlib's ``crc32_combine``)."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def deflate_piece(data: bytes, *, last: bool) -> bytes:
    """``data`` as raw deflate that ends on a sync point (more may follow) or, if ``last``, ends the stream."""
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


class DeflatedSpool:
    """A scratch file written as text and deflated on a thread of its own; ``close`` ends it on a sync point.

    Text is handed over about a megabyte at a time (``BATCH_CHARS``): the
    thread takes the interpreter lock back after each call into zlib, and
    fewer, larger calls wait for it less. The queue is bounded, so when
    compressing falls behind, ``write`` waits instead of holding the backlog
    in memory (at most ``maxsize`` batches).
    """

    BATCH_CHARS = 1 << 20

    def __init__(self, path: Path) -> None:
        self.path = path
        self.crc = 0
        self.size = 0
        self.written = 0
        self._file = open(path, "wb")
        self._compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=8)
        self._batch: list[str] = []
        self._batched = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="qdpx-deflate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (text := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain, so the writer never blocks on a full queue
            try:
                data = text.encode("utf-8")
                self.crc = zlib.crc32(data, self.crc)
                self.size += len(data)
                self._file.write(self._compressor.compress(data))
            except BaseException as exc:  # reported by close
                self._error = exc
        try:
            if self._error is None:
                self._file.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))
        except BaseException as exc:
            self._error = exc
        finally:
            self._file.close()

    def write(self, text: str) -> None:
        """Queue ``text`` to be encoded and deflated."""
        self.written += 1
        self._batch.append(text)
        self._batched += len(text)
        if self._batched >= self.BATCH_CHARS:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._batch:
            self._queue.put("".join(self._batch))
            self._batch, self._batched = [], 0

    def close(self) -> None:
        """Wait for the thread to deflate everything queued; raise what it met (a full disk ...)."""
        if self._thread.is_alive():
            self._hand_over()
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    @property
    def compressed_size(self) -> int:
        return self.path.stat().st_size


# -- the writer ---------------------------------------------------------------------------


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def _write_deflated_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, pieces: Sequence[bytes | Path]
) -> None:
    """Add an entry whose deflated bytes are ready (``info`` has its CRC and size): header, then the pieces.

    What ``ZipFile.open(info, "w")`` and its closing do, minus compressing:
    zipfile has no public way to add data deflated elsewhere. The archive is
    a seekable file with no other entry open.
    """
    compressed = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in pieces)
    info.compress_size = compressed
    zip64 = info.file_size > zipfile.ZIP64_LIMIT or compressed > zipfile.ZIP64_LIMIT
    handle = archive.fp
    assert handle is not None
    handle.seek(archive.start_dir)
    info.header_offset = handle.tell()
    handle.write(info.FileHeader(zip64))
    for piece in pieces:
        if isinstance(piece, Path):
            with open(piece, "rb") as spooled:
                shutil.copyfileobj(spooled, handle, 1 << 20)
        else:
            handle.write(piece)
    archive.start_dir = handle.tell()
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info


class ProjectWriter:
    """Builds one ``.qdpx`` at ``path``: ``add_source`` per document, then ``close`` (or ``abort``)."""

    def __init__(
        self,
        path: Path,
        *,
        name: str,
        origin: str,
        tags: Sequence[Tag],
        variables: Mapping[str, str],
    ) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
        self._scratch = tempfile.TemporaryDirectory(prefix="annotator-qdpx-", ignore_cleanup_errors=True)
        folder = Path(self._scratch.name)
        self._sources = DeflatedSpool(folder / "sources.deflate")
        self._notes = DeflatedSpool(folder / "notes.deflate")
        self._name, self._origin, self._tags = name, origin, tuple(tags)
        self._variables = dict(variables)
        self._variable_guids = {key: derived_guid("variable", key) for key in variables}
        self._code_guid = {(tag.kind.value, tag.name): guid_of(tag.id) for tag in tags}
        self._users: dict[str, str] = {}
        self._members: dict[DocumentStatus, list[str]] = {status: [] for status, _ in STATUS_SETS}
        self.replaced_characters = 0
        self.json_values = 0
        self.notes = 0
        self.sources = 0

    def _user(self, annotator: str) -> str:
        guid = self._users.get(annotator)
        if guid is None:
            guid = self._users[annotator] = user_guid(annotator)
        return guid

    def _note(self, guid: str, name: str, text: str, user: str | None, created: str | None) -> None:
        self.replaced_characters += xml_invalid_count(text) + xml_invalid_count(name)
        who = f' creatingUser="{user}"' if user else ""
        when = f' creationDateTime="{created}"' if created else ""
        if not self.notes:
            self._notes.write("<Notes>")
        self._notes.write(
            f'<Note guid="{guid}" name="{xml_attr(name)}"{who}{when}>'
            f"<PlainTextContent>{xml_text(text)}</PlainTextContent></Note>"
        )
        self.notes += 1

    def add_source(
        self,
        doc: ExportDocument,
        *,
        times: Mapping[str, tuple[str, str]] = {},
        memo: str = "",
        status: DocumentStatus | None = None,
        imported_at: str | None = None,
    ) -> None:
        """Write one document: its text into the ZIP, its ``TextSource`` (selections, memo, values) to scratch.

        ``times`` maps span ids to (created, updated); a span missing from it
        is written without times.
        """
        guid = guid_of(doc.id)
        try:
            data = doc.text.encode("utf-8")
        except UnicodeEncodeError:
            data = doc.text.encode("utf-8", "replace")  # lone surrogates, which UTF-8 cannot hold, as "?"
            self.replaced_characters += sum(1 for c in doc.text if "\ud800" <= c <= "\udfff")
        self._zip.writestr(_entry(f"sources/{guid}.txt"), data)
        self.replaced_characters += xml_invalid_count(doc.title)
        when = xsd_datetime(imported_at)
        parts = [
            f'<TextSource guid="{guid}" name="{xml_attr(doc.title)}" plainTextPath="internal://{guid}.txt"'
            + (f' creationDateTime="{when}">' if when else ">")
        ]
        append, code_guid, users, complement = parts.append, self._code_guid, self._users, _COMPLEMENT
        # One regex over all of a document's ids instead of one per span: they are our UUIDs.
        ids_are_guids = _GUID_LIST.fullmatch(",".join(span[3] for span in doc.spans)) is not None
        for start, end, label, span_id, kind, annotator, note in doc.spans:
            sel = span_id if ids_are_guids else guid_of(span_id)
            who = users.get(annotator) or self._user(annotator)
            created = updated = None
            stamp = changed = ""
            if (span_times := times.get(span_id)) is not None:
                created, updated = xsd_datetime(span_times[0]), xsd_datetime(span_times[1])
                if created:
                    stamp = f' creationDateTime="{created}"'
                if updated and updated != created:
                    changed = f' modifiedDateTime="{updated}"'
            note_ref = ""
            if note:
                note_guid = fast_derived_guid("note", span_id)
                self._note(note_guid, f"Note on '{label}'", note, who, updated or created)
                note_ref = f'<NoteRef targetGUID="{note_guid}"/>'
            append(
                f'<PlainTextSelection guid="{sel}" startPosition="{start}" endPosition="{end}"'
                f' creatingUser="{who}"{stamp}{changed}>'
                f'<Coding guid="{sel.encode().translate(complement).decode()}" creatingUser="{who}"{stamp}>'
                f'<CodeRef targetGUID="{code_guid[kind, label]}"/></Coding>{note_ref}</PlainTextSelection>'
            )
        if memo:
            memo_guid = derived_guid("memo", doc.id)
            self._note(memo_guid, f"Memo: {doc.title}", memo, None, None)
            append(f'<NoteRef targetGUID="{memo_guid}"/>')
        for key, value in doc.meta.items():
            value_type = self._variables.get(key)
            if value_type is None or value is None:
                continue
            self.json_values += isinstance(value, (list, dict))
            append(f'<VariableValue><VariableRef targetGUID="{self._variable_guids[key]}"/>')
            append(variable_value(value_type, value))
            append("</VariableValue>")
        append("</TextSource>")
        if not self.sources:
            self._sources.write("<Sources>")
        self._sources.write("".join(parts))
        self.sources += 1
        if status is not None:
            self._members[status].append(guid)

    def _head(self) -> str:
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>\n',
            f'<Project xmlns="{PROJECT_NS}" name="{xml_attr(self._name)}" origin="{xml_attr(self._origin)}">',
        ]
        if self._users:
            parts.append("<Users>")
            parts.extend(
                f'<User guid="{guid}" name="{xml_attr(name)}"/>' for name, guid in sorted(self._users.items())
            )
            parts.append("</Users>")
        if self._tags:
            parts.append("<CodeBook>")
            write_codes(self._tags, parts.append)
            parts.append("</CodeBook>")
        if self._variables:
            parts.append("<Variables>")
            parts.extend(
                f'<Variable guid="{self._variable_guids[key]}" name="{xml_attr(key)}" typeOfVariable="{kind}"/>'
                for key, kind in self._variables.items()
            )
            parts.append("</Variables>")
        return "".join(parts)

    def _tail(self) -> str:
        sets = [
            f'<Set guid="{derived_guid("set", status.value)}" name="{name}">'
            + "".join(f'<MemberSource targetGUID="{guid}"/>' for guid in self._members[status])
            + "</Set>"
            for status, name in STATUS_SETS
            if self._members[status]
        ]
        return ("<Sets>" + "".join(sets) + "</Sets>" if sets else "") + "</Project>\n"

    def close(self) -> None:
        """Write ``project.qde`` (head, the deflated sources and notes, the sets) and complete the ZIP."""
        try:
            if self.sources:
                self._sources.write("</Sources>")
            if self.notes:
                self._notes.write("</Notes>")
            self._sources.close()
            self._notes.close()
            head = self._head().encode("utf-8")
            tail = self._tail().encode("utf-8")
            crc = zlib.crc32(head)
            crc = crc32_combine(crc, self._sources.crc, self._sources.size)
            crc = crc32_combine(crc, self._notes.crc, self._notes.size)
            crc = crc32_combine(crc, zlib.crc32(tail), len(tail))
            pieces: list[bytes | Path] = [
                deflate_piece(head, last=False),
                self._sources.path,
                self._notes.path,
                deflate_piece(tail, last=True),
            ]
            info = _entry("project.qde")
            info.file_size = len(head) + self._sources.size + self._notes.size + len(tail)
            info.CRC = crc
            _write_deflated_entry(self._zip, info, pieces)
            self._zip.close()
        finally:
            self._scratch.cleanup()

    def abort(self) -> None:
        """Stop without completing: close everything and remove the scratch files."""
        for spool in (self._sources, self._notes):
            try:
                spool.close()
            except BaseException:  # already stopping; the first error is the one reported
                pass
        try:
            self._zip.close()
        except (OSError, ValueError):
            pass
        self._scratch.cleanup()

    @property
    def users(self) -> tuple[str, ...]:
        """The annotators written as users so far, sorted."""
        return tuple(sorted(self._users))
