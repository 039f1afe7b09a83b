"""What the report shows, gathered once for both of its formats (HTML and Word).

``gather`` reads the codebook's counts, the two heat maps (cut to their
largest rows and columns by ``bounded``) and the sections of passages
under the report's filters; ``report_html`` and ``report_docx`` only lay
out what it found. See ``annotator.analysis.report`` for what a report
holds and why it is bounded.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.analysis.matrices import Axis, Label, Matrix, TagFrequency, frequencies, matrix
from annotator.analysis.passages_export import PassageRow, TagNames, passage_rows
from annotator.analysis.query import Combine, PassageQuery
from annotator.analysis.retrieval import retrieve
from annotator.model import DocumentStatus, TagKind

if TYPE_CHECKING:
    from annotator.store import Store

REPORT_FORMATS = ("html", "docx")
#: Passages listed under each theme; the rest are counted in one line.
PASSAGES_PER_THEME = 20
#: Rows and columns a heat map keeps (those with the largest sums).
MAX_MATRIX_LABELS = 40
#: Characters of context either side of a passage.
CONTEXT = 80
#: What the heat maps' cells count (``annotator.analysis.matrices`` defines it).
COOCCURRENCE_CAPTION = (
    "Each cell counts the pairs of overlapping passages, one of the row's tag and one of the column's; "
    "the diagonal is the tag's own number of passages."
)
BY_SPEAKER_CAPTION = (
    "Each cell counts the passages of the row's theme that overlap a turn of the column's speaker."
)


@dataclass(frozen=True, slots=True)
class ShownMatrix:
    """A matrix as the report shows it: perhaps cut to its largest rows and columns."""

    matrix: Matrix
    #: Rows and columns the full matrix had.
    all_rows: int
    all_cols: int

    @property
    def cut(self) -> bool:
        return len(self.matrix.row_labels) < self.all_rows or len(self.matrix.col_labels) < self.all_cols


@dataclass(frozen=True, slots=True)
class ThemePassages:
    """One theme's section: up to ``PASSAGES_PER_THEME`` passages (read when iterated) and the total."""

    frequency: TagFrequency
    path: str
    total: int
    query: PassageQuery

    @property
    def more(self) -> int:
        return max(0, self.total - PASSAGES_PER_THEME)


@dataclass(frozen=True)
class ReportData:
    """What the report shows, gathered once for either format."""

    title: str
    generated: str
    filters: tuple[str, ...]
    frequencies: tuple[TagFrequency, ...]
    tag_paths: dict[str, str]
    cooccurrence: ShownMatrix | None
    by_speaker: ShownMatrix | None
    themes: tuple[ThemePassages, ...]
    base: PassageQuery

    @property
    def theme_frequencies(self) -> tuple[TagFrequency, ...]:
        return tuple(f for f in self.frequencies if f.tag.kind is TagKind.THEME)

    @property
    def speaker_frequencies(self) -> tuple[TagFrequency, ...]:
        return tuple(f for f in self.frequencies if f.tag.kind is TagKind.SPEAKER)


def _largest(labels: tuple[Label, ...], sums: list[float], keep: int) -> list[int]:
    """Indices of the ``keep`` labels with the largest sums, in their original order."""
    if len(labels) <= keep:
        return list(range(len(labels)))
    chosen = sorted(range(len(labels)), key=lambda i: (-sums[i], i))[:keep]
    return sorted(chosen)


def subset(full: Matrix, rows: list[int], cols: list[int]) -> Matrix:
    """The rows and columns of ``full`` at these indices, in this order."""
    return dataclasses.replace(
        full,
        row_labels=tuple(full.row_labels[r] for r in rows),
        col_labels=tuple(full.col_labels[c] for c in cols),
        values=tuple(tuple(full.values[r][c] for c in cols) for r in rows),
    )


def bounded(full: Matrix, keep: int = MAX_MATRIX_LABELS) -> ShownMatrix:
    """``full`` cut to the ``keep`` rows and columns with the largest sums (all of them if fewer)."""
    rows = _largest(full.row_labels, [sum(line) for line in full.values], keep)
    col_sums = [sum(line[c] for line in full.values) for c in range(len(full.col_labels))]
    cols = _largest(full.col_labels, col_sums, keep)
    return ShownMatrix(subset(full, rows, cols), len(full.row_labels), len(full.col_labels))


