"""Every change a researcher makes, as a command that can be applied and reverted.

This is the one write path. Every change, from the window, the command
line, an import, a merge or an adjudication, is an ``Op`` applied by ``run``
in one transaction, which returns the op's ``OpChanges``: what it changed,
in values. The window hands its ops to ``History.run``, which uses the same
``run`` (the change is committed at once, so it survives a crash), records
the op for undo and redo, and tells every listener; the command line calls
``run`` and prints. Redo re-applies the same op, so ids stay the same
across undo and redo.

Typing is saved keystroke by keystroke yet undone as one step: an op run
with ``merge=True`` folds into the previous one when that op agrees
(``Op.merge``), until the run is sealed by any other change, an undo or
redo, ``History.seal()`` or a pause longer than ``merge_pause`` seconds.
Rules that belong to the data rather than the window live here once, as op
builders: ``annotate_span`` trims a new span of surrounding white space and,
on a document still "to do", marks it in progress. Tag names are compared
by ``model.tag_name_key`` and trimmed by the store, whichever op adds them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Flag, auto
from types import EllipsisType
from typing import Any

from annotator.errors import InvalidInputError
from annotator.model import Annotation, DocumentStatus, Tag, TagId, TagRemoval, new_id
from annotator.spans import trim_whitespace
from annotator.store import Store
from annotator.store.connection import note_saved_change


class Changed(Flag):
    """What an op touched, so listeners refresh only what they show."""

    NOTHING = 0
    ANNOTATIONS = auto()
    TAGS = auto()
    DOCUMENTS = auto()


@dataclass(frozen=True)
class OpChanges:
    """What one change did to the project, in values, so every face refreshes from it alone.

    Listeners never read an op's private fields: the annotations themselves
    (added, removed, before and after) let a view patch its rows in place, and
    the id sets say which tags and document rows to redraw. ``everything`` is
    for changes too broad to list (an import, a merge, another program): reload
    all. The idea is Anki's ``OpChanges``.
    """

    #: Annotations now in the store.
    added: tuple[Annotation, ...] = ()
    #: Annotations no longer in the store.
    removed: tuple[Annotation, ...] = ()
    #: (before, after) of annotations changed in place.
    updated: tuple[tuple[Annotation, Annotation], ...] = ()
    #: Tag ids created, edited, deleted, merged or reordered.
    tags: frozenset[str] = frozenset()
    #: Document ids added, removed or renamed.
    documents: frozenset[str] = frozenset()
    #: Document ids whose memo changed.
    memos: frozenset[str] = frozenset()
    #: Document ids whose status changed.
    statuses: frozenset[str] = frozenset()
    #: Annotation ids whose adjudication (accepted, dismissed) was recorded or taken back.
    adjudications: frozenset[str] = frozenset()
    #: Anything may have changed: reload all.
    everything: bool = False

    def __or__(self, other: OpChanges) -> OpChanges:
        """Both changes, as one (a batch, or several runs announced together)."""
        if not isinstance(other, OpChanges):
            return NotImplemented
        return OpChanges(
            added=self.added + other.added,
            removed=self.removed + other.removed,
            updated=self.updated + other.updated,
            tags=self.tags | other.tags,
            documents=self.documents | other.documents,
            memos=self.memos | other.memos,
            statuses=self.statuses | other.statuses,
            adjudications=self.adjudications | other.adjudications,
            everything=self.everything or other.everything,
        )

    def reversed(self) -> OpChanges:
        """What undoing this change changes: added and removed swap, each update runs backwards."""
        return OpChanges(
            added=self.removed,
            removed=self.added,
            updated=tuple((after, before) for before, after in reversed(self.updated)),
            tags=self.tags,
            documents=self.documents,
            memos=self.memos,
            statuses=self.statuses,
            adjudications=self.adjudications,
            everything=self.everything,
        )

    @property
    def span_documents(self) -> frozenset[str]:
        """Documents whose spans changed (added, removed or edited)."""
        ids = {a.document_id for a in self.added} | {a.document_id for a in self.removed}
        for before, after in self.updated:
            ids.add(before.document_id)
            ids.add(after.document_id)
        return frozenset(ids)

    @property
    def empty(self) -> bool:
        """Whether nothing at all changed."""
        return self == _NO_CHANGES

    @classmethod
    def all(cls) -> OpChanges:
        """Anything may have changed: every view reloads."""
        return cls(everything=True)


_NO_CHANGES = OpChanges()


class Op:
    """A reversible change. Subclasses keep whatever they need to revert.

    ``changes`` (coarse flags) is what the window used first; ``changed()``
    gives the values, and is what new listeners should read.
    """

    description = "change"
    changes = Changed.NOTHING
    #: The document an op concerns, when there is one (set by subclasses).
    document_id: str | None
    #: The op opens its own transaction (a bulk import that commits by batches): ``run`` adds none.
    atomic_by_itself = False

    def apply(self, store: Store) -> None:
        raise NotImplementedError

    def revert(self, store: Store) -> None:
        raise NotImplementedError

    def changed(self) -> OpChanges:
        """What applying this op changed (valid once applied); ``.reversed()`` is what undoing it changed."""
        return _NO_CHANGES

    def merge(self, later: Op) -> bool:
        """Fold ``later`` (already applied) into this op so one undo reverts both; False if they differ in kind."""
        return False


@dataclass
class AddAnnotation(Op):
    """Tag a span; the annotation's id is fixed up front so redo recreates the same one."""

    document_id: str
    start: int
    end: int
    tag_id: str
    annotator: str
    note: str | None = None
    annotation_id: str = field(default_factory=new_id)
    description = "add annotation"
    changes = Changed.ANNOTATIONS
    _added: Annotation | None = field(default=None, init=False, repr=False)

    def apply(self, store: Store) -> None:
        if self._added is None:
            self._added = store.prepare_annotation(
                document_id=self.document_id,
                start=self.start,
                end=self.end,
                tag_id=self.tag_id,
                annotator=self.annotator,
                note=self.note,
                id=self.annotation_id,
            )
        store.insert_annotations([self._added])

    def revert(self, store: Store) -> None:
        store.delete_annotation(self.annotation_id)

    def changed(self) -> OpChanges:
        return OpChanges(added=(self._added,)) if self._added is not None else _NO_CHANGES

    @property
    def annotation(self) -> Annotation | None:
        """The annotation as stored (after the first apply)."""
        return self._added


