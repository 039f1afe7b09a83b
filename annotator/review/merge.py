"""Merging colleagues' files into a project: add what it lacks, keep every id, lose nothing.

Documents are matched by the SHA-256 of their text, tags by kind and name
(case-insensitive), annotations by UUID. An annotation whose UUID is known
but whose content differs keeps the version with the later ``updated``
time, and the conflict is reported. Before the first change a backup of the
project is written beside it, so a merge can always be taken back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from annotator.errors import ProjectError
from annotator.model import Annotation, ImportedDocument, Tag
from annotator.review.compare import tag_key
from annotator.review.loading import open_colleague
from annotator.store import Store


@dataclass
class MergeReport:
    """What one merge added and which conflicts it settled."""

    documents: int = 0
    tags: int = 0
    annotations: int = 0
    conflicts: list[str] = field(default_factory=list)
    backup: Path | None = None

    def summary(self) -> str:
        line = (f"{self.documents} document(s), {self.tags} tag(s) and {self.annotations} annotation(s) added; "
                f"{len(self.conflicts)} conflict(s)")
        return line + (f"; backup at {self.backup}" if self.backup else "; nothing changed")


def _instant(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def later(theirs: str, ours: str) -> bool:
    """Whether timestamp ``theirs`` is strictly later than ``ours`` (ISO 8601; ``Z``, offsets and
    missing zones (taken as UTC) compared as instants; text that is no date compared as text)."""
    a, b = _instant(theirs), _instant(ours)
    return a > b if a is not None and b is not None else str(theirs) > str(ours)


def backup_before_change(store: Store) -> Path:
    """A consistent copy of the project beside it, named with the time."""
    assert store.path is not None
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = store.path.with_name(f"{store.path.stem}.before-merge-{stamp}{store.path.suffix}")
    counter = 1
    while target.exists():
        target = store.path.with_name(f"{store.path.stem}.before-merge-{stamp}-{counter}{store.path.suffix}")
        counter += 1
    store.backup_to(target)
    return target


class _Merger:
    """Copies what ``ours`` lacks from one colleague store, inside one transaction."""

    def __init__(self, ours: Store, theirs: Store, report: MergeReport, ensure_backup):
        self.ours, self.theirs, self.report, self.ensure_backup = ours, theirs, report, ensure_backup
        self.doc_by_sha = ours.document_ids_by_sha()
        self.tag_by_key = {tag_key(t.kind, t.name): t for t in ours.tags()}

    def run(self) -> None:
        for sha, their_id in self.theirs.document_ids_by_sha().items():
            if sha not in self.doc_by_sha:
                self._copy_document(their_id)
        their_tags = self.theirs.tags()
        by_id = {t.id: t for t in their_tags}
        for tag in sorted(their_tags, key=lambda t: self._depth(t, by_id)):
            if tag_key(tag.kind, tag.name) not in self.tag_by_key:
                self._copy_tag(tag, by_id)
        self._merge_annotations()

    @staticmethod
    def _depth(tag: Tag, by_id: dict) -> int:
        depth, seen = 0, set()
        while tag.parent_id and tag.parent_id in by_id and tag.parent_id not in seen:
            seen.add(tag.parent_id)
            tag = by_id[tag.parent_id]
            depth += 1
        return depth

    def _copy_document(self, their_id: str) -> None:
        self.ensure_backup()
        doc = self.theirs.document(their_id)
        taken = self.ours.has_row("documents", doc.id)
        result = self.ours.add_document(ImportedDocument(
            title=doc.title, text=doc.text, source_path=doc.source_path, source_format=doc.source_format,
            meta=doc.meta, id=None if taken else doc.id), annotator="merge")
        self.doc_by_sha[doc.sha256] = result.document_id
        self.report.documents += 1

    def _copy_tag(self, tag: Tag, by_id: dict) -> None:
        self.ensure_backup()
        parent = by_id.get(tag.parent_id) if tag.parent_id else None
        parent_ours = self.tag_by_key.get(tag_key(parent.kind, parent.name)) if parent else None
        taken = self.ours.has_row("tags", tag.id)
        added = self.ours.add_tag(kind=tag.kind, name=tag.name, color=tag.color, description=tag.description,
                                  parent_id=parent_ours.id if parent_ours else None, id=None if taken else tag.id)
        self.tag_by_key[tag_key(tag.kind, tag.name)] = added
        self.report.tags += 1

    def _merge_annotations(self) -> None:
        ours = {row[0]: row for row in self.ours.iter_review_spans()}
        to_insert: list[Annotation] = []
        for span in self.theirs.iter_review_spans():
            doc_id = self.doc_by_sha[span.sha256]
            tag = self.tag_by_key[tag_key(span.kind, span.tag)]
            mine = ours.get(span.id)
            incoming = Annotation(span.id, doc_id, span.start, span.end, tag.id, span.annotator, span.note,
                                  span.created, span.updated)
            if mine is None:
                to_insert.append(incoming)
                continue
            same = (mine.sha256, mine.start, mine.end, tag_key(mine.kind, mine.tag), mine.annotator, mine.note) == \
                   (span.sha256, span.start, span.end, tag_key(span.kind, span.tag), span.annotator, span.note)
            if same:
                continue
            if later(span.updated, mine.updated):
                self.ensure_backup()
                self.ours.replace_annotation(incoming)
                self.report.conflicts.append(f"{span.id}: kept the colleague's version (updated {span.updated})")
            else:
                self.report.conflicts.append(f"{span.id}: kept ours (updated {mine.updated})")
        if to_insert:
            self.ensure_backup()
            to_insert.sort(key=lambda a: a.id)  # in key order, the id index grows at its end pages
            self.ours.insert_annotations(to_insert)
            self.report.annotations += len(to_insert)


def merge_files(store: Store, others: list[str | Path], *, backup: bool = True) -> MergeReport:
    """Merge each colleague file into ``store``; the colleagues' files are only read."""
    if store.read_only:
        raise ProjectError(f"{store.path}: opened read-only; nothing was merged")
    report = MergeReport()

    def ensure_backup() -> None:
        if backup and report.backup is None and store.path is not None:
            report.backup = backup_before_change(store)

    for other in others:
        with open_colleague(other) as colleague:
            with store.db.atomic():
                _Merger(store, colleague.store, report, ensure_backup).run()
    return report

