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
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import islice

from annotator.errors import InvalidInputError
from annotator.model import DocumentId, SearchHit
from annotator.store.base import StoreBase

# Unicode noncharacters: never meant to appear in interchanged text.
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
_QUERY_PARTS = re.compile(r'"([^"]*)"|(\S+)')
#: A query word the plain-word scan can find: FTS5 folds it to lower case and nothing else.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]+")

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
#: Windows around a plain word beside other characters are joined by spaces into rows of about
#: this many characters (they end at ASCII separators, so joining changes no token): few rows to
#: index, and ``highlight()`` output that stays small however dense the hits.
_WINDOW_ROW = 2048
#: The plain-word scan reads a whole text about six times faster than FTS5 indexes and highlights
#: it, so it is used when at least this share of a long document's hits is wanted.
_SCAN_SHARE = 1 / 6
#: The full-text index's own list of where each word is: (term, doc, col, offset). Kept in the
#: connection's temporary schema, so creating it never writes to the project.
_WORD_PLACES = "temp.documents_fts_word_places"


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


def _highlighted(scratch: sqlite3.Connection, pieces: Iterable[str], match: str) -> sqlite3.Cursor:
    """(index, marked text) of each of ``pieces`` that ``match`` finds, indexed in a fresh scratch table.

    The table is dropped rather than emptied: ``DELETE`` from an FTS5 table tokenises every
    deleted row once more to take its words out of the index, a third pass over the text.
    """
    scratch.execute("DROP TABLE IF EXISTS pieces")
    scratch.execute("CREATE VIRTUAL TABLE pieces USING fts5(text)")
    scratch.execute("BEGIN")
    scratch.executemany("INSERT INTO pieces (rowid, text) VALUES (?, ?)", enumerate(pieces))
    scratch.execute("COMMIT")
    return scratch.execute(
        "SELECT rowid, highlight(pieces, 0, ?, ?) FROM pieces WHERE pieces MATCH ? ORDER BY rowid",
        [_OPEN, _CLOSE, match],
    )


def _highlight_batch(
    scratch: sqlite3.Connection, text: str, batch: list[tuple[int, int, int]], match: str
) -> list[tuple[int, int]]:
    """Hit ranges, in ``text``, of ``match`` in one batch of pieces (each its own hits only)."""
    found = []
    for index, marked in _highlighted(scratch, (text[start:end] for start, _keep, end in batch), match):
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


def plain_word(user_input: str) -> str | None:
    """The one word of ASCII letters and digits a query asks for, or None for anything else."""
    parts = _QUERY_PARTS.findall(user_input)
    if len(parts) != 1:
        return None
    phrase, word = parts[0]
    candidate = phrase.strip() if phrase else word
    return candidate.lower() if _PLAIN_WORD.fullmatch(candidate) else None


def _window_rows(text: str, windows: list[tuple[int, int]]) -> Iterator[tuple[str, list[int], list[int]]]:
    """Per row: the windows' texts joined by spaces, where each starts in the row, and in ``text``."""
    parts: list[str] = []
    row_starts: list[int] = []
    text_starts: list[int] = []
    size = 0
    for start, end in windows:
        row_starts.append(size)
        text_starts.append(start)
        parts.append(text[start:end])
        size += end - start + 1
        if size >= _WINDOW_ROW:
            yield " ".join(parts), row_starts, text_starts
            parts, row_starts, text_starts, size = [], [], [], 0
    if parts:
        yield " ".join(parts), row_starts, text_starts


def _highlight_windows(
    scratch: sqlite3.Connection, text: str, windows: list[tuple[int, int]], match: str
) -> list[tuple[int, int]]:
    """Hit ranges of ``match`` in ``text`` inside the given windows, by FTS5 in a scratch index."""
    rows = list(_window_rows(text, windows))
    found = []
    for index, marked in _highlighted(scratch, (joined for joined, _rows, _texts in rows), match):
        _joined, row_starts, text_starts = rows[index]
        for first, last in marked_ranges(marked):
            window = bisect_right(row_starts, first) - 1
            shift = text_starts[window] - row_starts[window]
            found.append((first + shift, last + shift))
    return found


#: Characters beyond ASCII that prose puts beside words: the Latin-1 signs, General Punctuation
#: (curly quotes, dashes, ellipsis, the spaces) and CJK punctuation. Which of them separate is
#: asked of FTS5, since its tables (Unicode 6.1) differ from Python's here and there.
_SEPARATOR_CANDIDATES = "".join(
    chr(code) for block in ((0xA0, 0xC0), (0x2000, 0x2070), (0x3000, 0x3020)) for code in range(*block)
)


