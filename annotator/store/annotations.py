"""Annotations: tagged spans, added one at a time from the window or in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import repeat
from operator import itemgetter
from types import EllipsisType

from annotator.errors import InvalidInputError, NotFoundError
from annotator.model import Annotation, AnnotationId, DocumentId, ShownAnnotation, TagId, new_id, utc_now
from annotator.store.base import StoreBase

ANNOTATION_COLUMNS = 'id, document_id, start, "end", tag_id, annotator, note, created, updated'
#: The same columns of an annotations table aliased ``a``.
QUALIFIED_ANNOTATION_COLUMNS = ", ".join(f"a.{column.strip()}" for column in ANNOTATION_COLUMNS.split(","))
_INSERT_ANNOTATION = f"INSERT INTO annotations ({ANNOTATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


#: start, end, id of a row in ANNOTATION_COLUMNS order.
_BY_POSITION = itemgetter(2, 3, 0)
#: The columns of a ShownAnnotation, all held by the index annotations_document_span.
SHOWN_COLUMNS = 'id, start, "end", tag_id, annotator, note'
_SHOWN_SQL = (
    f'SELECT {SHOWN_COLUMNS} FROM annotations WHERE document_id = ? ORDER BY start, "end", tag_id, id'
)


def _row_to_annotation(row: tuple) -> Annotation:
    # Columns in field order (ANNOTATION_COLUMNS); the typed ids are plain str at run time.
    return Annotation(*row)


def _annotation_row(a: Annotation) -> tuple:
    return (a.id, a.document_id, a.start, a.end, a.tag_id, a.annotator, a.note, a.created, a.updated)


class AnnotationsMixin(StoreBase):
    # -- reading ----------------------------------------------------------

    def annotation(self, annotation_id: str) -> Annotation:
        """One annotation by id."""
        row = self.db.conn.execute(
            f"SELECT {ANNOTATION_COLUMNS} FROM annotations WHERE id = ?", [annotation_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no annotation with id {annotation_id}")
        return _row_to_annotation(row)

    def annotations_for_document(self, document_id: str) -> list[Annotation]:
        """A document's annotations ordered by start, then end."""
        rows = self.db.conn.execute(
            f"SELECT {ANNOTATION_COLUMNS} FROM annotations WHERE document_id = ? ORDER BY start",
            [document_id],
        ).fetchall()
        rows.sort(
            key=_BY_POSITION
        )  # the index gives start order; Python finishes it faster than a temp B-tree
        # tuple.__new__ straight from C: Annotation._make is a Python call per row (a fifth of the read)
        return list(map(tuple.__new__, repeat(Annotation), rows))

    def shown_annotations(self, document_id: str) -> list[ShownAnnotation]:
        """A document's annotations as the window shows them, ordered by start, end, tag id and id.

        Only columns the covering index ``annotations_document_span`` holds, and
        in its order, so SQLite reads index pages in sequence, never the table,
        and nothing is sorted on either side.
        """
        rows = self.db.conn.execute(_SHOWN_SQL, [document_id]).fetchall()
        return list(map(tuple.__new__, repeat(ShownAnnotation), rows))

    def annotations_with_tag(self, tag_id: str) -> Iterator[Annotation]:
        """Every annotation carrying a tag."""
        rows = self.db.conn.execute(
            f"SELECT {ANNOTATION_COLUMNS} FROM annotations WHERE tag_id = ?", [tag_id]
        )
        for row in rows.fetchall():
            yield _row_to_annotation(row)

    def iter_annotations(self) -> Iterator[Annotation]:
        """Every annotation, grouped by document in import order, then by start."""
        cursor = self.db.conn.cursor()
        for row in cursor.execute(
            f"SELECT {QUALIFIED_ANNOTATION_COLUMNS} "
            "FROM annotations a JOIN documents d ON d.id = a.document_id "
            'ORDER BY d.position, a.start, a."end", a.id'
        ):
            yield _row_to_annotation(row)

    def annotation_count(self) -> int:
        """How many annotations the project holds."""
        return self.db.conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]

    def annotators(self) -> list[str]:
        """Names of everyone who has annotated in this project."""
        rows = self.db.conn.execute("SELECT DISTINCT annotator FROM annotations ORDER BY annotator")
        return [r[0] for r in rows]

    # -- changing ---------------------------------------------------------

    def prepare_annotation(
        self,
        *,
        document_id: str,
        start: int,
        end: int,
        tag_id: str,
        annotator: str,
        note: str | None = None,
        id: str | None = None,
    ) -> Annotation:
        """The value a new annotation of ``[start, end)`` would have, checked against the project.

        Writes nothing: the one place a new annotation is made, for the op
        that stores it (``ops.AddAnnotation``) and for ``add_annotation``.
        """
        self.check_range(document_id, start, end)
        self.tag(tag_id)  # type: ignore[attr-defined]
        now = utc_now()
        return Annotation(
            id=AnnotationId(id or new_id()),
            document_id=DocumentId(document_id),
            start=start,
            end=end,
            tag_id=TagId(tag_id),
            annotator=annotator,
            note=note or None,
            created=now,
            updated=now,
        )

    def add_annotation(
        self,
        *,
        document_id: str,
        start: int,
        end: int,
        tag_id: str,
        annotator: str,
        note: str | None = None,
    ) -> Annotation:
        """Tag ``[start, end)`` of a document as given; offsets are code points.

        For tests and scripts that build a project: the app's faces go
        through ``ops.annotate_span``, which also applies the rules of a new span.
        """
        self._require_writable()
        annotation = self.prepare_annotation(
            document_id=document_id, start=start, end=end, tag_id=tag_id, annotator=annotator, note=note
        )
        self.db.execute(_INSERT_ANNOTATION, _annotation_row(annotation))
        return annotation

    def check_range(self, document_id: str, start: int, end: int) -> None:
        """Refuse a span that is empty or outside the document."""
        length = self.document_length(document_id)  # type: ignore[attr-defined]
        if not (0 <= start < end <= length):
            raise InvalidInputError(
                f"span [{start}, {end}) is outside the document (length {length}) or empty"
            )

    def insert_annotations(self, annotations: Iterable[Annotation]) -> None:
        """Store annotations exactly as given (ids and times kept), in one transaction."""
        self._require_writable()
        with self.db.atomic():
            self.db.conn.executemany(_INSERT_ANNOTATION, (_annotation_row(a) for a in annotations))

    def annotation_rows(self, ids: Iterable[str]) -> Iterator[tuple]:
        """(id, document id, start, end, tag id, annotator, note, created, updated) of the
        annotations with these ids, as plain tuples."""
        select = f"SELECT {ANNOTATION_COLUMNS} FROM annotations"
        wanted = list(ids)
        for first in range(0, len(wanted), 500):
            chunk = wanted[first : first + 500]
            yield from self.db.conn.execute(f"{select} WHERE id IN ({', '.join('?' * len(chunk))})", chunk)

    def update_annotation(
        self,
        annotation_id: str,
        *,
        start: int | None = None,
        end: int | None = None,
        tag_id: str | None = None,
        note: str | None | EllipsisType = ...,
    ) -> Annotation:
        """Move a span's boundaries, retag it or change its note; returns the new value."""
        self._require_writable()
        old = self.annotation(annotation_id)
        new_start = old.start if start is None else start
        new_end = old.end if end is None else end
        self.check_range(old.document_id, new_start, new_end)
        new_tag = old.tag_id if tag_id is None else TagId(self.tag(tag_id).id)  # type: ignore[attr-defined]
        new_note = old.note if note is ... else (note or None)
        self.db.execute(
            'UPDATE annotations SET start = ?, "end" = ?, tag_id = ?, note = ?, updated = ? WHERE id = ?',
            [new_start, new_end, new_tag, new_note, utc_now(), annotation_id],
        )
        return self.annotation(annotation_id)

    def replace_annotation(self, annotation: Annotation) -> None:
        """Write an annotation back exactly as given (undo of an update)."""
        self._require_writable()
        with self.db.atomic():
            self.db.conn.execute("DELETE FROM annotations WHERE id = ?", [annotation.id])
            self.db.conn.execute(_INSERT_ANNOTATION, _annotation_row(annotation))

    def delete_annotation(self, annotation_id: str) -> Annotation:
        """Remove an annotation; returns it so that it can be restored."""
        self._require_writable()
        annotation = self.annotation(annotation_id)
        self.db.execute("DELETE FROM annotations WHERE id = ?", [annotation_id])
        return annotation

    def delete_annotations(self, annotation_ids: Iterable[str]) -> list[Annotation]:
        """Remove several annotations in one transaction; returns them."""
        self._require_writable()
        removed = []
        with self.db.atomic():
            for annotation_id in annotation_ids:
                removed.append(self.annotation(annotation_id))
                self.db.conn.execute("DELETE FROM annotations WHERE id = ?", [annotation_id])
        return removed
