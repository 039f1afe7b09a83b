"""REFI-QDA projects (``.qdpx``) from NVivo, ATLAS.ti, MAXQDA, QualCoder and Annotator itself.

What comes in, and where it goes:

- the codebook: codes become themes with their hierarchy, colours and
  descriptions (a code's notes are added to its description); a code named
  like an existing tag is that tag, as everywhere else; two codes of one
  name in the file are told apart as "Name (Parent)";
- text sources become documents (a text already in the project gets the
  codings and nothing else); a source's variables and description go to the
  document's metadata, the cases it belongs to too, and its notes become its
  memo. Text is read inline (``PlainTextContent``), from the plain-text file
  the source names, else extracted from its ``.docx`` or ``.pdf`` by our own
  importers; a PDF's text representation is preferred when the file has one;
- each coding of a selection becomes an annotation by the coding's user,
  with the selection's description and notes as its note; its id is the
  selection's GUID (or derived from it and the code when a selection has
  several codings), so importing the file again adds nothing;
- a selection with no coding but a description or note (how MAXQDA writes
  a commented passage) becomes a span of the theme ``Comments (imported)``
  with the comment as its note: nothing of it is lost, and it can be
  recoded later;
- offsets: each source's counting is worked out (``annotator.refiqda.offsets``)
  and said in the report; a selection that fits no counting is reported and
  not stored. A file our own export wrote (``origin="Annotator ..."``) counts
  code points of the stored text, so its selections are taken as they are,
  even those that cut through a word.

Sources whose file lies outside the archive (``relative://``,
``absolute://``), pictures, audio and video are skipped with one line each;
links and graphs, which Annotator has no place for, are counted in one
line. A project's own sets of documents become each member's ``sets``
metadata (our status sets set the status). Everything of a file is stored in one transaction, or nothing.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element

from annotator.errors import AnnotatorError, ImportFailure
from annotator.importers import ImportOptions, PartialImport, importer_for, register
from annotator.importers.text import decode_text
from annotator.model import DocumentStatus, ImportedDocument, ImportedSpan, TagKind, tag_name_key
from annotator.refiqda import PROJECT_NS
from annotator.refiqda.archive import OutsideArchive, QdpxArchive, open_qdpx
from annotator.refiqda.codebook import (
    SPEAKERS_NAME,
    Code,
    CodebookError,
    codes_to_scheme,
    parse_codes,
    read_codebook,
)
from annotator.refiqda.offsets import CODE_POINTS, Placement, Selection, covers, place
from annotator.refiqda.reader import Project, Source, TextSelection, guid, local, read_project
from annotator.refiqda.writer import STATUS_SETS
from annotator.textnorm import normalise_newlines

#: The theme of passages a program marked with a comment but no code (MAXQDA's commented segments).
COMMENTS_THEME = "Comments (imported)"
COMMENTS_DESCRIPTION = (
    "Passages the other program marked with a comment but no code; the comment is each span's note."
)
#: Files a source may name instead of plain text, read by our importers of their type (one text each).
RICH_SOURCES = (".docx", ".pdf", ".odt", ".rtf", ".html", ".htm", ".md", ".txt")
#: How our own export names itself in ``origin``: its offsets are code points of the stored text.
OUR_ORIGIN = "Annotator "
#: Annotation ids of selections with several codings are derived from this and the selection's GUID.
_ID_NAMESPACE = uuid.UUID("6f1d8a52-8f55-4c55-9a43-2f0c8a1b7e3d")


def _read_codes(codes: Element) -> tuple[tuple[Code, ...], dict[str, tuple[str, ...]]]:
    """The codes by the codebook reader (``parse_codes``), and each code's note GUIDs.

    Vendors write the codebook in the standard's namespace, an older one or
    none, and some leave out ``isCodable`` or write it "True": the elements
    are put in the standard's namespace and the flag in its spelling first.
    """
    notes: dict[str, tuple[str, ...]] = {}
    for element in codes.iter():
        name = local(element.tag)
        if name in ("Code", "Description"):
            element.tag = f"{{{PROJECT_NS}}}{name}"
        if name == "Code":
            element.set("isCodable", (element.get("isCodable") or "true").strip().lower())
            notes[guid(element.get("guid"))] = tuple(
                guid(child.get("targetGUID")) for child in element if local(child.tag) == "NoteRef"
            )
    return parse_codes(codes, PROJECT_NS), notes


def _is_speakers(code: Code) -> bool:
    return not code.codable and code.name.casefold() == SPEAKERS_NAME.casefold()


def scheme_from_codebook(
    codes: Element | None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, tuple[str, TagKind]]]:
    """The tags of a ``<Codes>`` element as ``annotator.scheme`` reads them, and each code's GUID ->
    the tag it becomes (name, kind). Names are unique per kind: a second code of a name is
    "Name (Parent)". The codes under a top-level, non-codable "Speakers" (how our export writes
    speakers) become speakers again, flattened."""
    labels: dict[str, tuple[str, TagKind]] = {}
    scheme: dict[str, list[dict[str, Any]]] = {"themes": [], "speakers": []}
    if codes is None:
        return scheme, labels
    parsed, notes = _read_codes(codes)
    taken: dict[TagKind, set[str]] = {TagKind.THEME: set(), TagKind.SPEAKER: set()}
    # (code, list to append to, parent name, kind): a loop, so deep nesting costs no recursion.
    pending: list[tuple[Code, list[dict[str, Any]], str | None, TagKind]] = []
    for code in reversed(parsed):
        if _is_speakers(code):
            flat: list[Code] = []
            stack = list(reversed(code.children))
            while stack:
                speaker = stack.pop()
                flat.append(speaker)
                stack.extend(reversed(speaker.children))
            pending.extend((c, scheme["speakers"], None, TagKind.SPEAKER) for c in reversed(flat))
        else:
            pending.append((code, scheme["themes"], None, TagKind.THEME))
    while pending:
        code, siblings, parent, kind = pending.pop()
        name = _unique(code.name, parent, taken[kind])
        entry: dict[str, Any] = {"name": name, "_notes": notes.get(code.guid, ())}
        if code.color:
            entry["color"] = code.color
        if code.description:
            entry["description"] = code.description
        siblings.append(entry)
        labels[code.guid] = (name, kind)
        if kind is TagKind.THEME:
            entry["children"] = []
            pending.extend((child, entry["children"], name, kind) for child in reversed(code.children))
    return scheme, labels


def _unique(name: str, parent: str | None, taken: set[str]) -> str:
    """A tag name no other code of the file has (names compare as tags do)."""
    base = name.strip() or "(unnamed code)"
    candidates = [base] + ([f"{base} ({parent})"] if parent else [])
    number = 2
    while True:
        for candidate in candidates:
            if tag_name_key(candidate) not in taken:
                taken.add(tag_name_key(candidate))
                return candidate
        candidates = [f"{base} ({number})"]
        number += 1


class ProjectImport(PartialImport):
    """A project's documents plus its codebook (stored first, in the same transaction) and report notes."""

    def __init__(self, documents=()):
        super().__init__(documents)
        #: Tags to add before the documents, as ``annotator.scheme`` reads them.
        self.scheme: dict[str, Any] | None = None
        #: Lines for the report that are neither failures nor skipped parts (each source's counting).
        self.notes: list[str] = []


