"""Issue 20, "never hang, never grow without bound": work that must stay linear, and input that
must be refused in one line rather than with a traceback.

Complexity is asserted structurally (counted statements or calls), never with a clock; the
speed targets themselves are benchmark rows (``python -m tests.bench --only W9,W10,W11``).
"""

from __future__ import annotations

import json

import pytest

from annotator.errors import InvalidInputError
from annotator.model import TagKind
from annotator.ops import ImportScheme, _revert, run
from annotator.scheme import load_scheme, scheme_entries


def _scheme(themes: int) -> dict:
    return {
        "themes": [
            {"name": f"theme {i}", "children": [f"child {i}.{j}" for j in range(3)]} for i in range(themes)
        ],
        "speakers": [f"speaker {i}" for i in range(themes)],
    }


def _statements(store, job) -> int:
    count = 0

    def trace(sql: str) -> None:
        nonlocal count
        count += not sql.lstrip().startswith("INSERT INTO tags")  # one per row under executemany

    store.db.conn.set_trace_callback(trace)
    try:
        job()
    finally:
        store.db.conn.set_trace_callback(None)
    return count


def test_scheme_import_runs_a_fixed_number_of_statements_whatever_its_size(store):
    store.add_tag(kind=TagKind.THEME, name="Theme 3")  # an existing name is kept, not duplicated
    small = _statements(store, lambda: store.import_scheme(_scheme(50)))
    large = _statements(store, lambda: store.import_scheme({"themes": _scheme(400)["themes"][50:]}))
    assert small == large  # not one lookup per tag
    tags = store.tags()
    assert len(tags) == 50 * 5 + 350 * 4
    by_name = {t.name: t for t in tags}
    assert by_name["child 3.1"].parent_id == by_name["Theme 3"].id
    assert by_name["child 399.2"].parent_id == by_name["theme 399"].id
    assert [t.position for t in tags] == sorted({t.position for t in tags})


def test_scheme_import_keeps_names_case_insensitively_and_counts_skips(store):
    store.add_tag(kind=TagKind.SPEAKER, name="ÉMILE")
    added, skipped = store.import_scheme(
        {"themes": ["a", "A", {"name": "b", "children": ["c"]}], "speakers": ["émile"]}
    )
    assert (added, skipped) == (3, 2)
    assert sorted(t.name for t in store.tags()) == ["a", "b", "c", "ÉMILE"]


def test_scheme_import_refuses_a_bad_colour_and_stores_nothing(store):
    with pytest.raises(InvalidInputError):
        store.import_scheme({"themes": ["fine", {"name": "bad", "color": "red"}]})
    assert store.tags() == []


def test_scheme_import_undo_removes_what_it_added(store):
    store.add_tag(kind=TagKind.THEME, name="kept")
    op = ImportScheme({"themes": [{"name": "kept", "children": ["new child"]}, "new"]})
    run(store, op)
    assert (op.added, op.skipped) == (2, 1)
    _revert(store, op)
    assert [t.name for t in store.tags()] == ["kept"]


def test_deeply_nested_themes_are_walked_without_recursion():
    depth = 5_000
    scheme: dict = {"name": "level 0"}
    root = scheme
    for level in range(1, depth):
        child = {"name": f"level {level}"}
        scheme["children"] = [child]
        scheme = child
    entries = list(scheme_entries({"themes": [root]}))
    assert len(entries) == depth
    assert entries[-1].parent == f"level {depth - 2}"


