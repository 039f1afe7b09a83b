"""Merging colleagues' files into a project: add what it lacks, keep every id, lose nothing.

Documents are matched by the SHA-256 of their text, tags by kind and name
(case-insensitive), annotations by UUID. An annotation whose UUID is known
but whose content differs keeps the version with the later ``updated``
time, and the conflict is reported. Before the first change a backup of the
project is taken (with its automatic backups, marked "before merge"), so a
merge can always be taken back.

A colleague's file is untrusted input (``annotator.review.untrusted``): every
file is copied and checked before anything is merged, so one that is not an
Annotator project changes nothing even when it comes after a sound one, and
rows that fail the checks stay out of ours, reported one line per kind.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from annotator.backup import BEFORE_MERGE, make_backup
from annotator.errors import ProjectError
from annotator.model import Annotation, ImportedDocument, Tag
from annotator.ops import Op, OpChanges, run
from annotator.review.compare import tag_key, tag_keys_by_id
from annotator.review.loading import ColleagueFile, open_colleague
from annotator.review.untrusted import Finding, colleague_findings
from annotator.store import Store


@dataclass
class MergeReport:
    """What one merge added and which conflicts it settled."""

    documents: int = 0
    tags: int = 0
    annotations: int = 0
    conflicts: list[str] = field(default_factory=list)
    backup: Path | None = None
    #: One line per file and kind of row that failed the checks and was not copied.
    skipped: list[str] = field(default_factory=list)
    #: What the merge changed in our project (``everything`` once it added or replaced anything).
    changes: OpChanges = field(default_factory=OpChanges)

    def summary(self) -> str:
        """What was left out (a line per file and kind), then one line of what was added."""
        line = (
            f"{self.documents} document(s), {self.tags} tag(s) and {self.annotations} annotation(s) added; "
            f"{len(self.conflicts)} conflict(s)"
        )
        line += f"; backup at {self.backup}" if self.backup else "; nothing changed"
        return "\n".join([*self.skipped, line])


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
    """A consistent copy of the project as it was before the merge, kept with its automatic backups.

    It lives in the project's backups folder (``annotator.backup``), marked
    "before merge", listed by ``annotator backups`` and pruned like the
    others. Taken inside the merge's transaction, it holds the last commit.
    A copy that cannot be written stops the merge before anything changed.
    """
    assert store.path is not None
    return make_backup(store.path, kind=BEFORE_MERGE).path


class MergeColleague(Op):
    """The op of merging one colleague store: copies what ``ours`` lacks, in one transaction.

    A bulk op (SQLite copies the annotations itself), taken back from the
    backup written before its first change, not undone.
    """

    description = "merge"

    def __init__(self, theirs: Store, schema: str, report: MergeReport, ensure_backup):
        """``schema``: the name ``theirs`` (a private copy) is attached under on our connection."""
        self.theirs, self.schema, self.report = theirs, schema, report
        self.ensure_backup = ensure_backup
        self.document_id = None
        self._documents: set[str] = set()
        self._tags: set[str] = set()
        self._changed_annotations = False

    def revert(self, store: Store) -> None:
        raise NotImplementedError("a merge is taken back from the backup written before it")

    def changed(self) -> OpChanges:
        everything = self._changed_annotations or bool(self._tags)
        return OpChanges(
            documents=frozenset(self._documents), tags=frozenset(self._tags), everything=everything
        )

    def apply(self, store: Store) -> None:
        self.ours = store
        self.doc_by_sha = store.document_ids_by_sha()
        self.tag_by_key = {tag_key(t.kind, t.name): t for t in store.tags()}
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
        result = self.ours.add_document(
            ImportedDocument(
                title=doc.title,
                text=doc.text,
                source_path=doc.source_path,
                source_format=doc.source_format,
                meta=doc.meta,
                id=None if taken else doc.id,
            ),
            annotator="merge",
        )
        self.doc_by_sha[doc.sha256] = result.document_id
        self._documents.add(result.document_id)
        self.report.documents += 1

    def _copy_tag(self, tag: Tag, by_id: dict) -> None:
        self.ensure_backup()
        parent = by_id.get(tag.parent_id) if tag.parent_id else None
        parent_ours = self.tag_by_key.get(tag_key(parent.kind, parent.name)) if parent else None
        taken = self.ours.has_row("tags", tag.id)
        added = self.ours.add_tag(
            kind=tag.kind,
            name=tag.name,
            color=tag.color,
            description=tag.description,
            parent_id=parent_ours.id if parent_ours else None,
            id=None if taken else tag.id,
        )
        self.tag_by_key[tag_key(tag.kind, tag.name)] = added
        self._tags.add(added.id)
        self.report.tags += 1

    def _merge_annotations(self) -> None:
        """Ids both files hold (a file merged before) are compared field by field in Python;
        every other annotation is copied by SQLite itself, its document and tag ids translated."""
        their_docs = self.theirs.review_document_keys()
        their_tags = tag_keys_by_id(self.theirs)
        doc_ids = {their_id: self.doc_by_sha[sha] for their_id, sha in their_docs.items()}
        tag_ids = {their_id: self.tag_by_key[key].id for their_id, key in their_tags.items()}

        def translated(row: tuple) -> tuple:
            return (row[0], doc_ids[row[1]], row[2], row[3], tag_ids[row[4]], *row[5:])

        schema = self.schema
        shared = self.ours.shared_annotation_rows(schema)
        if shared:
            self._settle_shared(shared, their_docs, their_tags, translated)
        if self.ours.attached_annotation_count(schema) > len(shared):
            self.ensure_backup()
            copied = self.ours.copy_new_annotations(schema, doc_ids, tag_ids)
            self.report.annotations += copied
            self._changed_annotations |= copied > 0

    def _settle_shared(self, shared: list[tuple], their_docs: dict, their_tags: dict, translated) -> None:
        """An id in both files: equal content is skipped, else the later ``updated`` wins."""
        our_docs = self.ours.review_document_keys()
        our_tags = tag_keys_by_id(self.ours)
        mine_by_id = {row[0]: row for row in self.ours.annotation_rows(row[0] for row in shared)}
        for theirs in shared:
            mine = mine_by_id[theirs[0]]
            if (our_docs[mine[1]], mine[2], mine[3], our_tags[mine[4]], mine[5], mine[6]) == (
                their_docs[theirs[1]],
                theirs[2],
                theirs[3],
                their_tags[theirs[4]],
                theirs[5],
                theirs[6],
            ):
                continue
            if later(theirs[8], mine[8]):
                self.ensure_backup()
                self.ours.replace_annotation(Annotation(*translated(theirs)))
                self._changed_annotations = True
                self.report.conflicts.append(
                    f"{theirs[0]}: kept the colleague's version (updated {theirs[8]})"
                )
            else:
                self.report.conflicts.append(f"{theirs[0]}: kept ours (updated {mine[8]})")


def merge_files(store: Store, others: list[str | Path], *, backup: bool = True) -> MergeReport:
    """Merge each colleague file into ``store``; the colleagues' files are only read."""
    if store.read_only:
        raise ProjectError(f"{store.path}: opened read-only; nothing was merged")
    report = MergeReport()

    def ensure_backup() -> None:
        if backup and report.backup is None and store.path is not None:
            report.backup = backup_before_change(store)

    with ExitStack() as stack:
        colleagues = [stack.enter_context(open_colleague(other)) for other in others]
        for colleague in colleagues:
            report.skipped.extend(
                f"{colleague.source.name}: {finding.line()}" for finding in _checked(colleague)
            )
        for colleague in colleagues:
            assert colleague.store.path is not None  # a private copy on disk
            with store.attached(colleague.store.path) as schema:
                report.changes |= run(store, MergeColleague(colleague.store, schema, report, ensure_backup))
    return report


def _checked(colleague: ColleagueFile) -> list[Finding]:
    """What the checks took out of a colleague's copy; a file that is not ours is refused, named as given."""
    try:
        return colleague_findings(colleague.store)
    except ProjectError as exc:
        raise type(exc)(str(exc).replace(str(colleague.store.path), str(colleague.source))) from None