def describe_filters(store: Store, base: PassageQuery, names: TagNames) -> tuple[str, ...]:
    """The filters in words, one line each; "No filters" when there are none."""
    lines = []
    if base.tags:
        joined = " and " if base.combine is Combine.ALL else ", "
        subthemes = " (with their sub-themes)" if base.include_subthemes else ""
        lines.append(f"Tags: {joined.join(names(t) for t in base.tags)}{subthemes}")
    if base.exclude_tags:
        lines.append(f"Leaving out passages overlapping: {', '.join(names(t) for t in base.exclude_tags)}")
    if base.speakers:
        lines.append(f"Speakers: {', '.join(names(t) for t in base.speakers)}")
    if base.annotators:
        lines.append(f"Annotators: {', '.join(base.annotators)}")
    if base.documents:
        lines.append(f"Documents: {', '.join(store.document_summary(d).title for d in base.documents)}")
    if base.statuses:
        lines.append(f"Document status: {', '.join(DocumentStatus(s).value for s in base.statuses)}")
    return tuple(lines) or ("No filters: every document, annotator and tag.",)


def _descendants(freqs: list[TagFrequency], roots: set[str]) -> set[str]:
    """``roots`` and every theme under one of them."""
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for f in freqs:
            if f.tag.parent_id in found and f.tag.id not in found:
                found.add(f.tag.id)
                changed = True
    return found


def _theme_sections(
    store: Store, base: PassageQuery, freqs: list[TagFrequency], paths: dict[str, str]
) -> tuple[ThemePassages, ...]:
    """A section per theme (those the filters name, if any) with passages of its own."""
    wanted: set[str] | None = None
    if base.tags:
        roots = set(base.tags)
        wanted = _descendants(freqs, roots) if base.include_subthemes else roots
    sections = []
    for f in freqs:
        if f.tag.kind is not TagKind.THEME or (wanted is not None and f.tag.id not in wanted):
            continue
        query = dataclasses.replace(base, tags=(f.tag.id,), combine=Combine.ANY, include_subthemes=False)
        total = len(retrieve(store, query))
        if total:
            sections.append(ThemePassages(f, paths[f.tag.id], total, query))
    return tuple(sections)


def theme_rows(store: Store, section: ThemePassages) -> Iterator[PassageRow]:
    """The first ``PASSAGES_PER_THEME`` passages of a theme with their context, read as needed."""
    rows = retrieve(store, section.query).rows(0, PASSAGES_PER_THEME)
    return passage_rows(store, rows, CONTEXT)


def document_memos(store: Store, base: PassageQuery) -> Iterator[tuple[str, str]]:
    """(title, memo) of each document in scope (the document and status filters) that has a memo.

    One read of every document's details, texts unread (a memo-only report of
    a large corpus used to load each document's whole text for its memo).
    """
    documents = set(base.documents)
    statuses = set(base.statuses)
    titles: dict[str, str] = {summary.id: summary.title for summary in store.documents()}
    for details in store.iter_document_details():
        if (documents and details.id not in documents) or (statuses and details.status not in statuses):
            continue
        if details.memo.strip():
            yield titles[details.id], details.memo


def _matrix_or_none(
    store: Store, rows: Axis, cols: Axis, base: PassageQuery, row_keys: set[str] | None = None
) -> ShownMatrix | None:
    """The matrix (only the rows in ``row_keys`` if given), bounded; ``None`` if it has no rows or columns."""
    full = matrix(store, rows=rows, cols=cols, base=base)
    if row_keys is not None:
        kept = [r for r, label in enumerate(full.row_labels) if label.key in row_keys]
        full = subset(full, kept, list(range(len(full.col_labels))))
    if not full.row_labels or not full.col_labels:
        return None
    return bounded(full)


def gather(store: Store, base: PassageQuery = PassageQuery()) -> ReportData:
    """Everything the report shows except the passages and memos, which are read as they are written."""
    names = TagNames(store)
    freqs = frequencies(store, base)
    paths: dict[str, str] = {f.tag.id: names(f.tag.id) for f in freqs}
    # From the project, not the frequencies: a report on one theme still shows who speaks it.
    has_speakers = any(t.kind is TagKind.SPEAKER for t in store.tags())
    themes: set[str] = {f.tag.id for f in freqs if f.tag.kind is TagKind.THEME}
    title = str(store.get_meta("name", None) or (Path(store.path).stem if store.path else "Project"))
    return ReportData(
        title=title,
        generated=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        filters=describe_filters(store, base, names),
        frequencies=tuple(freqs),
        tag_paths=paths,
        cooccurrence=_matrix_or_none(store, Axis.TAGS, Axis.TAGS, base),
        by_speaker=_matrix_or_none(store, Axis.TAGS, Axis.SPEAKERS, base, themes) if has_speakers else None,
        themes=_theme_sections(store, base, freqs, paths),
        base=base,
    )
