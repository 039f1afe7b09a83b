"""Tag schemes: a JSON file of themes (nested) and speakers to start a project with.

Shape::

    {"name": "...", "themes": [{"name": "...", "color": "#rrggbb",
      "description": "...", "children": [...]}],
     "speakers": [{"name": "...", "color": "#rrggbb", "description": "..."}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import InvalidInputError
from annotator.model import TagKind
from annotator.store.openfiles import HELD_HERE, is_open_here


@dataclass(frozen=True, slots=True)
class SchemeEntry:
    """One tag of a scheme, flattened; ``parent`` names a theme listed before it."""

    kind: TagKind
    name: str
    color: str | None
    description: str
    parent: str | None


def load_scheme(path: str | Path) -> dict:
    """Read and check a scheme file, with a one-line error if it is not one."""
    path = Path(path)
    if is_open_here(path):
        raise InvalidInputError(f"{path}: {HELD_HERE}")
    try:
        scheme = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise InvalidInputError(f"{path}: nested too deeply to be a tag scheme") from None
    if not isinstance(scheme, dict) or not ("themes" in scheme or "speakers" in scheme):
        raise InvalidInputError(f"{path}: not a tag scheme (needs 'themes' or 'speakers')")
    list(scheme_entries(scheme))  # validate before anything is stored
    return scheme


def _entry(item: object, kind: TagKind, parent: str | None) -> SchemeEntry:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        raise InvalidInputError(f"scheme entry {item!r} has no name")
    color = item.get("color")
    if color is not None and not isinstance(color, str):
        raise InvalidInputError(f"scheme entry '{item['name']}' has a colour that is not text")
    return SchemeEntry(kind, item["name"].strip(), color, str(item.get("description", "")), parent)


def _themes(items: list, parent: str | None) -> Iterator[SchemeEntry]:
    """Themes depth first, parents before children; a loop, not recursion, so depth costs nothing."""
    stack: list[Iterator[object]] = [iter(items)]
    parents: list[str | None] = [parent]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
            parents.pop()
            continue
        entry = _entry(item, TagKind.THEME, parents[-1])
        yield entry
        children = item.get("children", []) if isinstance(item, dict) else []
        if not isinstance(children, list):
            raise InvalidInputError(f"children of '{entry.name}' must be a list")
        if children:
            stack.append(iter(children))
            parents.append(entry.name)


_END = object()


def scheme_entries(scheme: dict) -> Iterator[SchemeEntry]:
    """Every tag of a scheme, parents before children, themes before speakers."""
    themes, speakers = scheme.get("themes", []), scheme.get("speakers", [])
    if not isinstance(themes, list) or not isinstance(speakers, list):
        raise InvalidInputError("'themes' and 'speakers' must be lists")
    yield from _themes(themes, None)
    for item in speakers:
        yield _entry(item, TagKind.SPEAKER, None)