@dataclass
class DeleteAnnotations(Op):
    """Remove annotations; revert puts them back exactly."""

    annotation_ids: list[str]
    document_id: str | None = field(default=None, init=False)
    description = "delete annotation"
    changes = Changed.ANNOTATIONS
    _removed: list[Annotation] = field(default_factory=list, init=False, repr=False)

    def apply(self, store: Store) -> None:
        self._removed = store.delete_annotations(self.annotation_ids)
        if self._removed:
            self.document_id = self._removed[0].document_id

    def revert(self, store: Store) -> None:
        store.insert_annotations(self._removed)

    def changed(self) -> OpChanges:
        return OpChanges(removed=tuple(self._removed))


@dataclass
class UpdateAnnotation(Op):
    """Retag, move the boundaries of, or re-note one annotation."""

    annotation_id: str
    start: int | None = None
    end: int | None = None
    tag_id: str | None = None
    note: str | None | EllipsisType = ...
    document_id: str | None = field(default=None, init=False)
    description = "edit annotation"
    changes = Changed.ANNOTATIONS
    _before: Annotation | None = field(default=None, init=False, repr=False)
    _after: Annotation | None = field(default=None, init=False, repr=False)

    def apply(self, store: Store) -> None:
        if self._after is None:
            self._before = store.annotation(self.annotation_id)
            self.document_id = self._before.document_id
            self._after = store.update_annotation(
                self.annotation_id, start=self.start, end=self.end, tag_id=self.tag_id, note=self.note
            )
        else:
            store.replace_annotation(self._after)

    def revert(self, store: Store) -> None:
        assert self._before is not None
        store.replace_annotation(self._before)

    def changed(self) -> OpChanges:
        if self._before is None or self._after is None:
            return _NO_CHANGES
        return OpChanges(updated=((self._before, self._after),))


