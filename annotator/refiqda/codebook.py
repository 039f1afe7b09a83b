"""REFI-QDA codebooks (``.qdc``): the project's tags written for other QDA tools, and theirs read back.

A codebook is the ``<Codes>`` of a project without the data: nested ``Code``
elements with a GUID, a name, a colour, a description and ``isCodable``.
Ours maps as the project export does (``annotator.refiqda.writer``):

- themes are codes, nested as the themes are, each with its colour and
  description;
- speakers are codes under one code named "Speakers" that cannot be coded
  itself (``isCodable="false"``).

Reading one back (``annotator tags import PROJECT FILE.qdc``) turns every
code into a theme, nested the same way, whether it is codable or not: a
grouping code another tool cannot code on is still a node researchers want
in their hierarchy, and our themes may always be coded on. The one
exception is the top-level, non-codable "Speakers" our export writes: its
codes become speakers again (nested speakers, which we do not have, are
flattened under it).

Files come from other people's machines, so reading is defused
(``defusedxml``: no DTD, no entities, nothing fetched from the network),
bounded (``MAX_CODEBOOK_BYTES``, ``MAX_DEPTH``) and fails in one line.
``parse_codes`` turns a ``<Codes>`` element of either namespace into plain
values; the project import reads the ``CodeBook`` inside ``project.qde``
with it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from annotator.errors import InvalidInputError
from annotator.model import Tag, TagKind
from annotator.refiqda import CODEBOOK_NS, GUID_PATTERN, derived_guid, guid_of
from annotator.store.openfiles import HELD_HERE, is_open_here

#: A codebook larger than this is refused before it is parsed (a big one holds a few thousand codes: ~1 MB).
MAX_CODEBOOK_BYTES = 32 * 1024 * 1024
#: Codes nested deeper than this are refused (no real hierarchy comes close; it keeps the walk bounded).
MAX_DEPTH = 200
#: The non-codable parent our exports put speakers under, and its fixed GUID.
SPEAKERS_NAME = "Speakers"
SPEAKERS_GUID = derived_guid("code", "annotator:speakers")

_RGB = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class CodebookError(InvalidInputError):
    """A codebook file (or a ``<Codes>`` element) that cannot be read; the message is one line."""


@dataclass(frozen=True, slots=True)
class Code:
    """One code as read from a file: plain values, children in file order."""

    guid: str
    name: str
    codable: bool
    color: str | None
    description: str
    children: tuple[Code, ...] = ()


# -- writing ------------------------------------------------------------------------


def xml_text(value: str) -> str:
    """``value`` as XML character data: markup escaped, ``\\r`` kept as a reference, characters XML 1.0
    cannot hold (controls, lone surrogates) replaced by U+FFFD."""
    if _XML_INVALID.search(value):
        value = _XML_INVALID.sub("\ufffd", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_attr(value: str) -> str:
    """``value`` as a double-quoted attribute, line breaks and tabs kept as references (not normalised away)."""
    return xml_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def xml_invalid_count(value: str) -> int:
    """How many characters of ``value`` XML 1.0 cannot hold (written as U+FFFD)."""
    return len(_XML_INVALID.findall(value))


def _rgb(color: str | None) -> str | None:
    """A colour as ``#rrggbb`` (three digits doubled), or None when it is not one."""
    if not color or not _RGB.fullmatch(color.strip()):
        return None
    digits = color.strip()[1:].lower()
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits))


def _code_open(guid: str, name: str, codable: bool, color: str | None, description: str) -> str:
    colour = f' color="{color}"' if color and _RGB.fullmatch(color) else ""
    head = (
        f'<Code guid="{guid}" name="{xml_attr(name)}" isCodable="{"true" if codable else "false"}"{colour}>'
    )
    return head + (f"<Description>{xml_text(description)}</Description>" if description else "")


def write_codes(
    tags: Sequence[Tag], write: Callable[[str], Any], *, note_refs: Callable[[Tag], str] | None = None
) -> None:
    """Write ``<Codes>…</Codes>`` for ``tags``: themes nested, speakers under "Speakers" (not codable).

    ``note_refs`` may give each tag's ``<NoteRef>`` elements (the project
    schema has them between a code's description and its children; the
    codebook schema has none). Tags in their stored order; a loop, not
    recursion, so depth costs nothing.
    """
    children: dict[str | None, list[Tag]] = {}
    for tag in tags:
        if tag.kind == TagKind.THEME:
            children.setdefault(tag.parent_id, []).append(tag)
    speakers = [tag for tag in tags if tag.kind == TagKind.SPEAKER]
    write("<Codes>")
    stack: list[Iterator[Tag]] = [iter(children.get(None, []))]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            if stack:
                write("</Code>")
            continue
        write(_code_open(guid_of(node.id), node.name, True, node.color, node.description))
        if note_refs is not None:
            write(note_refs(node))
        stack.append(iter(children.get(node.id, [])))
    if speakers:
        write(_code_open(SPEAKERS_GUID, SPEAKERS_NAME, False, None, "Who speaks: one code per speaker"))
        for tag in speakers:
            write(_code_open(guid_of(tag.id), tag.name, True, tag.color, tag.description))
            write("</Code>")
        write("</Code>")
    write("</Codes>")


