"""Build ``.qdpx`` files shaped like other vendors' for the REFI-QDA import tests.

Each quirk of a real exporter is an option: the project file's name
(``Project.qde``, ``<Name>.qde``), the sources folder (``Sources/``), BOMs,
GUIDs in braces, text inline or in a file, paths without ``internal://``,
``relative://`` paths, and offsets counted in UTF-16 units and/or with CR LF
as two. Offsets are given in code points of the text as written and turned
into the requested counting here, so the tests say where spans must land.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NS = "urn:QDA-XML:project:1.0"


def gid(n: int, braces: bool = False) -> str:
    """A fixed GUID for test number ``n`` (upper case in braces when asked, as some vendors write)."""
    value = str(uuid.UUID(int=n))
    return "{" + value.upper() + "}" if braces else value


def count(text: str, index: int, counting: str) -> int:
    """Code-point ``index`` into ``text`` (as written) expressed in ``counting``:
    "cp" (CR LF as one), "cp2" (CR LF as two), "u16" (CR LF as one), "u16crlf" (CR LF as two)."""
    prefix = text[:index]
    if counting in ("cp", "u16"):
        prefix = prefix.replace("\r\n", "\n")
    if counting.startswith("u16"):
        return len(prefix.encode("utf-16-le")) // 2
    return len(prefix)


@dataclass
class Sel:
    """A selection: code-point offsets into the text as written, its codes, texts and notes."""

    start: int
    end: int
    codes: tuple[int, ...] = ()
    guid: int = 0
    name: str | None = None
    description: str | None = None
    user: int | None = None
    notes: tuple[int, ...] = ()
    created: str = "2026-01-02T03:04:05Z"
    #: Offsets written as they are, bypassing the source's counting.
    raw: tuple[int, int] | None = None


@dataclass
class Src:
    """A source; ``counting`` is how its selections' offsets are written (see ``count``)."""

    name: str
    text: str
    selections: list[Sel] = field(default_factory=list)
    guid: int = 0
    inline: bool = False
    path_form: str = "internal"  # internal, bare, relative, absolute
    bom: bool = False
    counting: str = "cp"
    kind: str = "TextSource"
    variables: dict[int, str] = field(default_factory=dict)
    notes: tuple[int, ...] = ()
    description: str | None = None
    file_name: str | None = None


def _selection(src: Src, sel: Sel, braces: bool) -> str:
    if sel.raw is not None:
        start, end = sel.raw
    else:
        start, end = count(src.text, sel.start, src.counting), count(src.text, sel.end, src.counting)
    attrs = f'guid="{gid(sel.guid, braces)}" startPosition="{start}" endPosition="{end}"'
    if sel.name is not None:
        attrs += f" name={quoteattr(sel.name)}"
    if sel.user is not None:
        attrs += f' creatingUser="{gid(sel.user, braces)}"'
    attrs += f' creationDateTime="{sel.created}"'
    body = ""
    if sel.description is not None:
        body += f"<Description>{escape(sel.description)}</Description>"
    for n, code in enumerate(sel.codes):
        user = f' creatingUser="{gid(sel.user, braces)}"' if sel.user is not None else ""
        body += (
            f'<Coding guid="{gid(sel.guid * 100 + n + 1, braces)}"{user} creationDateTime="{sel.created}">'
            f'<CodeRef targetGUID="{gid(code, braces)}"/></Coding>'
        )
    for note in sel.notes:
        body += f'<NoteRef targetGUID="{gid(note, braces)}"/>'
    return f"<PlainTextSelection {attrs}>{body}</PlainTextSelection>"


def _code(code: dict, braces: bool) -> str:
    attrs = f'guid="{gid(code["guid"], braces)}" name={quoteattr(code["name"])} isCodable="true"'
    if code.get("color"):
        attrs += f' color="{code["color"]}"'
    body = f"<Description>{escape(code['description'])}</Description>" if code.get("description") else ""
    body += "".join(_code(child, braces) for child in code.get("children", ()))
    return f"<Code {attrs}>{body}</Code>"


def build_qdpx(
    path: Path,
    sources: list[Src],
    *,
    codes: list[dict] = (),  # type: ignore[assignment]
    users: dict[int, str] | None = None,
    notes: dict[int, str] | None = None,
    variables: dict[int, str] | None = None,
    qde_name: str = "project.qde",
    sources_dir: str = "sources",
    qde_bom: bool = False,
    braces: bool = False,
    doctype: str = "",
    extra: str = "",
    members: dict[str, bytes] | None = None,
) -> Path:
    """Write a ``.qdpx`` at ``path`` from these values; returns ``path``."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<Project xmlns="{NS}" name="Test" origin="fixture">'
    ]
    if users:
        parts.append(
            "<Users>"
            + "".join(f'<User guid="{gid(k, braces)}" name={quoteattr(v)}/>' for k, v in users.items())
            + "</Users>"
        )
    if codes:
        parts.append("<CodeBook><Codes>" + "".join(_code(c, braces) for c in codes) + "</Codes></CodeBook>")
    if variables:
        parts.append(
            "<Variables>"
            + "".join(
                f'<Variable guid="{gid(k, braces)}" name={quoteattr(v)} typeOfVariable="Text"/>'
                for k, v in variables.items()
            )
            + "</Variables>"
        )
    files: dict[str, bytes] = dict(members or {})
    parts.append("<Sources>")
    for src in sources:
        attrs = f'guid="{gid(src.guid, braces)}" name={quoteattr(src.name)}'
        body = f"<Description>{escape(src.description)}</Description>" if src.description else ""
        if src.inline:
            body += "<PlainTextContent>" + escape(src.text).replace("\r", "&#13;") + "</PlainTextContent>"
        else:
            file_name = src.file_name or f"{gid(src.guid)}.txt"
            prefix = {
                "internal": "internal://",
                "bare": "",
                "relative": "relative://",
                "absolute": "absolute://",
            }
            attrs += f" plainTextPath={quoteattr(prefix[src.path_form] + file_name)}"
            data = src.text.encode("utf-8")
            if src.path_form in ("internal", "bare"):  # the others name files outside the archive
                files[f"{sources_dir}/{file_name}"] = (b"\xef\xbb\xbf" if src.bom else b"") + data
        body += "".join(_selection(src, sel, braces) for sel in src.selections)
        body += "".join(f'<NoteRef targetGUID="{gid(n, braces)}"/>' for n in src.notes)
        for var, value in src.variables.items():
            body += (
                f'<VariableValue><VariableRef targetGUID="{gid(var, braces)}"/>'
                f"<TextValue>{escape(value)}</TextValue></VariableValue>"
            )
        parts.append(f"<{src.kind} {attrs}>{body}</{src.kind}>")
    parts.append("</Sources>")
    if notes:
        parts.append(
            "<Notes>"
            + "".join(
                f'<Note guid="{gid(k, braces)}" name="note {k}"><PlainTextContent>{escape(v)}</PlainTextContent></Note>'
                for k, v in notes.items()
            )
            + "</Notes>"
        )
    parts.append(extra)
    parts.append("</Project>")
    qde = "".join(parts).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, (b"\xef\xbb\xbf" if qde_bom else b"") + qde)
        for name, data in files.items():
            archive.writestr(name, data)
    return path