def test_a_scheme_file_nested_too_deeply_for_json_is_refused_in_one_line(tmp_path, run_cli):
    path = tmp_path / "deep.json"
    path.write_text('{"themes": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="nested too deeply"):
        load_scheme(path)
    result = run_cli("tags", "import", tmp_path / "p.annotator", path)
    assert result.code != 0
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_a_deep_but_valid_scheme_file_imports(tmp_path, run_cli):
    text = (
        '{"name": "x0"'
        + "".join(f', "children": [{{"name": "x{i}"' for i in range(1, 300))
        + "}]" * 299
        + "}"
    )
    path = tmp_path / "deep.json"
    path.write_text('{"themes": [' + text + "]}", encoding="utf-8")
    json.loads(path.read_text(encoding="utf-8"))
    result = run_cli("tags", "import", tmp_path / "p.annotator", path)
    assert result.code == 0, result.err
    assert "300 tag(s) added" in result.out


# -- search in one long document ------------------------------------------------------------------

LONG_WORDS = ["Sécurité", "security", "regional", "co-operation", "😀", "Café", "crème", "SECURITY", "the"]


def _long_text(words: int, seed: int = 3) -> str:
    import random

    rng = random.Random(seed)
    parts = []
    for _ in range(words):
        parts.append(rng.choice(LONG_WORDS))
        parts.append(rng.choice([" ", " ", "  ", "\n", ", ", ".\n\n"]))
    return "".join(parts)


@pytest.fixture
def long_document(store):
    from annotator.model import ImportedDocument

    text = _long_text(4_000)
    doc = store.add_document(ImportedDocument(title="long", text=text), annotator="x").document_id
    store.add_document(ImportedDocument(title="short", text="regional security, café"), annotator="x")
    return store, doc, text


@pytest.mark.parametrize(
    "query",
    [
        "security",
        "securite",
        "cafe*",
        '"regional security"',
        '"security regional co"',
        "security café",
        "the",
    ],
)
def test_a_long_document_is_searched_in_pieces_with_the_same_hits(long_document, monkeypatch, query):
    from annotator.store import search

    store, _doc, text = long_document
    whole = store.search(query, limit=100_000)  # under _DIRECT_MAX: one highlight() of the text
    assert len(text) < search._DIRECT_MAX
    monkeypatch.setattr(search, "_DIRECT_MAX", 100)
    monkeypatch.setattr(search, "_PIECE", 200)
    monkeypatch.setattr(search, "_OVERLAP", 40)
    monkeypatch.setattr(search, "_BATCH", 3)
    pieces = store.search(query, limit=100_000)
    assert [(h.document_id, h.start, h.end, h.snippet) for h in pieces] == [
        (h.document_id, h.start, h.end, h.snippet) for h in whole
    ]
    assert len(whole) > 0
    limited = store.search(query, limit=7)
    assert limited == pieces[:7]


def test_highlighting_a_long_document_never_copies_more_than_a_piece(store, monkeypatch):
    """FTS5's highlight() costs hits x output length; the output must stay piece-sized."""
    from annotator.model import ImportedDocument
    from annotator.store import search

    monkeypatch.setattr(search, "_DIRECT_MAX", 1_000)
    monkeypatch.setattr(search, "_PIECE", 1_000)
    monkeypatch.setattr(search, "_OVERLAP", 100)
    longest: list[int] = []
    real = search.marked_ranges

    def recording(marked: str) -> list[tuple[int, int]]:
        longest.append(len(marked))
        return real(marked)

    monkeypatch.setattr(search, "marked_ranges", recording)
    for size in (20_000, 40_000):
        text = "security " * (size // 9)
        store.add_document(ImportedDocument(title=f"t{size}", text=text), annotator="x")
    hits = store.search("securit*", limit=1_000_000)  # a prefix: never the plain-word scan
    assert len(hits) == 20_000 // 9 + 40_000 // 9
    assert max(longest) < 1_500  # a piece, its overlap and its markers; the texts are 20,000 and 40,000


# -- hostile HTML ---------------------------------------------------------------------------------

HOSTILE_HTML = {
    "unclosed attribute quotes": lambda n: '<p x="' + '"<a ' * (n // 4),
    "unclosed start tags": lambda n: "<p>" + "<a " * (n // 3),
    "an unclosed comment full of tags": lambda n: "<!--" + "x<y " * (n // 4),
    "stray angle brackets": lambda n: "<" + "a<" * (n // 2),
    "doctypes without an end": lambda n: "<!DOCTYPE" * (n // 9),
    "end tags without an end": lambda n: "</" + "a</" * (n // 3),
}


@pytest.mark.parametrize("shape", sorted(HOSTILE_HTML))
def test_html_is_read_front_to_back_once(shape, monkeypatch):
    """Each piece of markup is read from where the previous one ended: no rescanning, whatever the page."""
    from annotator.importers import html

    markup = HOSTILE_HTML[shape](20_000)
    openings: list[int] = []
    real = html.VisibleText._markup

    def recording(self, text: str, opening: int) -> int:
        openings.append(opening)
        after = real(self, text, opening)
        assert after > opening
        return after

    monkeypatch.setattr(html.VisibleText, "_markup", recording)
    extractor = html.VisibleText()
    extractor.feed(markup)
    assert openings == sorted(set(openings))
    assert len(openings) <= markup.count("<")
    html._ENTITY_DECLARATION.search(markup)


def test_broken_html_reads_as_a_browser_shows_it():
    from annotator.importers.html import VisibleText

    def read(markup: str) -> list[str]:
        extractor = VisibleText()
        extractor.feed(markup)
        return [p for p in extractor.paragraphs() if p]

    assert read('<p>before</p><p title="never closed>hidden <b>text</b>') == ["before"]
    assert read("<p>kept</p><!-- never closed <p>gone") == ["kept"]
    assert read("<p>a < b &amp; c</p><p>2 <3</p>") == ["a < b & c", "2 <3"]
    assert read("<script>if (a<b) {}</script><p>shown</p><style>p{}</STYLE ><p>too</p>") == ["shown", "too"]
    assert read("<P CLASS=x>Upper<BR>case</P ><hr/><p a='1' b=\"2\" c>x</p>") == ["Upper\ncase", "x"]


# -- Office files whose XML would not fit in memory -----------------------------------------------


def _docx(tmp_path, paragraphs: int):
    from tests.format_samples import make_docx

    return make_docx(tmp_path / "big.docx", paragraphs=[f"paragraph {i} of many" for i in range(paragraphs)])


def test_docx_with_more_xml_than_the_limit_is_refused_from_the_directory(tmp_path, monkeypatch):
    from annotator import safety
    from annotator.errors import ImportFailure
    from annotator.importers import ImportOptions
    from annotator.importers.docx import import_docx

    path = _docx(tmp_path, 300)
    assert import_docx(path, ImportOptions())[0].text.startswith("paragraph 0 of many")
    monkeypatch.setattr(safety, "MAX_XML_BYTES", 20_000)
    with pytest.raises(ImportFailure, match=r"too big to read safely \(.* MB of XML unpacked; the limit is"):
        import_docx(path, ImportOptions())


def test_docx_with_more_xml_nodes_than_the_limit_is_refused_before_any_tree(tmp_path, monkeypatch):
    from annotator import safety
    from annotator.errors import ImportFailure
    from annotator.importers import ImportOptions
    from annotator.importers.docx import import_docx

    path = _docx(tmp_path, 300)
    monkeypatch.setattr(safety, "MAX_XML_NODES", 500)
    opened: list[str] = []
    monkeypatch.setattr("docx.Document", lambda *a, **k: opened.append("parsed"))
    with pytest.raises(ImportFailure, match="more than 500 XML elements and attributes"):
        import_docx(path, ImportOptions())
    assert opened == []


def test_xml_parts_are_checked_as_streams_never_read_whole(tmp_path, monkeypatch):
    import zipfile

    from annotator import safety

    path = _docx(tmp_path, 2_000)
    monkeypatch.setattr(safety, "XML_CHUNK_BYTES", 4096)
    with zipfile.ZipFile(path) as archive:
        largest = max(entry.file_size for entry in archive.infolist())
        assert largest > 10 * 4096
        reads: list[int] = []
        real_open = archive.open

        def counting_open(name, *args, **kwargs):
            stream = real_open(name, *args, **kwargs)
            real_read = stream.read

            def read(size=-1):
                assert size == 4096  # a chunk at a time, never the whole part
                data = real_read(size)
                reads.append(len(data))
                return data

            stream.read = read
            return stream

        monkeypatch.setattr(archive, "open", counting_open)
        monkeypatch.setattr(archive, "read", lambda *a, **k: pytest.fail("a whole part was read"))
        safety.check_xml_parts(archive, what="DOCX file")
    assert max(reads) == 4096


def test_odt_with_too_many_xml_nodes_is_refused(tmp_path, monkeypatch):
    from annotator import safety
    from annotator.errors import ImportFailure
    from annotator.importers import ImportOptions
    from annotator.importers.odt import import_odt
    from tests.format_samples import make_odt, odt_content

    body = "".join(f"<text:p>paragraph {i}</text:p>" for i in range(400))
    path = make_odt(tmp_path / "big.odt", content=odt_content(body))
    assert import_odt(path, ImportOptions())[0].text.startswith("paragraph 0")
    monkeypatch.setattr(safety, "MAX_XML_NODES", 100)
    with pytest.raises(ImportFailure, match="too big to read safely"):
        import_odt(path, ImportOptions())
