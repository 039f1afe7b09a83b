"""Reading ``project.qde`` into plain values: defused, streamed, bounded.

The XML comes from another program, so it is parsed by expat with every
document type declaration refused (no entities, no external references, no
network) and with the limits of our other XML imports
(``annotator.safety``): at most ``MAX_XML_BYTES`` unpacked and
``MAX_XML_NODES`` elements and attributes. The file is streamed a chunk at a
time; each source (with its selections) is turned into values as soon as it
closes and its elements dropped, so memory holds one source's XML, not the
project's tree. Names are read without their namespace: vendors write the
standard's, an older one, or none. GUIDs lose the braces some vendors wrap
them in and are compared in lower case.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NoReturn
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from annotator.errors import ImportFailure
from annotator.refiqda.archive import WHAT, QdpxArchive
from annotator.safety import MAX_XML_BYTES, MAX_XML_NODES, XML_CHUNK_BYTES

#: Kinds of source the standard knows; only text (and PDF with its text) can be coded here.
SOURCE_KINDS = ("TextSource", "PDFSource", "PictureSource", "AudioSource", "VideoSource")
#: Attributes of a selection that are not a text it covers (the rest may be a vendor's copy of it).
_SELECTION_KNOWN = frozenset(
    {
        "guid",
        "startPosition",
        "endPosition",
        "creatingUser",
        "creationDateTime",
        "modifyingUser",
        "modifiedDateTime",
        "name",
    }
)


def guid(value: str | None) -> str:
    """A GUID as compared here: braces and white space off, lower case ("" for none)."""
    return (value or "").strip().strip("{}").strip().lower()


@dataclass
class Coding:
    """One code applied to a selection (or to a whole source)."""

    guid: str
    code: str
    user: str
    created: str | None
    notes: tuple[str, ...] = ()


@dataclass
class TextSelection:
    """A ``PlainTextSelection``: offsets as the file gives them, its codings, its own texts."""

    guid: str
    start: int
    end: int
    name: str
    description: str
    user: str
    created: str | None
    modified: str | None
    codings: list[Coding] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    #: Other attributes holding text (a vendor's copy of what the selection covers).
    extra: tuple[str, ...] = ()


@dataclass
class Source:
    """One source: where its text is (inline or a member), its selections, variables and notes."""

    kind: str
    guid: str
    name: str
    description: str
    plain_text: str | None
    plain_text_path: str | None
    rich_text_path: str | None
    path: str | None
    selections: list[TextSelection] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    #: Variable GUID -> value.
    variables: dict[str, Any] = field(default_factory=dict)
    #: Selections this importer cannot place in a text (areas of a picture or page, stretches of time).
    unplaceable: int = 0
    #: A PDF's text representation, with its selections.
    representation: Source | None = None


@dataclass
class Note:
    """A note (memo): its text inline or in a member."""

    guid: str
    name: str
    text: str | None
    plain_text_path: str | None


@dataclass
class Variable:
    guid: str
    name: str
    type: str


@dataclass
class Case:
    guid: str
    name: str
    description: str
    variables: dict[str, Any]
    sources: tuple[str, ...]


@dataclass
class Project:
    """Everything of ``project.qde`` this importer uses, as plain values."""

    name: str = ""
    origin: str = ""
    users: dict[str, str] = field(default_factory=dict)
    codebook: Element | None = None
    variables: dict[str, Variable] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    notes: dict[str, Note] = field(default_factory=dict)
    #: Sets: name -> GUIDs of their member sources.
    sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Parts of the project with no place in Annotator: (element name, count).
    left_out: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=512)
def local(tag: str) -> str:
    """An element's name without its namespace (a file uses a few dozen names, so they are cached)."""
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if local(child.tag) == name:
            return child
    return None


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def _text(element: Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "") if child is not None else ""


def _refs(element: Element, name: str = "NoteRef") -> tuple[str, ...]:
    return tuple(guid(ref.get("targetGUID")) for ref in _children(element, name) if ref.get("targetGUID"))


