"""Plain values that cross every boundary of the core: no I/O, no Qt.

Offsets everywhere are Unicode code points (Python ``str`` indices) into a
document's stored text, half-open ``[start, end)``. Ids are UUID strings so
that annotations keep their identity when project files are merged.
"""

from __future__ import annotations

import datetime
import enum
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any, NamedTuple, NewType

DocumentId = NewType("DocumentId", str)
TagId = NewType("TagId", str)
AnnotationId = NewType("AnnotationId", str)


class TagKind(enum.StrEnum):
    """What a tag marks: a theme (a code in the hierarchy) or a speaker."""

    THEME = "theme"
    SPEAKER = "speaker"


class DocumentStatus(enum.StrEnum):
    """Where a researcher is with a document."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, the format of every stored timestamp."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


def tag_name_key(name: str) -> str:
    """How tag names compare everywhere (store, import, review, merge): trimmed, NFC, casefolded.

    SQLite's NOCASE folds ASCII only, so "Économie" and "économie" would be two
    tags to it; every lookup goes through this key instead.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())


def new_id() -> str:
    """A fresh random UUID as text, the id format of every stored row."""
    return str(uuid.uuid4())


#: Annotator names of spans a program made (``auto:transcript`` for speaker turns found on
#: import): nobody's judgement, so agreement and disagreements leave them out unless asked.
AUTOMATIC_ANNOTATOR_PREFIX = "auto:"


def is_automatic(annotator: str) -> bool:
    """Whether spans by this annotator were made by a program rather than coded by a person."""
    return bool(annotator) and annotator.startswith(AUTOMATIC_ANNOTATOR_PREFIX)


@dataclass(frozen=True, slots=True)
class ImportedSpan:
    """A span that arrived with an imported file (a speaker turn, a JSONL label)."""

    start: int
    end: int
    label: str
    kind: TagKind = TagKind.THEME
    id: str | None = None
    annotator: str | None = None
    note: str | None = None
    created: str | None = None
    updated: str | None = None


@dataclass(frozen=True, slots=True)
class ImportedDocument:
    """What an importer produces: normalised text plus whatever came with it."""

    title: str
    text: str
    source_path: str | None = None
    source_format: str = "text"
    meta: dict[str, Any] = field(default_factory=dict)
    spans: tuple[ImportedSpan, ...] = ()
    id: str | None = None
    #: Where in the file it came from ("line 12"), for messages; never stored.
    origin: str | None = None
    #: A memo that came with the document (a REFI-QDA source's notes); kept beside one already written.
    memo: str | None = None
    #: A status that came with the document (a REFI-QDA status set); given to a document the import creates.
    status: DocumentStatus | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document, text included."""

    id: DocumentId
    title: str
    text: str
    sha256: str
    source_path: str | None
    source_format: str
    meta: dict[str, Any]
    imported_at: str
    status: DocumentStatus = DocumentStatus.TODO
    memo: str = ""


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """A stored document without its text, for lists that must stay light."""

    id: DocumentId
    title: str
    sha256: str
    length: int
    annotation_count: int
    status: DocumentStatus
    imported_at: str
    position: int


@dataclass(frozen=True, slots=True)
class Tag:
    """A theme or a speaker; themes nest through ``parent_id``."""

    id: TagId
    kind: TagKind
    name: str
    color: str
    description: str = ""
    parent_id: TagId | None = None
    position: int = 0


class Annotation(NamedTuple):
    """One tagged span of one document, by one annotator.

    A named tuple, not a dataclass: a document's 50,000 are built straight from
    SQLite's rows (``tuple.__new__``), ten times faster than a frozen dataclass.
    """

    id: AnnotationId
    document_id: DocumentId
    start: int
    end: int
    tag_id: TagId
    annotator: str
    note: str | None
    created: str
    updated: str


class ShownAnnotation(NamedTuple):
    """An annotation as the window lists and paints it: without its document id and timestamps.

    Read from the covering index of spans by document (no table lookups), a
    document's 50,000 come in about a third of the time full ``Annotation``
    rows take. The shared fields have the same names as ``Annotation``'s, so
    the view and the table take either (an annotation just added is a full one).
    """

    id: AnnotationId
    start: int
    end: int
    tag_id: TagId
    annotator: str
    note: str | None


#: Characters of context on each side of a search hit's snippet.
SNIPPET_CONTEXT = 40


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One occurrence of a search query in the corpus.

    The snippet is made when asked for: a frequent word in a long document has
    100,000 hits, and the window shows 500 of them.
    """

    document_id: DocumentId
    title: str
    start: int
    end: int
    #: The document's text, shared by all its hits, for ``snippet``; not part of a hit's value.
    text: str = field(default="", repr=False, compare=False)

    @property
    def snippet(self) -> str:
        """The hit with some context on each side, on one line, marked with brackets."""
        text, start, end = self.text, self.start, self.end
        left = max(0, start - SNIPPET_CONTEXT)
        right = min(len(text), end + SNIPPET_CONTEXT)
        body = " ".join(f"{text[left:start]}[{text[start:end]}]{text[end:right]}".split())
        return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


@dataclass(frozen=True, slots=True)
class AddResult:
    """Outcome of storing one imported document."""

    document_id: DocumentId
    created: bool
    annotations_added: int = 0
    #: Spans not stored because an identical one came earlier in the same document.
    spans_collapsed: int = 0
    #: Spans not stored because the project holds them already (same id, or identical).
    spans_present: int = 0


@dataclass(frozen=True, slots=True)
class TagRemoval:
    """Everything a tag deletion took away, so that it can be undone exactly."""

    tag: Tag
    annotations: tuple[Annotation, ...]
    reparented_children: tuple[TagId, ...]


#: Colours given to new tags in turn when none is chosen: distinct, readable
#: as a light fill under dark text and as an underline on a dark background.
DEFAULT_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
)
