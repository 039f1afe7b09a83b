"""Every hit of a plain word in a long document, found by a scan instead of FTS5 (issue 20, W10).

Each case compares the scan with FTS5's own ``highlight()`` of the whole text, the reference
the rest of the search uses, and checks which way the hits were found.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3

import pytest

from annotator.model import ImportedDocument
from annotator.store import Store, search
from annotator.store.word_scan import plain_word_ranges

#: Contexts a plain word meets in real text, each with a filler long enough to make it "long".
CONTEXTS = [
    "needle",
    "Needle? yes",
    "¿NEEDLE?",
    "“needle”",
    "needle—needle",
    "foo_needle_bar",
    "needles preneedle",
    "needle😀 😀needle",
    "needle?needle",
    "(needle)\r\n",
    "中needle文",
    "née needle",
    "naïve needle, needle's",
]


def _reference(text: str, word: str) -> list[tuple[int, int]]:
    """Hit ranges by FTS5 highlighting the whole text at once."""
    scratch = sqlite3.connect(":memory:")
    scratch.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
    scratch.execute("INSERT INTO t VALUES (?)", [text])
    (marked,) = scratch.execute(
        "SELECT highlight(t, 0, ?, ?) FROM t WHERE t MATCH ?", [search._OPEN, search._CLOSE, f'"{word}"']
    ).fetchone() or ("",)
    return search.marked_ranges(marked)


def _long_store(store: Store, text: str, monkeypatch) -> str:
    """Add ``text`` as a document that counts as long; return the text as stored (LF endings)."""
    result = store.add_document(ImportedDocument(title="long", text=text), annotator="x")
    monkeypatch.setattr(search, "_DIRECT_MAX", 10)  # every document is "long"
    return store.document(result.document_id).text


def _forbid_piecewise(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("the whole text went through FTS5")

    monkeypatch.setattr(search, "piecewise_ranges", refuse)


@pytest.mark.parametrize("context", CONTEXTS)
def test_the_scan_finds_exactly_what_fts5_finds_and_never_reads_the_text_through_fts5(
    store, monkeypatch, context
):
    text = _long_store(store, ("filler words here. " * 50 + context + " ") * 20, monkeypatch)
    _forbid_piecewise(monkeypatch)
    hits = store.search("needle", limit=1_000_000)
    assert [(h.start, h.end) for h in hits] == _reference(text, "needle")
    assert all(text[h.start : h.end].lower() == "needle" for h in hits)


def test_a_spelling_with_diacritics_falls_back_to_fts5_and_is_found(store, monkeypatch):
    text = _long_store(store, "needle and nëedle and NÉEDLE and ne\u0301edle. " * 30, monkeypatch)
    used: list[int] = []
    real = search.piecewise_ranges

    def recording(*args, **kwargs):
        used.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(search, "piecewise_ranges", recording)
    hits = store.search("needle", limit=1_000_000)
    assert used, "the scan cannot fold diacritics: FTS5 must have searched"
    assert [(h.start, h.end) for h in hits] == _reference(text, "needle")
    assert len(hits) == 4 * 30


def test_the_scan_reports_a_count_it_cannot_reach_as_unsure():
    text = "needle nëedle"
    assert plain_word_ranges(text, "needle", 2, lambda windows: []) is None
    assert plain_word_ranges(text, "needle", 1, lambda windows: []) == [(0, 6)]
    assert plain_word_ranges("needles", "needle", 1, lambda windows: []) is None


def test_windows_reach_to_certain_separators_and_are_read_once():
    seen: list[list[tuple[int, int]]] = []

    text = "a “needle” b x—needle—needle"

    def record(windows):
        seen.append(windows)
        return [
            (start + match.start(), start + match.end())
            for start, end in windows
            for match in re.finditer("needle", text[start:end])
        ]

    assert plain_word_ranges(text, "needle", 3, record) == [(3, 9), (15, 21), (22, 28)]
    assert seen == [[(2, 10), (13, 28)]]


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("needle", "needle"),
        ("  NeEdLe ", "needle"),
        ('"Needle"', "needle"),
        ("needle*", None),
        ("two words", None),
        ("café", None),
        ("don't", None),
        ('"a phrase"', None),
    ],
)
def test_only_one_plain_word_is_scanned(query, word):
    assert search.plain_word(query) == word


def test_every_hit_of_a_frequent_word_in_a_long_document_skips_fts5(store, monkeypatch):
    """Before the scan, every hit meant FTS5 indexing and highlighting the whole text."""
    text = "the needle in the haystack, " * 5_000
    _long_store(store, text, monkeypatch)
    _forbid_piecewise(monkeypatch)
    hits = store.search("needle", limit=1_000_000)
    assert len(hits) == 5_000
    assert hits[1].start == len("the needle in the haystack, ") + 4


def test_a_few_hits_of_a_long_document_still_stop_early(store, monkeypatch):
    """The window asks for 500 hits: FTS5 reading only the first pieces is quicker than a scan."""
    text = "the needle in the haystack, " * 5_000
    _long_store(store, text, monkeypatch)

    def refuse(*_args, **_kwargs):
        raise AssertionError("scanned the whole text for a few hits")

    monkeypatch.setattr(search, "scanned_ranges", refuse)
    assert len(store.search("needle", limit=7)) == 7


def test_a_read_only_project_is_scanned_without_being_written(project_path, monkeypatch):
    text = "a needle. " * 2_000
    with Store.create(project_path) as store:
        store.add_document(ImportedDocument(title="long", text=text), annotator="x")
    before = hashlib.sha256(project_path.read_bytes()).hexdigest()
    monkeypatch.setattr(search, "_DIRECT_MAX", 10)
    _forbid_piecewise(monkeypatch)
    with Store.open(project_path, read_only=True) as store:
        assert len(store.search("needle", limit=10_000)) == 2_000
    assert hashlib.sha256(project_path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("row", [1, 16, 2048])
def test_windows_joined_into_rows_of_any_size_map_back_to_their_places(store, monkeypatch, row):
    text = _long_store(store, "x 😀needle😀 ×needle× Needle🙂! ¿needle? —needle—\n" * 40, monkeypatch)
    monkeypatch.setattr(search, "_WINDOW_ROW", row)
    _forbid_piecewise(monkeypatch)
    windowed: list[int] = []
    real = search._highlight_windows

    def recording(scratch, text, windows, match):
        windowed.append(len(windows))
        return real(scratch, text, windows, match)

    monkeypatch.setattr(search, "_highlight_windows", recording)
    hits = store.search("needle", limit=1_000_000)
    assert [(h.start, h.end) for h in hits] == _reference(text, "needle")
    assert len(hits) == 4 * 40  # FTS5 (Unicode 6.1) reads 🙂, newer than 😀, as part of a token
    assert windowed == [3 * 40]  # beside emoji and ×; beside ¿ ? — FTS5 was asked once, up front


def test_fts5_itself_says_which_characters_beyond_ascii_separate():
    separators = search.fts5_separators()
    assert set("“”‘’—–…«»¿¡\u00a0\u2009\u3000\u3001") <= separators
    assert not {"ª", "²", "µ", "\u2066"} & separators  # letters, numbers, and a code FTS5 keeps in tokens


def test_a_word_between_known_separators_needs_no_window():
    text = "“needle” —needle— ¿needle? «needle»"

    def refuse(windows):
        raise AssertionError(f"windows {windows}")

    hits = plain_word_ranges(text, "needle", 4, refuse, search.fts5_separators())
    assert [text[start:end] for start, end in hits] == ["needle"] * 4