def _uuid_or_derived(value: str, *parts: str) -> str:
    """``value`` when it is a UUID and nothing is added; else a UUID derived from all of it."""
    if not parts:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join((value, *parts))))


@dataclass
class _Context:
    """What converting one project needs at hand."""

    archive: QdpxArchive
    project: Project
    labels: dict[str, tuple[str, TagKind]]
    options: ImportOptions
    result: ProjectImport
    file_name: str
    statuses: dict[str, DocumentStatus]
    #: The counting the writing program is known to use (ours: code points), else None: worked out.
    known: str | None = None
    #: Source GUID -> the names of the project's sets it belongs to (other than our status sets).
    sets: dict[str, list[str]] = field(default_factory=dict)
    commented: bool = False
    #: Notes something refers to (the rest have no place here and are counted).
    used_notes: set[str] = field(default_factory=set)
    #: (source title, the counting found in it), in the file's order.
    countings: list[tuple[str, str]] = field(default_factory=list)

    def note_text(self, guid: str) -> str:
        self.used_notes.add(guid)
        note = self.project.notes.get(guid)
        if note is None:
            return ""
        if note.text is not None:
            return note.text
        if note.plain_text_path:
            try:
                member = self.archive.source_member(note.plain_text_path)
                return _decoded(self.archive.read(member))
            except (OutsideArchive, KeyError, AnnotatorError):
                return ""
        return ""

    def notes_text(self, guids: tuple[str, ...]) -> list[str]:
        return [text for text in (self.note_text(g).strip() for g in guids) if text]

    def user(self, *guids: str) -> str | None:
        for key in guids:
            name = self.project.users.get(key)
            if name:
                return name
        return None