def _integer(value: str | None, what: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ValueError(f"{what} '{value}' is not a whole number") from None


def _coding(element: Element) -> Coding | None:
    ref = _child(element, "CodeRef")
    if ref is None:
        return None
    return Coding(
        guid=guid(element.get("guid")),
        code=guid(ref.get("targetGUID")),
        user=guid(element.get("creatingUser")),
        created=element.get("creationDateTime"),
        notes=_refs(element),
    )


def _codings(element: Element) -> list[Coding]:
    return [c for c in (_coding(e) for e in _children(element, "Coding")) if c is not None]


class BadSelection(ValueError):
    """A selection whose offsets are not numbers: reported by the importer, the rest goes on."""


def _selection(element: Element) -> TextSelection:
    try:
        start = _integer(element.get("startPosition"), "startPosition")
        end = _integer(element.get("endPosition"), "endPosition")
    except ValueError as exc:
        raise BadSelection(str(exc)) from None
    extra = tuple(value for key, value in element.attrib.items() if local(key) not in _SELECTION_KNOWN)
    description, codings, notes = "", [], []
    for child in element:  # one pass: a file may hold a million selections
        name = local(child.tag)
        if name == "Coding":
            coding = _coding(child)
            if coding is not None:
                codings.append(coding)
        elif name == "NoteRef":
            if child.get("targetGUID"):
                notes.append(guid(child.get("targetGUID")))
        elif name == "Description":
            description = child.text or ""
    return TextSelection(
        guid=guid(element.get("guid")),
        start=start,
        end=end,
        name=element.get("name") or "",
        description=description,
        user=guid(element.get("creatingUser")),
        created=element.get("creationDateTime"),
        modified=element.get("modifiedDateTime"),
        codings=codings,
        notes=tuple(notes),
        extra=extra,
    )


def variable_value(element: Element) -> tuple[str, Any] | None:
    """(variable GUID, value) of a ``VariableValue``, typed as the file says."""
    ref = _child(element, "VariableRef")
    if ref is None:
        return None
    for child in element:
        name, raw = local(child.tag), (child.text or "").strip()
        if name == "BooleanValue":
            return guid(ref.get("targetGUID")), raw.lower() in ("true", "1")
        if name == "IntegerValue":
            try:
                return guid(ref.get("targetGUID")), int(raw)
            except ValueError:
                return guid(ref.get("targetGUID")), raw
        if name == "FloatValue":
            try:
                return guid(ref.get("targetGUID")), float(raw)
            except ValueError:
                return guid(ref.get("targetGUID")), raw
        if name in ("TextValue", "DateValue", "DateTimeValue"):
            return guid(ref.get("targetGUID")), child.text or ""
    return guid(ref.get("targetGUID")), None


def _variables(element: Element) -> dict[str, Any]:
    values = {}
    for item in _children(element, "VariableValue"):
        pair = variable_value(item)
        if pair is not None:
            values[pair[0]] = pair[1]
    return values


def source_of(element: Element, bad: list[tuple[str, str]]) -> Source:
    """A source element as a ``Source``; selections with broken offsets go to ``bad``."""
    kind = local(element.tag)
    content = _child(element, "PlainTextContent")
    source = Source(
        kind=kind,
        guid=guid(element.get("guid")),
        name=element.get("name") or "",
        description=_text(element, "Description"),
        plain_text=content.text or "" if content is not None else None,
        plain_text_path=element.get("plainTextPath"),
        rich_text_path=element.get("richTextPath"),
        path=element.get("path") or element.get("currentPath"),
        codings=_codings(element),
        notes=_refs(element),
        variables=_variables(element),
    )
    for child in element:
        name = local(child.tag)
        if name == "PlainTextSelection":
            try:
                source.selections.append(_selection(child))
            except BadSelection as exc:
                bad.append((f"selection {guid(child.get('guid'))}", str(exc)))
        elif name == "Representation":
            source.representation = source_of(child, bad)
        elif name.endswith("Selection") or name == "Transcript":
            source.unplaceable += 1
    return source


def _note(element: Element) -> Note:
    content = _child(element, "PlainTextContent")
    return Note(
        guid=guid(element.get("guid")),
        name=element.get("name") or "",
        text=(content.text or "") if content is not None else None,
        plain_text_path=element.get("plainTextPath"),
    )


class _Declaration(Exception):
    pass


class _TooBig(Exception):
    pass


def _refuse(*_args: object) -> NoReturn:
    raise _Declaration


class _Builder:
    """Expat events to elements, handing each finished section or source to the project and dropping it."""

    def __init__(self) -> None:
        self.project = Project()
        self.bad: list[tuple[str, str]] = []
        self._tree = TreeBuilder()
        self._stack: list[Element] = []
        self._names: list[str] = []
        self.nodes = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.nodes += 1 + len(attributes)
        if self.nodes > MAX_XML_NODES:
            raise _TooBig
        name = "{" + tag if "}" in tag else tag
        attrib = {("{" + k if "}" in k else k): v for k, v in attributes.items()}
        element = self._tree.start(name, attrib)
        self._stack.append(element)
        self._names.append(local(name))
        if len(self._names) == 1:
            self.project.name = attrib.get("name", "")
            self.project.origin = attrib.get("origin", "")

    def end(self, tag: str) -> None:
        element = self._tree.end("{" + tag if "}" in tag else tag)
        self._stack.pop()
        names = self._names
        section = names[1] if len(names) > 1 else ""
        depth = len(names)
        names.pop()
        if depth == 3 and section == "Sources":
            self.project.sources.append(source_of(element, self.bad))
            self._stack[-1].remove(element)
        elif depth == 3 and section == "Notes":
            note = _note(element)
            self.project.notes[note.guid] = note
            self._stack[-1].remove(element)
        elif depth == 2:
            self._section(section, element)
            self._stack[-1].remove(element)

    def _section(self, name: str, element: Element) -> None:
        project = self.project
        if name == "Users":
            for user in _children(element, "User"):
                project.users[guid(user.get("guid"))] = user.get("name") or user.get("id") or ""
        elif name == "CodeBook":
            project.codebook = _child(element, "Codes")
        elif name == "Variables":
            for item in _children(element, "Variable"):
                variable = Variable(
                    guid(item.get("guid")), item.get("name") or "", item.get("typeOfVariable") or ""
                )
                project.variables[variable.guid] = variable
        elif name == "Cases":
            for item in _children(element, "Case"):
                project.cases.append(
                    Case(
                        guid=guid(item.get("guid")),
                        name=item.get("name") or "",
                        description=_text(item, "Description"),
                        variables=_variables(item),
                        sources=_refs(item, "SourceRef"),
                    )
                )
        elif name == "Sets":
            for item in _children(element, "Set"):
                members = _refs(item, "MemberSource")
                project.sets[item.get("name") or ""] = members
        elif name in ("Links", "Graphs"):
            count = len(element)
            if count:
                project.left_out[name] = count

    def data(self, text: str) -> None:
        self._tree.data(text)


def read_project(archive: QdpxArchive) -> tuple[Project, list[tuple[str, str]]]:
    """The project file as a ``Project``, and the selections whose offsets could not be read."""
    member = archive.project_member
    size = archive.size(member)
    if size > MAX_XML_BYTES:
        raise ImportFailure(
            f"{WHAT}'s {member} is too big to read safely ({size / (1024 * 1024):.0f} MB unpacked; "
            f"the limit is {MAX_XML_BYTES // (1024 * 1024)} MB); refused"
        )
    builder = _Builder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        with archive.zip.open(member) as stream:
            while chunk := stream.read(XML_CHUNK_BYTES):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Declaration:
        raise ImportFailure(
            f"{member} contains an XML document type declaration (entities or external references); "
            "refused for safety"
        ) from None
    except _TooBig:
        raise ImportFailure(
            f"{member} is too big to read safely (more than {MAX_XML_NODES:,} XML elements and attributes, "
            "the limit); refused"
        ) from None
    except expat.ExpatError as exc:
        raise ImportFailure(f"corrupt {member} (bad XML: {exc})") from None
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise ImportFailure(f"corrupt {WHAT} (part '{member}': {exc})") from None
    return builder.project, builder.bad
