"""Tags: themes (a hierarchy of codes) and speakers, in one palette order.

Names are unique per kind, compared case-insensitively, because that is how
tags are matched across colleagues' files.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from types import EllipsisType

from annotator.errors import DuplicateTagError, InvalidInputError, NotFoundError
from annotator.model import (
    DEFAULT_PALETTE,
    Annotation,
    Tag,
    TagId,
    TagKind,
    TagRemoval,
    new_id,
    tag_name_key,
)
from annotator.store.base import StoreBase

_TAG_COLUMNS = "id, kind, name, color, description, parent_id, position"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _row_to_tag(row: tuple) -> Tag:
    return Tag(
        id=TagId(row[0]),
        kind=TagKind(row[1]),
        name=row[2],
        color=row[3],
        description=row[4],
        parent_id=TagId(row[5]) if row[5] else None,
        position=row[6],
    )


def check_color(color: str) -> str:
    """Return ``color`` lower-cased if it is ``#rrggbb``, else refuse it."""
    if not _COLOR.match(color):
        raise InvalidInputError(f"colour '{color}' is not of the form #rrggbb")
    return color.lower()


class TagsMixin(StoreBase):
    # -- reading ----------------------------------------------------------

    def tags(self, kind: TagKind | str | None = None) -> list[Tag]:
        """Tags in palette order, optionally of one kind."""
        if kind is None:
            rows = self.db.conn.execute(f"SELECT {_TAG_COLUMNS} FROM tags ORDER BY position, name")
        else:
            rows = self.db.conn.execute(
                f"SELECT {_TAG_COLUMNS} FROM tags WHERE kind = ? ORDER BY position, name",
                [TagKind(kind).value],
            )
        return [_row_to_tag(r) for r in rows]

    def tag(self, tag_id: str) -> Tag:
        """One tag by id."""
        row = self.db.conn.execute(f"SELECT {_TAG_COLUMNS} FROM tags WHERE id = ?", [tag_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no tag with id {tag_id}")
        return _row_to_tag(row)

    def find_tag(self, kind: TagKind | str, name: str) -> Tag | None:
        """The tag of this kind and name (case-insensitive, for every script), if any."""
        kind = TagKind(kind)
        row = self.db.conn.execute(
            f"SELECT {_TAG_COLUMNS} FROM tags WHERE kind = ? AND name = ? COLLATE NOCASE",
            [kind.value, name.strip()],
        ).fetchone()
        if row is not None:
            return _row_to_tag(row)
        return next(iter(self._tags_named(name, kind)), None)

    def _tags_named(self, name: str, kind: TagKind | None = None) -> list[Tag]:
        """Tags whose name has the same ``tag_name_key`` (NOCASE misses non-ASCII case pairs)."""
        key = tag_name_key(name)
        sql = f"SELECT {_TAG_COLUMNS} FROM tags" + (" WHERE kind = ?" if kind else "") + " ORDER BY position"
        rows = self.db.conn.execute(sql, [kind.value] if kind else [])
        return [tag for tag in map(_row_to_tag, rows) if tag_name_key(tag.name) == key]

    def find_tag_by_name(self, name: str) -> Tag:
        """A tag by name of either kind; refuses a name both kinds use."""
        tags = self._tags_named(name)
        if not tags:
            raise NotFoundError(f"no tag named '{name}'")
        if len(tags) > 1:
            raise InvalidInputError(f"both a theme and a speaker are named '{name}'; give --kind")
        return tags[0]

    def tag_usage(self) -> dict[TagId, int]:
        """Number of annotations per tag id (tags with none are absent)."""
        rows = self.db.conn.execute("SELECT tag_id, COUNT(*) FROM annotations GROUP BY tag_id")
        return {TagId(tag_id): count for tag_id, count in rows}

    def tag_path(self, tag: Tag) -> str:
        """The theme's name with its ancestors, joined by ' > '."""
        parts, seen = [tag.name], {tag.id}
        parent_id = tag.parent_id
        while parent_id and parent_id not in seen:
            seen.add(parent_id)
            parent = self.tag(parent_id)
            parts.append(parent.name)
            parent_id = parent.parent_id
        return " > ".join(reversed(parts))

    # -- adding -----------------------------------------------------------

    def add_tag(
        self,
        *,
        kind: TagKind | str,
        name: str,
        color: str | None = None,
        description: str = "",
        parent_id: str | None = None,
        id: str | None = None,
        position: int | None = None,
    ) -> Tag:
        """Create a tag; the colour defaults to the next one of the palette."""
        self._require_writable()
        kind = TagKind(kind)
        name = name.strip()
        if not name:
            raise InvalidInputError("a tag name cannot be empty")
        if self.find_tag(kind, name):
            raise DuplicateTagError(f"a {kind.value} named '{name}' exists already")
        if parent_id is not None:
            self._check_parent(kind, parent_id, child_id=None)
        count = self.db.conn.execute("SELECT COUNT(*) FROM tags").fetchone()[0]
        if position is None:
            position = self.db.conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM tags").fetchone()[0]
        tag = Tag(
            id=TagId(id or new_id()),
            kind=kind,
            name=name,
            color=check_color(color) if color else DEFAULT_PALETTE[count % len(DEFAULT_PALETTE)],
            description=description,
            parent_id=TagId(parent_id) if parent_id else None,
            position=position,
        )
        self.insert_tag(tag)
        return tag

    def insert_tag(self, tag: Tag) -> None:
        """Store a tag exactly as given (id and position kept), e.g. to undo a deletion."""
        try:
            self.db.execute(
                f"INSERT INTO tags ({_TAG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [tag.id, tag.kind.value, tag.name, tag.color, tag.description, tag.parent_id, tag.position],
            )
        except sqlite3.IntegrityError as exc:
            raise DuplicateTagError(f"tag '{tag.name}' cannot be added ({exc})") from None

    def ensure_tag(self, *, kind: TagKind | str, name: str) -> Tag:
        """The tag of this kind and name, created if missing."""
        return self.find_tag(kind, name) or self.add_tag(kind=kind, name=name)

    def _check_parent(self, kind: TagKind, parent_id: str, *, child_id: str | None) -> None:
        parent = self.tag(parent_id)
        if kind is not TagKind.THEME or parent.kind is not TagKind.THEME:
            raise InvalidInputError("only themes can be nested, under other themes")
        ancestor: str | None = parent.id
        while ancestor:
            if ancestor == child_id:
                raise InvalidInputError("a theme cannot be nested under itself or its descendants")
            ancestor = self.tag(ancestor).parent_id

    # -- changing ---------------------------------------------------------

    def update_tag(
        self,
        tag_id: str,
        *,
        name: str | None = None,
        color: str | None = None,
        description: str | None = None,
        parent_id: str | None | EllipsisType = ...,
        position: int | None = None,
    ) -> Tag:
        """Rename, recolour, describe, move or reorder a tag; returns the new value."""
        self._require_writable()
        old = self.tag(tag_id)
        changes: dict[str, object] = {}
        if name is not None and name.strip() != old.name:
            other = self.find_tag(old.kind, name)
            if other and other.id != old.id:
                raise DuplicateTagError(f"a {old.kind.value} named '{name.strip()}' exists already")
            if not name.strip():
                raise InvalidInputError("a tag name cannot be empty")
            changes["name"] = name.strip()
        if color is not None:
            changes["color"] = check_color(color)
        if description is not None:
            changes["description"] = description
        if parent_id is not ...:
            if parent_id is not None:
                self._check_parent(old.kind, parent_id, child_id=old.id)
            changes["parent_id"] = parent_id
        if position is not None:
            changes["position"] = position
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self.db.execute(f"UPDATE tags SET {assignments} WHERE id = ?", [*changes.values(), tag_id])
        return self.tag(tag_id)

    def reorder_tags(self, tag_ids: Iterable[str]) -> None:
        """Set palette order: the given ids first, in that order, then the rest."""
        self._require_writable()
        ordered = list(dict.fromkeys(tag_ids))
        rest: list[str] = [t.id for t in self.tags() if t.id not in set(ordered)]
        with self.db.atomic():
            for position, tag_id in enumerate(ordered + rest):
                self.db.conn.execute("UPDATE tags SET position = ? WHERE id = ?", [position, tag_id])

    def delete_tag(self, tag_id: str) -> TagRemoval:
        """Delete a tag and its annotations; children move up to its parent.

        Returns what was removed so that ``restore_tag`` can undo it exactly.
        """
        self._require_writable()
        tag = self.tag(tag_id)
        with self.db.atomic():
            annotations = tuple(self.annotations_with_tag(tag_id))  # type: ignore[attr-defined]
            children = tuple(
                TagId(r[0]) for r in self.db.conn.execute("SELECT id FROM tags WHERE parent_id = ?", [tag_id])
            )
            self.db.conn.execute("UPDATE tags SET parent_id = ? WHERE parent_id = ?", [tag.parent_id, tag_id])
            self.db.conn.execute("DELETE FROM annotations WHERE tag_id = ?", [tag_id])
            self.db.conn.execute("DELETE FROM tags WHERE id = ?", [tag_id])
        return TagRemoval(tag=tag, annotations=annotations, reparented_children=children)

    def restore_tag(self, removal: TagRemoval) -> None:
        """Undo ``delete_tag``: the tag, its annotations and its children come back."""
        self._require_writable()
        with self.db.atomic():
            self.insert_tag(removal.tag)
            for child in removal.reparented_children:
                self.db.conn.execute("UPDATE tags SET parent_id = ? WHERE id = ?", [removal.tag.id, child])
            self.insert_annotations(removal.annotations)  # type: ignore[attr-defined]

    def merge_tags(self, source_id: str, target_id: str) -> tuple[Annotation, ...]:
        """Move every annotation of ``source`` to ``target`` and delete ``source``.

        Returns the annotations as they were, for undo.
        """
        self._require_writable()
        if source_id == target_id:
            raise InvalidInputError("a tag cannot be merged into itself")
        target = self.tag(target_id)
        with self.db.atomic():
            moved = tuple(self.annotations_with_tag(source_id))  # type: ignore[attr-defined]
            self.db.conn.execute("UPDATE annotations SET tag_id = ? WHERE tag_id = ?", [target.id, source_id])
            self.delete_tag(source_id)
        return moved

    def import_scheme(self, scheme: dict) -> tuple[int, int]:
        """Add the tags of a scheme (see ``annotator.scheme``); returns (added, skipped).

        Linear in the size of the project and the scheme: existing names are read once into a
        dict, and the new tags go in with one ``executemany``.
        """
        from annotator.scheme import scheme_entries

        self._require_writable()
        entries = list(scheme_entries(scheme))  # validates before anything is written
        known: dict[tuple[TagKind, str], TagId] = {
            (tag.kind, tag_name_key(tag.name)): tag.id for tag in self.tags()
        }
        count = len(known)
        position = self.db.conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM tags").fetchone()[0]
        rows: list[tuple] = []
        skipped = 0
        for entry in entries:
            key = (entry.kind, tag_name_key(entry.name))
            if key in known:
                skipped += 1
                continue
            parent_id = known.get((TagKind.THEME, tag_name_key(entry.parent))) if entry.parent else None
            tag_id = TagId(new_id())
            color = check_color(entry.color) if entry.color else DEFAULT_PALETTE[count % len(DEFAULT_PALETTE)]
            rows.append((tag_id, entry.kind.value, entry.name, color, entry.description, parent_id, position))
            known[key] = tag_id
            count += 1
            position += 1
        with self.db.atomic():
            try:
                self.db.conn.executemany(
                    f"INSERT INTO tags ({_TAG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateTagError(f"the scheme's tags cannot be added ({exc})") from None
        return len(rows), skipped
