"""Settling disagreements: accept a colleague's annotation, or dismiss a disagreement.

Both are ops (``apply``/``revert``) so the window's History can undo them.
An accepted annotation keeps its UUID, original annotator and times, so a
later merge of the same file adds nothing twice; who accepted it, and when,
is recorded in the ``adjudications`` table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.errors import InvalidInputError
from annotator.model import Annotation, AnnotationId, new_id
from annotator.ops import Changed, Op, OpChanges
from annotator.store import Store
from annotator.store.review import ReviewSpan


@dataclass
class AcceptAnnotation(Op):
    """Copy a colleague's annotation into our project, tag created if needed."""

    span: ReviewSpan
    decided_by: str
    source: str = ""
    #: The key of the disagreement this settles, when it came from the list.
    disagreement: str = ""
    adjudication_id: str = field(default_factory=new_id)
    description = "accept annotation"
    changes = Changed.ANNOTATIONS | Changed.TAGS
    document_id: str | None = field(default=None, init=False)
    _created_tag: str | None = field(default=None, init=False, repr=False)
    _added: Annotation | None = field(default=None, init=False, repr=False)
    #: The tag the last apply created, if any: undo deletes it, so both directions change it.
    _tags: frozenset[str] = field(default=frozenset(), init=False, repr=False)

    def apply(self, store: Store) -> None:
        doc = store.document_by_sha256(self.span.sha256)
        if doc is None:
            raise InvalidInputError("the colleague's document is not in this project; merge it first")
        self.document_id = doc.id
        if store.has_row("annotations", self.span.id):
            raise InvalidInputError("this annotation is already in your project")
        tag = store.find_tag(self.span.kind, self.span.tag)
        if tag is None:
            tag = store.add_tag(kind=self.span.kind, name=self.span.tag)
            self._created_tag = tag.id
        self._tags = frozenset([tag.id]) if self._created_tag else frozenset()
        self._added = Annotation(
            AnnotationId(self.span.id),
            doc.id,
            self.span.start,
            self.span.end,
            tag.id,
            self.span.annotator,
            self.span.note,
            self.span.created,
            self.span.updated,
        )
        with store.db.atomic():
            store.insert_annotations([self._added])
            store.record_adjudication(
                annotation_id=self.span.id,
                decision="accepted",
                disagreement=self.disagreement or f"accept:{self.span.id}",
                decided_by=self.decided_by,
                source=self.source,
                id=self.adjudication_id,
            )

    def revert(self, store: Store) -> None:
        with store.db.atomic():
            store.remove_adjudication(self.adjudication_id)
            store.delete_annotation(self.span.id)
            if self._created_tag:
                store.delete_tag(self._created_tag)
                self._created_tag = None  # redo looks again: the tag may exist by then

    def changed(self) -> OpChanges:
        if self._added is None:
            return OpChanges()
        return OpChanges(added=(self._added,), tags=self._tags, adjudications=frozenset([self.span.id]))


@dataclass
class DismissDisagreement(Op):
    """Record that a disagreement needs no change."""

    key: str
    annotation_id: str
    decided_by: str
    source: str = ""
    adjudication_id: str = field(default_factory=new_id)
    description = "dismiss disagreement"
    changes = Changed.ANNOTATIONS

    def apply(self, store: Store) -> None:
        store.record_adjudication(
            annotation_id=self.annotation_id,
            decision="dismissed",
            disagreement=self.key,
            decided_by=self.decided_by,
            source=self.source,
            id=self.adjudication_id,
        )

    def revert(self, store: Store) -> None:
        store.remove_adjudication(self.adjudication_id)

    def changed(self) -> OpChanges:
        return OpChanges(adjudications=frozenset([self.annotation_id]))