@dataclass
class AddTag(Op):
    """Create a theme or speaker."""

    kind: str
    name: str
    color: str | None = None
    description_text: str = ""
    parent_id: str | None = None
    tag_id: str = field(default_factory=new_id)
    description = "add tag"
    changes = Changed.TAGS
    _tag: Tag | None = field(default=None, init=False, repr=False)

    def apply(self, store: Store) -> None:
        if self._tag is None:
            self._tag = store.add_tag(
                kind=self.kind,
                name=self.name,
                color=self.color,
                description=self.description_text,
                parent_id=self.parent_id,
                id=self.tag_id,
            )
        else:
            store.insert_tag(self._tag)

    def revert(self, store: Store) -> None:
        store.delete_tag(self.tag_id)

    @property
    def tag(self) -> Tag | None:
        """The tag as stored (after the first apply)."""
        return self._tag

    def changed(self) -> OpChanges:
        return OpChanges(tags=frozenset([self.tag_id]))


@dataclass
class UpdateTag(Op):
    """Rename, recolour, describe or move a tag (``parent_id=...`` leaves the parent)."""

    tag_id: str
    name: str | None = None
    color: str | None = None
    description_text: str | None = None
    parent_id: str | None | EllipsisType = ...
    description = "edit tag"
    changes = Changed.TAGS | Changed.ANNOTATIONS
    _before: Tag | None = field(default=None, init=False, repr=False)

    def apply(self, store: Store) -> None:
        self._before = store.tag(self.tag_id)
        store.update_tag(
            self.tag_id,
            name=self.name,
            color=self.color,
            description=self.description_text,
            parent_id=self.parent_id,
        )

    def revert(self, store: Store) -> None:
        b = self._before
        assert b is not None
        store.update_tag(
            self.tag_id,
            name=b.name,
            color=b.color,
            description=b.description,
            parent_id=b.parent_id,
            position=b.position,
        )

    def changed(self) -> OpChanges:
        return OpChanges(tags=frozenset([self.tag_id]))


@dataclass
class DeleteTag(Op):
    """Delete a tag with its annotations; revert restores all of it."""

    tag_id: str
    description = "delete tag"
    changes = Changed.TAGS | Changed.ANNOTATIONS | Changed.DOCUMENTS
    _removal: TagRemoval | None = field(default=None, init=False, repr=False)

    def apply(self, store: Store) -> None:
        self._removal = store.delete_tag(self.tag_id)

    def revert(self, store: Store) -> None:
        assert self._removal is not None
        store.restore_tag(self._removal)

    def changed(self) -> OpChanges:
        if self._removal is None:
            return OpChanges(tags=frozenset([self.tag_id]))
        return OpChanges(
            removed=self._removal.annotations,
            tags=frozenset([self.tag_id, *self._removal.reparented_children]),
        )


@dataclass
class MergeTags(Op):
    """Move a tag's annotations to another tag and delete it."""

    source_id: str
    target_id: str
    description = "merge tags"
    changes = Changed.TAGS | Changed.ANNOTATIONS
    _source: Tag | None = field(default=None, init=False, repr=False)
    _moved: tuple[Annotation, ...] = field(default=(), init=False, repr=False)
    _children: tuple[TagId, ...] = field(default=(), init=False, repr=False)

    def apply(self, store: Store) -> None:
        self._source = store.tag(self.source_id)
        self._children = tuple(TagId(t.id) for t in store.tags() if t.parent_id == self.source_id)
        self._moved = store.merge_tags(self.source_id, self.target_id)

    def revert(self, store: Store) -> None:
        assert self._source is not None
        store.restore_tag(TagRemoval(tag=self._source, annotations=(), reparented_children=self._children))
        with store.db.atomic():
            for annotation in self._moved:
                store.replace_annotation(annotation)

    def changed(self) -> OpChanges:
        moved = tuple((a, a._replace(tag_id=TagId(self.target_id))) for a in self._moved)
        return OpChanges(updated=moved, tags=frozenset([self.source_id, self.target_id, *self._children]))


@dataclass
class ReorderTags(Op):
    """Put tags in a new palette order."""

    tag_ids: list[str]
    description = "reorder tags"
    changes = Changed.TAGS
    _before: list[str] = field(default_factory=list, init=False, repr=False)

    def apply(self, store: Store) -> None:
        self._before = [t.id for t in store.tags()]
        store.reorder_tags(self.tag_ids)

    def revert(self, store: Store) -> None:
        store.reorder_tags(self._before)

    def changed(self) -> OpChanges:
        return OpChanges(tags=frozenset([*self._before, *self.tag_ids]))


