"""Palette order: how tags are listed and which ones the keys 1-9 apply.

Themes come first, depth-first through the hierarchy, siblings by their
stored position; then speakers by position. The window and the command line
both number tags this way, so "key 3" means the same tag everywhere.
"""

from __future__ import annotations

from annotator.model import Tag, TagKind


def palette_order(tags: list[Tag]) -> list[Tag]:
    """Tags as the palette lists them: themes depth-first by position, then speakers."""
    themes = [t for t in tags if t.kind is TagKind.THEME]
    known = {t.id for t in themes}
    children: dict[str | None, list[Tag]] = {}
    for tag in themes:
        parent = tag.parent_id if tag.parent_id in known else None
        children.setdefault(parent, []).append(tag)
    ordered: list[Tag] = []

    def walk(parent: str | None) -> None:
        for tag in sorted(children.get(parent, []), key=lambda t: (t.position, t.name)):
            ordered.append(tag)
            walk(tag.id)

    walk(None)
    ordered.extend(sorted((t for t in tags if t.kind is TagKind.SPEAKER), key=lambda t: (t.position, t.name)))
    return ordered
