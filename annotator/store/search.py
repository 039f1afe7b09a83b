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
from collections.abc import Iterator
from itertools import islice

from annotator.errors import InvalidInputError
from annotator.model import DocumentId, SearchHit
from annotator.store.base import StoreBase

# Unicode noncharacters: never meant to appear in interchanged text.
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
_QUERY_PARTS = re.compile(r'"([^"]*)"|(\S+)')

#: FTS5's ``highlight()`` re-copies all of its output for every hit, so its cost grows with hits x
#: length. A text longer than ``_DIRECT_MAX`` is highlighted in pieces of about ``_PIECE``
#: characters (cut at white space, never inside a word) in a scratch in-memory index, each piece
#: carrying ``_OVERLAP`` more characters so that a phrase across a cut is still found; a hit
#: belongs to the piece it starts in. Pieces are indexed a batch at a time, only until ``limit``.
_PIECE = 1 << 16
_OVERLAP = 4096
_DIRECT_MAX = 4 * _PIECE
_BATCH = 16
_SEPARATOR = re.compile(r"\s")


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_query(user_input: str, *, joiner: str = " AND ") -> str | None:
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
    return "text : (" + joiner.join(terms) + ")"


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


def _cut(text: str, position: int) -> int:
    """The first white-space position at or after ``position`` (or the end): never inside a token."""
    if position >= len(text):
        return len(text)
    found = _SEPARATOR.search(text, position)
    return found.start() if found else len(text)


def _pieces(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, keep, end) of each piece: hits starting in [start, keep) are its own; it reads to end."""
    start = 0
    while start < len(text):
        keep = _cut(text, start + _PIECE)
        yield start, keep, _cut(text, keep + _OVERLAP)
        start = keep


def _highlight_batch(
    scratch: sqlite3.Connection, text: str, batch: list[tuple[int, int, int]], match: str
) -> list[tuple[int, int]]:
    """Hit ranges, in ``text``, of ``match`` in one batch of pieces, indexed in a fresh scratch table.

    The table is dropped rather than emptied: ``DELETE`` from an FTS5 table tokenises every
    deleted row once more to take its words out of the index, a third pass over the text.
    """
    scratch.execute("DROP TABLE IF EXISTS pieces")
    scratch.execute("CREATE VIRTUAL TABLE pieces USING fts5(text)")
    scratch.execute("BEGIN")
    scratch.executemany(
        "INSERT INTO pieces (rowid, text) VALUES (?, ?)",
        ((index, text[start:end]) for index, (start, _keep, end) in enumerate(batch)),
    )
    scratch.execute("COMMIT")
    rows = scratch.execute(
        "SELECT rowid, highlight(pieces, 0, ?, ?) FROM pieces WHERE pieces MATCH ? ORDER BY rowid",
        [_OPEN, _CLOSE, match],
    )
    found = []
    for index, marked in rows:
        start, keep, _end = batch[index]
        for first, last in marked_ranges(marked):
            if start + first >= keep:
                break
            found.append((start + first, start + last))
    return found


def piecewise_ranges(text: str, match: str, limit: int) -> Iterator[tuple[int, int]]:
    """Hit ranges of ``match`` (an FTS5 query on column ``text``) in ``text``, in order, at most ``limit``.

    Linear in the length of the text read: each piece is tokenised twice (index, highlight), and
    ``highlight()`` only ever copies one piece's worth of output. (Two threads, each with its own
    scratch connection, were tried and measured no faster: SQLite's allocator serialises them.)
    """
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    pieces = _pieces(text)
    found = 0
    try:
        while batch := list(islice(pieces, _BATCH)):
            for hit in _highlight_batch(scratch, text, batch, match):
                yield hit
                found += 1
                if found >= limit:
                    return
    finally:
        scratch.close()


class SearchMixin(StoreBase):
    def search(self, query: str, *, limit: int = 200) -> list[SearchHit]:
        """Occurrences of ``query`` in document texts, in corpus order, at most ``limit``."""
        match = fts_query(query)
        if match is None:
            return []
        any_term = fts_query(query, joiner=" OR ")  # the document matched every term already
        assert any_term is not None
        hits: list[SearchHit] = []
        try:
            rows = self.db.conn.execute(
                "SELECT d.id, d.title, d.text, "
                "CASE WHEN d.length <= ? THEN highlight(documents_fts, 1, ?, ?) END "
                "FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid "
                "WHERE documents_fts MATCH ? ORDER BY documents_fts.rowid",
                [_DIRECT_MAX, _OPEN, _CLOSE, match],
            )
            for doc_id, title, text, marked in rows:
                if _OPEN in text or _CLOSE in text:
                    continue  # cannot tell markers from text; never seen in real data
                ranges = (
                    marked_ranges(marked)
                    if marked is not None
                    else piecewise_ranges(text, any_term, limit - len(hits))
                )
                for start, end in ranges:
                    hits.append(SearchHit(DocumentId(doc_id), title, start, end, text))
                    if len(hits) >= limit:
                        return hits
        except sqlite3.OperationalError as exc:
            raise InvalidInputError(f"cannot search for {query!r}: {exc}") from None
        return hits