@dataclass
class SetDocumentMemo(Op):
    """Replace a document's memo."""

    document_id: str
    memo: str
    description = "edit memo"
    changes = Changed.DOCUMENTS
    _before: str = field(default="", init=False, repr=False)

    def apply(self, store: Store) -> None:
        self._before = store.document(self.document_id).memo
        store.set_document_memo(self.document_id, self.memo)

    def revert(self, store: Store) -> None:
        store.set_document_memo(self.document_id, self._before)

    def changed(self) -> OpChanges:
        return OpChanges(memos=frozenset([self.document_id]))

    @property
    def previous(self) -> str:
        """The memo as it was before this op (after the first apply): what undo puts back."""
        return self._before

    def merge(self, later: Op) -> bool:
        """Consecutive edits of one memo undo together, back to the memo before the first."""
        if not isinstance(later, SetDocumentMemo) or later.document_id != self.document_id:
            return False
        self.memo = later.memo
        return True


@dataclass
class SetDocumentStatus(Op):
    """Mark a document as to do, in progress or done."""

    document_id: str
    status: DocumentStatus
    description = "change status"
    changes = Changed.DOCUMENTS
    _before: DocumentStatus = field(default=DocumentStatus.TODO, init=False, repr=False)

    def apply(self, store: Store) -> None:
        self._before = store.document(self.document_id).status
        store.set_document_status(self.document_id, self.status)

    def revert(self, store: Store) -> None:
        store.set_document_status(self.document_id, self._before)

    def changed(self) -> OpChanges:
        return OpChanges(statuses=frozenset([self.document_id]))


@dataclass
class ImportScheme(Op):
    """Add the tags of a coding scheme that the project lacks; undo deletes the ones it added."""

    scheme: dict[str, Any]
    description = "import tags"
    changes = Changed.TAGS
    added: int = field(default=0, init=False)
    skipped: int = field(default=0, init=False)
    _added_ids: tuple[str, ...] = field(default=(), init=False, repr=False)

    def apply(self, store: Store) -> None:
        before = {t.id for t in store.tags()}
        self.added, self.skipped = store.import_scheme(self.scheme)
        self._added_ids = tuple(t.id for t in store.tags() if t.id not in before)

    def revert(self, store: Store) -> None:
        for tag_id in reversed(self._added_ids):  # children before their parents
            store.delete_tag(tag_id)

    def changed(self) -> OpChanges:
        return OpChanges(tags=frozenset(self._added_ids))


def run(store: Store, op: Op) -> OpChanges:
    """Apply ``op`` in one transaction (all of it or nothing) and say what it changed.

    The one write path of every face: ``History.run`` calls it for the
    window, the command line, import and merge call it directly.
    """
    store.check_writable()
    if op.atomic_by_itself:
        op.apply(store)
    else:
        with store.db.atomic():
            op.apply(store)
    note_saved_change()
    return op.changed()


def _revert(store: Store, op: Op) -> None:
    """Revert ``op`` in one transaction, as ``run`` applied it."""
    store.check_writable()
    with store.db.atomic():
        op.revert(store)


def annotate_span(
    store: Store,
    *,
    document_id: str,
    start: int,
    end: int,
    tag_id: str,
    annotator: str,
    note: str | None = None,
    text: str | None = None,
) -> Op:
    """The op for tagging a span, whichever face asks: the span is trimmed of surrounding white space,
    and a document still "to do" is also marked in progress, in one undo step.

    Refuses a span outside the document, and one that is only white space. ``text``: the document's
    text when the caller holds it already (the window), which saves reading the range back from a
    long stored text (SQLite walks the text from its start to find a code-point offset).
    """
    store.check_range(document_id, start, end)
    piece = text[start:end] if text is not None else store.text_range(document_id, start, end)
    trimmed = trim_whitespace(piece, 0, end - start)
    if trimmed is None:
        raise InvalidInputError(f"span [{start}, {end}) is only white space")
    start, end = start + trimmed[0], start + trimmed[1]
    op = AddAnnotation(
        document_id=document_id, start=start, end=end, tag_id=tag_id, annotator=annotator, note=note
    )
    if store.document_status(document_id) is DocumentStatus.TODO:
        return Batch(
            [op, SetDocumentStatus(document_id, DocumentStatus.IN_PROGRESS)], description=op.description
        )
    return op


Listener = Callable[[Op, bool], None]


