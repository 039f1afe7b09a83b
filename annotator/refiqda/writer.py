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
import re
import shutil
import tempfile
import zipfile
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


def fast_derived_guid(kind: str, key: str) -> str:
    """``derived_guid(kind, key)`` in a fifth of uuid5's time (one per span adds up on a million)."""
    h = hashlib.sha1(_NS_BYTES + f"{kind}:{key}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


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


# -- the writer ---------------------------------------------------------------------------


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


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
        self._sources = open(folder / "sources.xml", "w", encoding="utf-8", newline="")
        self._notes = open(folder / "notes.xml", "w", encoding="utf-8", newline="")
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
            data = doc.text.encode("utf-8", "replace")
            self.replaced_characters += xml_invalid_count(doc.text)
        self._zip.writestr(_entry(f"sources/{guid}.txt"), data)
        self.replaced_characters += xml_invalid_count(doc.title)
        when = xsd_datetime(imported_at)
        parts = [
            f'<TextSource guid="{guid}" name="{xml_attr(doc.title)}" plainTextPath="internal://{guid}.txt"'
            + (f' creationDateTime="{when}">' if when else ">")
        ]
        append, code_guid, user, derive = parts.append, self._code_guid, self._user, fast_derived_guid
        for start, end, label, span_id, kind, annotator, note in doc.spans:
            sel = guid_of(span_id)
            who = user(annotator)
            created, updated = times.get(span_id, (None, None))
            created, updated = xsd_datetime(created), xsd_datetime(updated)
            stamp = f' creationDateTime="{created}"' if created else ""
            changed = f' modifiedDateTime="{updated}"' if updated and updated != created else ""
            note_ref = ""
            if note:
                note_guid = derive("note", span_id)
                self._note(note_guid, f"Note on '{label}'", note, who, updated or created)
                note_ref = f'<NoteRef targetGUID="{note_guid}"/>'
            append(
                f'<PlainTextSelection guid="{sel}" startPosition="{start}" endPosition="{end}"'
                f' creatingUser="{who}"{stamp}{changed}>'
                f'<Coding guid="{derive("coding", span_id)}" creatingUser="{who}"{stamp}>'
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
        """Write ``project.qde`` (head, the sources and notes from scratch, the sets) and complete the ZIP."""
        try:
            self._sources.close()
            self._notes.close()
            head = self._head().encode("utf-8")
            notes_size = Path(self._notes.name).stat().st_size
            tail = self._tail().encode("utf-8")
            pieces: list[bytes | Path] = [head]
            if self.sources:
                pieces += [b"<Sources>", Path(self._sources.name), b"</Sources>"]
            if notes_size:
                pieces += [b"<Notes>", Path(self._notes.name), b"</Notes>"]
            pieces.append(tail)
            info = _entry("project.qde")
            info.file_size = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in pieces)
            with self._zip.open(info, "w") as entry:
                for piece in pieces:
                    if isinstance(piece, Path):
                        with open(piece, "rb") as spooled:
                            shutil.copyfileobj(spooled, entry, 1 << 20)
                    else:
                        entry.write(piece)
            self._zip.close()
        finally:
            self._scratch.cleanup()

    def abort(self) -> None:
        """Stop without completing: close everything and remove the scratch files."""
        for handle in (self._sources, self._notes):
            handle.close()
        try:
            self._zip.close()
        except (OSError, ValueError):
            pass
        self._scratch.cleanup()

    @property
    def users(self) -> tuple[str, ...]:
        """The annotators written as users so far, sorted."""
        return tuple(sorted(self._users))