@cache
def fts5_separators() -> frozenset[str]:
    """Which of ``_SEPARATOR_CANDIDATES`` FTS5's tokenizer splits ``a<char>b`` at."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
        scratch.execute("CREATE VIRTUAL TABLE temp.probe_places USING fts5vocab(main, probe, instance)")
        scratch.executemany(
            "INSERT INTO probe (rowid, text) VALUES (?, ?)",
            ((code, f"a{chr(code)}b") for code in map(ord, _SEPARATOR_CANDIDATES)),
        )
        split = scratch.execute("SELECT doc FROM temp.probe_places GROUP BY doc HAVING count(*) = 2")
        return frozenset(chr(code) for (code,) in split)
    finally:
        scratch.close()


def scanned_ranges(text: str, word: str, expected: int, match: str) -> list[tuple[int, int]] | None:
    """Every hit of the plain ``word`` in ``text`` by ``plain_word_ranges``, or None if unsure."""
    from annotator.store.word_scan import plain_word_ranges  # NumPy: loaded by the first long search

    scratch = sqlite3.connect(":memory:", isolation_level=None)
    try:
        return plain_word_ranges(
            text,
            word,
            expected,
            lambda windows: _highlight_windows(scratch, text, windows, match),
            fts5_separators(),
        )
    finally:
        scratch.close()


class SearchMixin(StoreBase):
    def search(self, query: str, *, limit: int = 200) -> list[SearchHit]:
        """Occurrences of ``query`` in document texts, in corpus order, at most ``limit``."""
        match = fts_query(query)
        if match is None or limit < 1:
            return []
        any_term = fts_query(query, joiner=" OR ")  # the document matched every term already
        assert any_term is not None
        word = plain_word(query)
        if word is not None and not self._word_places_ready():
            word = None
        word_counts: dict[int, int] | None = None
        hits: list[SearchHit] = []
        try:
            rows = self.db.conn.execute(
                "SELECT d.rowid, d.id, d.title, d.text, "
                "CASE WHEN d.length <= ? THEN highlight(documents_fts, 1, ?, ?) END "
                "FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid "
                "WHERE documents_fts MATCH ? ORDER BY documents_fts.rowid",
                [_DIRECT_MAX, _OPEN, _CLOSE, match],
            )
            for rowid, doc_id, title, text, marked in rows:
                if _OPEN in text or _CLOSE in text:
                    continue  # cannot tell markers from text; never seen in real data
                wanted = limit - len(hits)
                if marked is not None:
                    ranges: Iterable[tuple[int, int]] = marked_ranges(marked)
                elif word is not None:
                    if word_counts is None:
                        word_counts = self._word_counts(word)
                    ranges = _long_text_ranges(text, any_term, wanted, word, word_counts.get(rowid, 0))
                else:
                    ranges = piecewise_ranges(text, any_term, wanted)
                for start, end in ranges:
                    hits.append(SearchHit(DocumentId(doc_id), title, start, end, text))
                    if len(hits) >= limit:
                        return hits
        except sqlite3.OperationalError as exc:
            raise InvalidInputError(f"cannot search for {query!r}: {exc}") from None
        return hits

    def _word_places_ready(self) -> bool:
        """Whether the index's word places can be read (an index without them: no scan)."""
        try:
            self.db.conn.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {_WORD_PLACES} "
                "USING fts5vocab(main, documents_fts, instance)"
            )
        except sqlite3.OperationalError:
            return False
        return True

    def _word_counts(self, word: str) -> dict[int, int]:
        """Document rowid -> how many times its text holds ``word``, by the full-text index."""
        rows = self.db.conn.execute(
            f"SELECT doc, count(*) FROM {_WORD_PLACES} WHERE term = ? AND col = 'text' GROUP BY doc",
            [word],
        )
        return dict(rows.fetchall())


def _long_text_ranges(
    text: str, any_term: str, wanted: int, word: str, expected: int
) -> Iterable[tuple[int, int]]:
    """Hit ranges of a plain word in a long text: scanned when enough of them are wanted."""
    if wanted >= expected * _SCAN_SHARE:
        scanned = scanned_ranges(text, word, expected, any_term)
        if scanned is not None:
            return scanned
    return piecewise_ranges(text, any_term, wanted)