@dataclass
class Batch(Op):
    """Several ops as one step of undo: all applied in order, reverted in reverse order."""

    ops: list[Op]
    description: str = "change"

    def __post_init__(self) -> None:
        self.changes = Changed.NOTHING
        for op in self.ops:
            self.changes |= op.changes
        self.document_id = next((d for d in (getattr(op, "document_id", None) for op in self.ops) if d), None)

    def apply(self, store: Store) -> None:
        done: list[Op] = []
        try:
            for op in self.ops:
                op.apply(store)
                done.append(op)
        except Exception:
            for op in reversed(done):  # all or nothing, like a single op
                op.revert(store)
            raise

    def revert(self, store: Store) -> None:
        for op in reversed(self.ops):
            op.revert(store)

    def changed(self) -> OpChanges:
        """The union of what its parts changed."""
        result = _NO_CHANGES
        for op in self.ops:
            result |= op.changed()
        return result


def project_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says another program held the project's write lock: nothing changed, try again."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(exc)


class History:
    """Applies ops, keeps undo and redo stacks, and announces every change.

    A step that fails leaves the project as it was and is not announced. An
    undo or redo that failed because the project was busy stays on its stack
    (pressing it again may work); one that failed because the data changed
    elsewhere is dropped, since it can never succeed.
    """

    def __init__(
        self,
        store: Store,
        *,
        limit: int = 1000,
        merge_pause: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.limit = limit
        #: Seconds without a merging op after which the next one starts a new undo step.
        self.merge_pause = merge_pause
        self._clock = clock
        self._undo: list[Op] = []
        self._redo: list[Op] = []
        self._listeners: list[Listener] = []
        self._merging_since: float | None = None  # when the open run of merged ops last grew

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(op, undone)`` after every run, undo and redo.

        What changed is ``op.changed()``, or ``op.changed().reversed()`` when ``undone``.
        """
        self._listeners.append(listener)

    def _announce(self, op: Op, undone: bool) -> None:
        for listener in list(self._listeners):
            listener(op, undone)

    def run(self, op: Op, *, merge: bool = False) -> Op:
        """Apply ``op`` now and make it undoable; with ``merge``, as part of the open run of its kind if any."""
        run(self.store, op)
        self._redo.clear()
        now = self._clock()
        if not (merge and self._run_is_open(now) and self._undo[-1].merge(op)):
            self._undo.append(op)
            del self._undo[: -self.limit]
        self._merging_since = now if merge else None
        self._announce(op, False)
        return op

    def _run_is_open(self, now: float) -> bool:
        return (
            bool(self._undo)
            and self._merging_since is not None
            and now - self._merging_since <= self.merge_pause
        )

    def seal(self) -> None:
        """End the open run of merged ops: the next one is a step of its own (focus left the memo, say)."""
        self._merging_since = None

    def undo(self) -> Op | None:
        """Revert the last op, if any."""
        self.seal()
        if not self._undo:
            return None
        op = self._undo.pop()
        try:
            _revert(self.store, op)
        except sqlite3.OperationalError as exc:
            if project_busy(exc):  # nothing was reverted and trying again may work: keep the step
                self._undo.append(op)
            raise
        self._redo.append(op)
        self._announce(op, True)
        return op

    def redo(self) -> Op | None:
        """Re-apply the last undone op, if any."""
        self.seal()
        if not self._redo:
            return None
        op = self._redo.pop()
        try:
            run(self.store, op)
        except sqlite3.OperationalError as exc:
            if project_busy(exc):
                self._redo.append(op)
            raise
        self._undo.append(op)
        self._announce(op, False)
        return op

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        """What undo would revert, for the menu."""
        return self._undo[-1].description if self._undo else ""

    def redo_text(self) -> str:
        """What redo would re-apply, for the menu."""
        return self._redo[-1].description if self._redo else ""

    def clear(self) -> None:
        """Forget everything (another project was opened)."""
        self.seal()
        self._undo.clear()
        self._redo.clear()


__all__ = [
    "AddAnnotation",
    "AddTag",
    "Batch",
    "Changed",
    "DeleteAnnotations",
    "DeleteTag",
    "History",
    "ImportScheme",
    "MergeTags",
    "Op",
    "OpChanges",
    "ReorderTags",
    "SetDocumentMemo",
    "SetDocumentStatus",
    "UpdateAnnotation",
    "UpdateTag",
    "annotate_span",
    "project_busy",
    "run",
]