def codebook_xml(tags: Sequence[Tag], origin: str) -> str:
    """A whole ``.qdc`` document for ``tags``."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<CodeBook xmlns="{CODEBOOK_NS}" origin="{xml_attr(origin)}">',
    ]
    write_codes(tags, parts.append)
    parts.append("</CodeBook>\n")
    return "".join(parts)


def codebook_file(tags: Sequence[Tag], *, origin: str) -> tuple[bytes, int]:
    """The ``.qdc`` file of ``tags`` as bytes, and how many codes it holds (a "Speakers" parent too).

    A project without tags has no codebook: the schema needs at least one code.
    The caller writes it with ``exporters.replacing.writing_beside``, as every user file.
    """
    if not tags:
        raise InvalidInputError("the project has no tags; a codebook needs at least one")
    codes = len(tags) + (1 if any(tag.kind == TagKind.SPEAKER for tag in tags) else 0)
    return codebook_xml(tags, origin).encode("utf-8"), codes


# -- reading ------------------------------------------------------------------------


def _bool(value: str | None, where: str) -> bool:
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise CodebookError(f"{where}: isCodable must be true or false, not {value!r}")


def _one_code(element: Element, namespace: str) -> tuple[str, str, bool, str | None, str]:
    """(guid, name, codable, colour, description) of one ``<Code>``, checked."""
    name = element.get("name")
    where = f"code '{name}'" if name else "a code"
    if name is None or not name.strip():
        raise CodebookError("a code has no name")
    guid = element.get("guid", "")
    if not GUID_PATTERN.fullmatch(guid.strip()):
        raise CodebookError(f"{where}: guid {guid!r} is not a GUID")
    codable = _bool(element.get("isCodable"), where)
    description = element.find(f"{{{namespace}}}Description")
    text = description.text or "" if description is not None else ""
    return guid.strip().strip("{}").lower(), name.strip(), codable, _rgb(element.get("color")), text


def parse_codes(codes: Element, namespace: str) -> tuple[Code, ...]:
    """The codes of a ``<Codes>`` element in ``namespace`` (project or codebook), nested, as plain values.

    Raises ``CodebookError`` (one line) for a code without a name, a GUID that
    is not one, a GUID used twice, or nesting deeper than ``MAX_DEPTH``.
    Elements of other names (a project's ``NoteRef``) are skipped.
    """
    tag = f"{{{namespace}}}Code"
    seen: set[str] = set()
    # Each frame: the element's child codes still to read, and the finished Code children so far.
    root_children: list[Code] = []
    stack: list[tuple[Iterator[Element], list[Code], tuple[str, str, bool, str | None, str] | None]] = [
        (iter(codes.findall(tag)), root_children, None)
    ]
    while stack:
        pending, built, own = stack[-1]
        element = next(pending, None)
        if element is None:
            stack.pop()
            if own is not None:
                stack[-1][1].append(Code(*own, tuple(built)))
            continue
        values = _one_code(element, namespace)
        if values[0] in seen:
            raise CodebookError(f"code '{values[1]}': guid {values[0]} is used twice")
        seen.add(values[0])
        if len(stack) > MAX_DEPTH:
            raise CodebookError(f"codes are nested more than {MAX_DEPTH} deep")
        stack.append((iter(element.findall(tag)), [], values))
    return tuple(root_children)


def read_codebook(path: str | Path) -> tuple[Code, ...]:
    """The codes of a ``.qdc`` file: size-bounded, defused, one-line errors."""
    path = Path(path)
    if is_open_here(path):
        raise CodebookError(f"{path}: {HELD_HERE}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CODEBOOK_BYTES + 1)
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such file") from None
    except OSError as exc:
        raise CodebookError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_CODEBOOK_BYTES:
        raise CodebookError(f"{path}: larger than {MAX_CODEBOOK_BYTES // 2**20} MB; not a codebook")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise CodebookError(
            f"{path}: declares a DTD or entities, which codebooks never need; refused"
        ) from None
    except ParseError as exc:
        raise CodebookError(f"{path}: not well-formed XML ({exc})") from None
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        raise CodebookError(f"{path}: not a REFI-QDA codebook (its root is not CodeBook in {CODEBOOK_NS})")
    codes = root.find(f"{{{CODEBOOK_NS}}}Codes")
    if codes is None:
        raise CodebookError(f"{path}: the codebook has no Codes")
    try:
        return parse_codes(codes, CODEBOOK_NS)
    except CodebookError as exc:
        raise CodebookError(f"{path}: {exc}") from None


def _flatten(codes: Iterable[Code]) -> Iterator[Code]:
    stack = [iter(codes)]
    while stack:
        code = next(stack[-1], None)
        if code is None:
            stack.pop()
            continue
        yield code
        stack.append(iter(code.children))


def _is_speakers(code: Code) -> bool:
    return not code.codable and code.name.casefold() == SPEAKERS_NAME.casefold()


def _theme(code: Code) -> dict:
    entry: dict[str, Any] = {"name": code.name, "description": code.description}
    if code.color:
        entry["color"] = code.color
    entry["children"] = []
    return entry


def codes_to_scheme(codes: Sequence[Code]) -> dict:
    """The tag scheme (``annotator.scheme``'s shape) of a codebook's codes, for ``ops.ImportScheme``."""
    themes: list[dict] = []
    speakers: list[dict] = []
    for code in codes:
        if _is_speakers(code):
            for speaker in _flatten(code.children):
                entry: dict[str, Any] = {"name": speaker.name, "description": speaker.description}
                if speaker.color:
                    entry["color"] = speaker.color
                speakers.append(entry)
            continue
        top = _theme(code)
        themes.append(top)
        stack: list[tuple[Iterator[Code], list]] = [(iter(code.children), top["children"])]
        while stack:
            child = next(stack[-1][0], None)
            if child is None:
                stack.pop()
                continue
            node = _theme(child)
            stack[-1][1].append(node)
            stack.append((iter(child.children), node["children"]))
    return {"themes": themes, "speakers": speakers}
