"""What a researcher asks of the coded corpus, as plain values every face shares.

A ``PassageQuery`` names the tags to retrieve and the filters around them; the
retrieval (``annotator.analysis.retrieval``) turns it into ``Passage`` rows and
the matrices (``annotator.analysis.matrices``) count the same passages cell by
cell, so that a click on a cell can list exactly what the cell counts. The
types live apart from the code that runs them so the window and the report
import them without pulling in anything heavy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from annotator.model import DocumentStatus


class Combine(enum.StrEnum):
    """How several chosen tags combine into passages.

    ``ANY``: every span of any chosen tag is a passage of its own.
    ``ALL``: the regions coded with every chosen tag at once (the overlap).
    """

    ANY = "any"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class PassageQuery:
    """Which passages to retrieve: tags, how they combine, and the filters every passage passes.

    Empty filters mean "no filter". Tag, speaker and document filters hold ids;
    annotators are names.
    """

    #: Tag ids (themes or speakers); empty = every span.
    tags: tuple[str, ...] = ()
    #: ALL: passages coded with every tag = the overlap region.
    combine: Combine = Combine.ANY
    #: "not": drop passages overlapping a span of any of these (in the same document).
    exclude_tags: tuple[str, ...] = ()
    #: A theme stands for itself and all its descendants (also among ``exclude_tags``).
    include_subthemes: bool = True
    #: Speaker tag ids: keep passages overlapping a turn of one of them.
    speakers: tuple[str, ...] = ()
    #: Annotator names: only spans by these annotators make passages.
    annotators: tuple[str, ...] = ()
    #: Document ids.
    documents: tuple[str, ...] = ()
    statuses: tuple[DocumentStatus, ...] = ()
    #: ALL: spans pair when they touch a common paragraph (a line) rather than when they overlap;
    #: the passage is then the paragraph(s) they share.
    same_paragraph: bool = False


class Passage(NamedTuple):
    """One retrieved passage: a span, or the overlap of spans for ``Combine.ALL``."""

    document_id: str
    document_title: str
    #: Code points, half-open, into the stored text.
    start: int
    end: int
    tag_ids: tuple[str, ...]
    annotation_ids: tuple[str, ...]
    annotators: tuple[str, ...]
    #: Non-empty notes of the spans making the passage.
    notes: tuple[str, ...]
    #: Speaker of the turn the passage starts in, if any.
    speaker_id: str | None


class Axis(enum.StrEnum):
    TAGS = "tags"
    DOCUMENTS = "documents"
    SPEAKERS = "speakers"
    ANNOTATORS = "annotators"


class Measure(enum.StrEnum):
    COUNT = "count"
    DOCUMENTS = "documents"
    CHARACTERS = "characters"
    PRESENCE = "presence"
    JACCARD = "jaccard"