def _decoded(data: bytes) -> str:
    text, _encoding = decode_text(data)
    return text.removeprefix("\ufeff")


def _extracted(archive: QdpxArchive, member: str, options: ImportOptions) -> str:
    """The text of a ``.docx`` or ``.pdf`` member, by our own importers, from a private temporary copy."""
    suffix = PurePosixPath(member).suffix.lower()
    importer = importer_for(Path(f"source{suffix}")) if suffix in RICH_SOURCES else None
    if importer is None:
        raise ImportFailure(f"its file '{member}' is of a type not read here")
    if archive.size(member) > options.max_file_bytes:
        raise ImportFailure(f"its file '{member}' is larger than the size limit")
    with tempfile.TemporaryDirectory(prefix="annotator-qdpx-") as folder:
        copy = Path(folder) / f"source{suffix}"
        copy.write_bytes(archive.read(member))
        documents = importer(copy, options)
    if not documents:
        raise ImportFailure(f"no text could be read from its file '{member}'")
    return documents[0].text


def _source_text(ctx: _Context, source: Source) -> str:
    """A text source's text as the file has it (line breaks not yet normalised)."""
    if source.plain_text is not None and source.plain_text.strip():
        return source.plain_text.removeprefix("\ufeff")
    if source.plain_text_path:
        member = ctx.archive.source_member(source.plain_text_path)
        if ctx.archive.size(member) > ctx.options.max_file_bytes:
            raise ImportFailure(f"its text '{member}' is larger than the size limit")
        return _decoded(ctx.archive.read(member))
    path = source.rich_text_path or source.path
    if path:
        return _extracted(ctx.archive, ctx.archive.source_member(path), ctx.options)
    raise ImportFailure("it has no text (no PlainTextContent and no file)")


def _evidence(selection: TextSelection) -> tuple[str, ...]:
    return tuple(t for t in (selection.name, selection.description, *selection.extra) if t and t.strip())


def _own_text(text: str, selection: TextSelection) -> bool:
    """Whether the selection's description is a copy of what it covers (then it is not a note)."""
    return bool(selection.description) and covers(text, selection.description)


def _spans_of(
    ctx: _Context, source: Source, text: str, placement: Placement, where: str
) -> list[ImportedSpan]:
    """The annotations of a source's selections, as placed; the ones that cannot be stored are reported."""
    spans: list[ImportedSpan] = []
    result = ctx.result
    for selection, placed in zip(source.selections, placement.places, strict=True):
        if placed.start < 0:
            result.failures.append((f"{where}, selection {selection.guid}", f"{placed.reason}; not stored"))
            continue
        piece = text[placed.start : placed.end]
        # A description that repeats the selected text is no note, except on a comment (no codings).
        copy = bool(selection.codings) and _own_text(piece, selection)
        described = [] if copy else [selection.description.strip()]
        own_notes = [n for n in described if n] + ctx.notes_text(selection.notes)
        updated = selection.modified or selection.created
        if not selection.codings:
            if not own_notes:
                result.skipped.append(
                    (f"{where}, selection {selection.guid}", "no code, description or note; nothing to keep")
                )
                continue
            ctx.commented = True
            spans.append(
                ImportedSpan(
                    start=placed.start,
                    end=placed.end,
                    label=COMMENTS_THEME,
                    id=_uuid_or_derived(selection.guid),
                    annotator=ctx.user(selection.user),
                    note="\n\n".join(own_notes),
                    created=selection.created,
                    updated=updated,
                )
            )
            continue
        several = len(selection.codings) > 1
        for coding in selection.codings:
            tag = ctx.labels.get(coding.code)
            if tag is None:
                result.failures.append(
                    (f"{where}, selection {selection.guid}", f"its code {coding.code} is not in the codebook")
                )
                continue
            note = "\n\n".join(own_notes + ctx.notes_text(coding.notes)) or None
            extra = (coding.code, coding.user) if several else ()
            spans.append(
                ImportedSpan(
                    start=placed.start,
                    end=placed.end,
                    label=tag[0],
                    kind=tag[1],
                    id=_uuid_or_derived(selection.guid, *extra),
                    annotator=ctx.user(coding.user, selection.user),
                    note=note,
                    created=coding.created or selection.created,
                    updated=updated or coding.created,
                )
            )
    for coding in source.codings:  # codes applied to the whole source
        tag = ctx.labels.get(coding.code)
        if tag is None:
            result.failures.append((where, f"its code {coding.code} is not in the codebook"))
            continue
        spans.append(
            ImportedSpan(
                start=0,
                end=len(text),
                label=tag[0],
                kind=tag[1],
                id=_uuid_or_derived(source.guid, coding.guid or coding.code),
                annotator=ctx.user(coding.user),
                note="\n\n".join(ctx.notes_text(coding.notes)) or None,
                created=coding.created,
                updated=coding.created,
            )
        )
    return spans


