"""Full-text search over document texts with SQLite FTS5.

User input never reaches FTS5 as syntax: every word becomes a quoted
string, ``"several words"`` stays a phrase and a trailing ``*`` asks for a
prefix. Exact offsets come from FTS5's own ``highlight()``: it returns the
text with markers around each matched token, so the offsets agree with the
tokenizer (case and diacritics folded) and count code points like the rest
of the project.
"""

from __future__ import annotations

import re
import sqlite3

from annotator.errors import InvalidInputError
from annotator.model import DocumentId, SearchHit
from annotator.store.base import StoreBase

# Unicode noncharacters: never meant to appear in interchanged text.
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
_QUERY_PARTS = re.compile(r'"([^"]*)"|(\S+)')
SNIPPET_CONTEXT = 40


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_query(user_input: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query, or None if nothing is searchable."""
    terms = []
    for phrase, word in _QUERY_PARTS.findall(user_input):
        if phrase:
            if any(ch.isalnum() for ch in phrase):
                terms.append(_quote(phrase))
            continue
        prefix = word.endswith("*") and len(word) > 1
        word = word.rstrip("*") if prefix else word
        if any(ch.isalnum() for ch in word):
            terms.append(_quote(word) + ("*" if prefix else ""))
    if not terms:
        return None
    return "text : (" + " AND ".join(terms) + ")"


def marked_ranges(marked: str) -> list[tuple[int, int]]:
    """Offsets, in the unmarked text, of the ranges ``highlight()`` wrapped in markers."""
    ranges = []
    removed = 0
    position = marked.find(_OPEN)
    while position != -1:
        close = marked.find(_CLOSE, position)
        if close == -1:
            break
        start = position - removed
        end = close - removed - 1
        ranges.append((start, end))
        removed += 2
        position = marked.find(_OPEN, close)
    return ranges


def make_snippet(text: str, start: int, end: int, context: int = SNIPPET_CONTEXT) -> str:
    """The hit with some context on each side, on one line, marked with brackets."""
    left = max(0, start - context)
    right = min(len(text), end + context)
    body = f"{text[left:start]}[{text[start:end]}]{text[end:right]}"
    body = " ".join(body.split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


class SearchMixin(StoreBase):
    def search(self, query: str, *, limit: int = 200) -> list[SearchHit]:
        """Occurrences of ``query`` in document texts, in corpus order, at most ``limit``."""
        match = fts_query(query)
        if match is None:
            return []
        hits: list[SearchHit] = []
        try:
            rows = self.db.conn.execute(
                "SELECT d.id, d.title, d.text, "
                "highlight(documents_fts, 1, ?, ?) FROM documents_fts "
                "JOIN documents d ON d.rowid = documents_fts.rowid "
                "WHERE documents_fts MATCH ? ORDER BY documents_fts.rowid",
                [_OPEN, _CLOSE, match],
            )
            for doc_id, title, text, marked in rows:
                if _OPEN in text or _CLOSE in text:
                    continue  # cannot tell markers from text; never seen in real data
                for start, end in marked_ranges(marked):
                    hits.append(
                        SearchHit(
                            document_id=DocumentId(doc_id),
                            title=title,
                            start=start,
                            end=end,
                            snippet=make_snippet(text, start, end),
                        )
                    )
                    if len(hits) >= limit:
                        return hits
        except sqlite3.OperationalError as exc:
            raise InvalidInputError(f"cannot search for {query!r}: {exc}") from None
        return hits