def _meta(ctx: _Context, source: Source) -> dict[str, Any]:
    """A source's description, variables (by name) and cases, as document metadata."""
    meta: dict[str, Any] = {}
    if source.description.strip():
        meta["description"] = source.description
    for var_guid, value in source.variables.items():
        variable = ctx.project.variables.get(var_guid)
        meta.setdefault(variable.name if variable and variable.name else var_guid, _unpacked(value))
    if ctx.sets.get(source.guid):
        meta.setdefault("sets", ctx.sets[source.guid])
    cases = [case for case in ctx.project.cases if source.guid in case.sources]
    if cases:
        meta["cases"] = {
            case.name or case.guid: {
                (ctx.project.variables[g].name if g in ctx.project.variables else g): v
                for g, v in case.variables.items()
            }
            for case in cases
        }
    return meta


def _unpacked(value: Any) -> Any:
    """A text value holding a JSON list or object (how exports write such metadata) as that value."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            unpacked = json.loads(value)
        except ValueError:
            return value
        if isinstance(unpacked, (list, dict)):
            return unpacked
    return value


def _statuses(project: Project) -> tuple[dict[str, DocumentStatus], dict[str, list[str]]]:
    """Each source's status from the status sets our export writes, and the names of its other sets.

    A researcher's own sets ("ICLS 2024", "Wave 2", "Rural sites") are how
    MAXQDA, NVivo and ATLAS.ti users group documents; they come in as each
    member document's ``sets`` metadata, a list of names, so nothing is lost
    and documents can be chosen by them.
    """
    names = {name.casefold(): status for status, name in STATUS_SETS}
    statuses: dict[str, DocumentStatus] = {}
    memberships: dict[str, list[str]] = {}
    for name, members in project.sets.items():
        status = names.get(name.strip().casefold())
        for member in members:
            if status is None:
                memberships.setdefault(member, []).append(name)
            else:
                statuses.setdefault(member, status)
    return statuses, memberships


def _memo(ctx: _Context, source: Source) -> str | None:
    notes = [ctx.project.notes.get(g) for g in source.notes]
    texts = []
    for note, key in zip(notes, source.notes, strict=True):
        text = ctx.note_text(key).strip()
        if not text:
            continue
        several = len(source.notes) > 1 and note is not None and note.name.strip()
        texts.append(f"{note.name.strip()}\n{text}" if several and note is not None else text)
    return "\n\n".join(texts) or None


def _document(ctx: _Context, source: Source, number: int) -> ImportedDocument | None:
    """One source as a document, or None when it was skipped or failed (reported)."""
    title = source.name.strip() or f"{Path(ctx.file_name).stem} source {number}"
    where = f"source '{title}'"
    result = ctx.result
    if source.kind not in ("TextSource", "PDFSource"):
        kind = source.kind.removesuffix("Source").lower()
        result.skipped.append((where, f"a {kind} source, not text; not imported"))
        return None
    coded = source
    try:
        if source.kind == "PDFSource" and source.representation is not None:
            coded = source.representation
            raw = _source_text(ctx, coded)
        else:
            raw = _source_text(ctx, source)
    except OutsideArchive as exc:
        result.skipped.append((where, str(exc)))
        return None
    except KeyError as exc:
        result.failures.append((where, f"its file {exc} is not in the archive; not imported"))
        return None
    except AnnotatorError as exc:
        result.failures.append((where, f"{exc}; not imported"))
        return None
    if source.unplaceable:
        result.skipped.append(
            (where, f"{source.unplaceable} selection(s) of areas or times, not of text; not imported")
        )
    if not raw.strip():
        result.failures.append((where, "its text is empty; not imported"))
        return None
    placement = place(
        raw, [Selection(s.start, s.end, _evidence(s)) for s in coded.selections], known=ctx.known
    )
    text = normalise_newlines(raw)
    if coded.selections:
        mark = " (as Annotator writes them)" if ctx.known else ""
        ctx.countings.append((title, f"{placement.counting}{mark}"))
    if coded is not source:  # a PDF's codes of the whole source go on its text too
        coded = replace(coded, codings=[*coded.codings, *source.codings])
    spans = _spans_of(ctx, coded, text, placement, where)
    return ImportedDocument(
        title=title,
        text=text,
        source_path=f"{ctx.file_name}#{source.guid}",
        source_format="qdpx",
        meta=_meta(ctx, source),
        spans=tuple(spans),
        id=_uuid_or_none(source.guid),
        origin=where,
        memo=_memo(ctx, source),
        status=ctx.statuses.get(source.guid),
    )


#: Up to this many sources, each one's counting is named; above it they are counted by counting.
LISTED_SOURCES = 10


def _counting_lines(countings: list[tuple[str, str]]) -> list[str]:
    """The report's lines on offsets: a line per source for a few sources; for many, a line per
    counting, naming every source of each counting but the commonest (counted, the first named)."""
    if len(countings) <= LISTED_SOURCES:
        return [f"source '{title}': offsets in {counting}" for title, counting in countings]
    grouped: dict[str, list[str]] = {}
    for title, counting in countings:
        grouped.setdefault(counting, []).append(title)
    commonest = max(grouped, key=lambda counting: len(grouped[counting]))
    lines = []
    for counting, titles in grouped.items():
        shown = titles[:3] if counting == commonest else titles
        named = ", ".join(f"'{t}'" for t in shown) + (", ..." if len(shown) < len(titles) else "")
        lines.append(f"offsets in {counting}: {len(titles):,} source(s) ({named})")
    return lines


def _add_code_notes(themes: list[dict[str, Any]], ctx: _Context) -> None:
    """Each code's notes added to its description (a blank line between), their GUIDs dropped."""
    pending = list(themes)
    while pending:
        entry = pending.pop()
        notes = ctx.notes_text(entry.pop("_notes", ()))
        if notes:
            entry["description"] = "\n\n".join([d for d in [entry.get("description", "")] if d] + notes)
        pending.extend(entry.get("children", ()))


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def read_qdpx(path: Path, options: ImportOptions) -> ProjectImport:
    """Every text source of a ``.qdpx`` as documents with their codings; see the module docstring."""
    with open_qdpx(path) as archive:
        project, bad = read_project(archive)
        result = ProjectImport()
        result.failures.extend(bad)
        scheme, labels = scheme_from_codebook(project.codebook)
        statuses, memberships = _statuses(project)
        known = CODE_POINTS if project.origin.startswith(OUR_ORIGIN) else None
        ctx = _Context(
            archive, project, labels, options, result, path.name, statuses, known, sets=memberships
        )
        for number, source in enumerate(project.sources, start=1):
            document = _document(ctx, source, number)
            if document is not None:
                result.append(document)
        _add_code_notes([*scheme["themes"], *scheme["speakers"]], ctx)
        result.notes.extend(_counting_lines(ctx.countings))
    if ctx.commented:
        scheme["themes"].append({"name": COMMENTS_THEME, "description": COMMENTS_DESCRIPTION})
    result.scheme = scheme if scheme["themes"] or scheme["speakers"] else None
    kept_sets = {name for names in memberships.values() for name in names}
    if kept_sets:
        result.notes.append(f"{len(kept_sets)} set(s) kept as their documents' 'sets' metadata")
    loose = len(set(project.notes) - ctx.used_notes)
    if loose:
        result.skipped.append(("Notes", f"{loose} note(s) attached to no source, selection, coding or code"))
    for name, count in project.left_out.items():
        result.skipped.append((name, f"{count} {name.lower()} of the project have no place in Annotator"))
    if options.strict and result.failures:
        where, why = result.failures[0]
        raise ImportFailure(f"{where}: {why}; nothing stored (--strict)")
    if not result and not result.failures and not result.skipped and result.scheme is None:
        raise ImportFailure("the project holds no sources and no codes")
    return result


@register(".qdc")
def import_qdc(path: Path, options: ImportOptions) -> ProjectImport:
    """A REFI-QDA codebook: its codes as tags, as ``annotator tags import`` adds them; no documents."""
    try:
        codes = read_codebook(path)
    except CodebookError as exc:  # the import's report names the file already
        raise ImportFailure(str(exc).removeprefix(f"{path}: ")) from None
    result = ProjectImport()
    result.scheme = codes_to_scheme(codes)
    return result


@register(".qdpx")
def import_qdpx(path: Path, options: ImportOptions) -> ProjectImport:
    """Import a REFI-QDA project: its text sources, codebook, codings, notes and variables."""
    return read_qdpx(path, options)
