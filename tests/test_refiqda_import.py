"""Importing REFI-QDA projects (``.qdpx``) shaped as NVivo, ATLAS.ti, MAXQDA and QualCoder write them.

Every file is built by ``tests.refiqda_fixtures`` with the vendor's quirk;
offsets are written in the counting the test names and the spans must land
on the words the test names, in code points of the stored (normalised) text.
"""

from __future__ import annotations

import zipfile

import pytest

from annotator.importers import ImportOptions
from annotator.importers.batch import import_paths
from annotator.importers.qdpx import COMMENTS_THEME
from annotator.model import ImportedDocument, TagKind
from annotator.store import Store
from tests.format_samples import BILLION_LAUGHS, make_docx, make_pdf, xxe_prolog, zip_bomb_part
from tests.refiqda_fixtures import Sel, Src, build_qdpx, gid

EMOJI_CRLF = "Hi \U0001f600 there\r\nsecond \U0001f389 line\r\nthe end"
CODES = [
    {
        "guid": 10,
        "name": "Feelings",
        "color": "#abc",
        "description": "How people feel",
        "children": [{"guid": 11, "name": "Joy", "color": "#00ff00"}, {"guid": 12, "name": "Fear"}],
    },
    {"guid": 13, "name": "Places"},
]


def words(text: str, *picked: str) -> list[tuple[int, int]]:
    """Code-point ranges of words in ``text`` as written."""
    return [(text.index(w), text.index(w) + len(w)) for w in picked]


def sel(text: str, word: str, code: int, n: int, **extra) -> Sel:
    start = text.index(word)
    return Sel(start, start + len(word), codes=(code,), guid=n, **extra)


def spans_of(store: Store) -> list[tuple[str, str, str, str | None, str | None]]:
    """(document title, covered text, tag name, annotator, note) of every annotation, sorted."""
    tags = {t.id: t.name for t in store.tags()}
    out = []
    for doc in store.iter_documents():
        for a in store.annotations_for_document(doc.id):
            out.append((doc.title, doc.text[a.start : a.end], tags[a.tag_id], a.annotator, a.note))
    return sorted(out)


def run(store, *paths, **options):
    report = import_paths(store, list(paths), annotator="me", options=ImportOptions(**options))
    return report.results[0] if len(report.results) == 1 else report.results


@pytest.fixture
def store(tmp_path):
    with Store.create(tmp_path / "p.annotator") as s:
        yield s


def test_nvivo_shape_utf16_crlf_as_two_braces_bom_and_sources_folder(tmp_path, store):
    src = Src(
        "Interview 1",
        EMOJI_CRLF,
        [sel(EMOJI_CRLF, "there", 11, 1, user=7), sel(EMOJI_CRLF, "line", 12, 2, user=7)],
        guid=100,
        counting="u16crlf",
        bom=True,
    )
    path = build_qdpx(
        tmp_path / "nvivo.qdpx", [src], codes=CODES, users={7: "Nora"}, sources_dir="Sources", braces=True
    )
    result = run(store, path)
    assert result.status == "imported", result
    assert "source 'Interview 1': offsets in UTF-16 units with CR LF as two" in result.message
    assert spans_of(store) == [
        ("Interview 1", "line", "Fear", "Nora", None),
        ("Interview 1", "there", "Joy", "Nora", None),
    ]
    doc = next(store.iter_documents())
    assert doc.text == EMOJI_CRLF.replace("\r\n", "\n")  # the BOM is gone, line breaks normalised
    assert doc.id == gid(100)  # braces and upper case dropped
    ids = {a.id for a in store.annotations_for_document(doc.id)}
    assert ids == {gid(1), gid(2)}  # from the selection GUIDs
    tags = {t.name: t for t in store.tags()}
    assert tags["Joy"].parent_id == tags["Feelings"].id and tags["Fear"].parent_id == tags["Feelings"].id
    assert tags["Feelings"].color == "#aabbcc" and tags["Joy"].color == "#00ff00"
    assert tags["Feelings"].description == "How people feel"
    assert tags["Places"].parent_id is None  # a code never used still comes in


def test_atlas_shape_named_qde_with_bom_inline_text_and_quotation_names(tmp_path, store):
    text = "Anna said: \U0001f9ea tests matter.\r\nBen agreed."
    src = Src(
        "Memo A",
        text,
        [sel(text, "tests matter", 13, 1, name="tests matter"), sel(text, "Ben", 13, 2, name="Ben")],
        guid=101,
        inline=True,
        counting="cp2",
    )
    path = build_qdpx(tmp_path / "atlas.qdpx", [src], codes=CODES, qde_name="My Study.qde", qde_bom=True)
    result = run(store, path)
    assert result.status == "imported", result
    assert "offsets in code points with CR LF as two" in result.message
    assert [s[1] for s in spans_of(store)] == ["Ben", "tests matter"]
    assert spans_of(store)[0][3] == "me"  # no user in the file: the importer's name


def test_mixed_sources_each_get_their_own_counting(tmp_path, store):
    plain = "Nothing special here at all."
    emoji_only = "Joy \U0001f600\U0001f600 then calm words"
    sources = [
        Src(
            "crlf-u16",
            EMOJI_CRLF,
            [sel(EMOJI_CRLF, "there", 11, 5), sel(EMOJI_CRLF, "end", 11, 1)],
            guid=100,
            counting="u16",
        ),
        Src("emoji-cp", emoji_only, [sel(emoji_only, "calm", 12, 2)], guid=101, counting="cp"),
        Src("emoji-u16", emoji_only + " x", [sel(emoji_only, "calm", 12, 3)], guid=102, counting="u16"),
        Src("plain", plain, [sel(plain, "special", 13, 4)], guid=103, counting="u16crlf"),
    ]
    result = run(store, build_qdpx(tmp_path / "mixed.qdpx", sources, codes=CODES))
    assert "source 'crlf-u16': offsets in UTF-16 units;" in result.message
    assert "source 'emoji-cp': offsets in code points;" in result.message
    assert "source 'emoji-u16': offsets in UTF-16 units;" in result.message
    assert "source 'plain': offsets in code points (every counting agrees here)" in result.message
    assert [(s[0], s[1]) for s in spans_of(store)] == [
        ("crlf-u16", "end"),
        ("crlf-u16", "there"),
        ("emoji-cp", "calm"),
        ("emoji-u16", "calm"),
        ("plain", "special"),
    ]


def test_older_qualcoder_paths_without_internal_scheme(tmp_path, store):
    text = "Plain words in a file."
    src = Src(
        "Q", text, [sel(text, "words", 13, 1)], guid=100, path_form="bare", file_name="My Interview.txt"
    )
    result = run(store, build_qdpx(tmp_path / "qc.qdpx", [src], codes=CODES))
    assert result.status == "imported"
    assert [s[1] for s in spans_of(store)] == ["words"]


def test_a_percent_encoded_path_finds_its_file(tmp_path, store):
    text = "Encoded name."
    src = Src("P", text, [sel(text, "Encoded", 13, 1)], guid=100, file_name="My Interview.txt")
    path = build_qdpx(tmp_path / "pct.qdpx", [src], codes=CODES)
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["project.qde"] = parts["project.qde"].replace(
        b"internal://My Interview.txt", b"internal://My%20Interview.txt"
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert run(store, path).status == "imported"
    assert [s[1] for s in spans_of(store)] == ["Encoded"]


def test_relative_and_absolute_sources_are_skipped_in_one_line_each(tmp_path, store):
    text = "Inside the archive."
    sources = [
        Src("inside", text, [sel(text, "Inside", 13, 1)], guid=100),
        Src("outside", "secret", guid=101, path_form="relative", file_name="../../etc/passwd"),
        Src("far", "secret", guid=102, path_form="absolute", file_name="C:/data/x.txt"),
    ]
    result = run(store, build_qdpx(tmp_path / "rel.qdpx", sources, codes=CODES))
    assert result.status == "imported"
    assert [d.title for d in store.iter_documents()] == ["inside"]
    skipped = dict(result.skipped_parts)
    assert "outside the archive (relative://../../etc/passwd); not read" in skipped["source 'outside'"]
    assert "absolute://C:/data/x.txt" in skipped["source 'far'"]


def test_maxqda_comment_without_coding_becomes_a_comment_span(tmp_path, store):
    text = "We met twice. The second time was tense."
    start = text.index("The second")
    comment = Sel(start, len(text) - 1, guid=5, description="Check this with the team")
    src = Src("M", text, [sel(text, "twice", 13, 1), comment], guid=100)
    result = run(store, build_qdpx(tmp_path / "mx.qdpx", [src], codes=CODES))
    assert result.status == "imported"
    found = spans_of(store)
    assert ("M", "The second time was tense", COMMENTS_THEME, "me", "Check this with the team") in found
    theme = store.find_tag(TagKind.THEME, COMMENTS_THEME)
    assert "comment" in theme.description


def test_a_comment_that_repeats_its_passage_is_still_kept(tmp_path, store):
    text = "Remember this. Other words."
    comment = Sel(0, 13, guid=5, description="Remember this")
    run(store, build_qdpx(tmp_path / "c.qdpx", [Src("C", text, [comment], guid=100)], codes=CODES))
    assert spans_of(store) == [("C", "Remember this", COMMENTS_THEME, "me", "Remember this")]


def test_a_selection_that_fits_no_counting_is_reported_and_not_stored(tmp_path, store, run_cli):
    text = EMOJI_CRLF
    # UTF-16 units [13, 14) cut through "second" under every counting, and its name is not there.
    bad = Sel(0, 0, codes=(13,), guid=9, name="nowhere to be found", raw=(13, 14))
    src = Src("S", text, [sel(text, "there", 13, 1), sel(text, "line", 13, 2), bad], guid=100, counting="u16")
    path = build_qdpx(tmp_path / "bad.qdpx", [src], codes=CODES)
    result = run(store, path)
    assert [s[1] for s in spans_of(store)] == ["line", "there"]
    ((where, why),) = result.part_failures
    assert where == f"source 'S', selection {gid(9)}"
    assert why == "[13, 14) fits no offset counting (its text or word boundaries do not match); not stored"
    cli = run_cli("import", tmp_path / "cli.annotator", path)
    assert cli.code == 1
    assert f"failed: {path}:source 'S', selection {gid(9)}: [13, 14) fits no offset counting" in cli.err
    strict = run_cli("import", tmp_path / "strict.annotator", path, "--strict")
    assert strict.code == 1 and "nothing stored (--strict)" in strict.err
    with Store.open(tmp_path / "strict.annotator", read_only=True) as kept:
        assert kept.document_count() == 0 and kept.tags() == []


def test_a_selection_inside_a_word_stands_where_every_counting_agrees(tmp_path, store):
    text = "Unbelievable results."
    src = Src("W", text, [Sel(2, 8, codes=(13,), guid=1)], guid=100, counting="u16crlf")
    run(store, build_qdpx(tmp_path / "w.qdpx", [src], codes=CODES))
    assert [s[1] for s in spans_of(store)] == ["believ"]


def test_importing_twice_adds_nothing(tmp_path, store):
    src = Src("I", EMOJI_CRLF, [sel(EMOJI_CRLF, "there", 11, 1)], guid=100, counting="u16crlf", notes=(50,))
    path = build_qdpx(tmp_path / "twice.qdpx", [src], codes=CODES, notes={50: "A memo."})
    first = run(store, path)
    before = (
        spans_of(store),
        [(t.name, t.parent_id) for t in store.tags()],
        next(store.iter_documents()).memo,
    )
    second = run(store, path)
    assert first.annotations_added == 1
    assert second.status == "duplicate" and second.annotations_added == 0 and second.spans_present == 1
    after = (
        spans_of(store),
        [(t.name, t.parent_id) for t in store.tags()],
        next(store.iter_documents()).memo,
    )
    assert after == before
    assert before[2] == "A memo."


def test_an_existing_document_gets_the_codings_and_codes_match_tags_by_name(tmp_path, store):
    text = "Shared text about joy and fear."
    existing = store.add_document(ImportedDocument(title="mine", text=text), annotator="me").document_id
    joy = store.add_tag(kind="theme", name="joy", color="#123456")
    src = Src("theirs", text, [sel(text, "joy", 11, 1, user=7), sel(text, "fear", 12, 2, user=7)], guid=100)
    result = run(store, build_qdpx(tmp_path / "shared.qdpx", [src], codes=CODES, users={7: "Ola"}))
    assert result.status == "duplicate"
    assert [d.title for d in store.iter_documents()] == ["mine"]
    by_tag = {a.tag_id: a for a in store.annotations_for_document(existing)}
    assert joy.id in by_tag and by_tag[joy.id].annotator == "Ola"
    assert store.tag(joy.id).color == "#123456"  # our tag is kept as it is


def test_notes_memos_variables_and_descriptions(tmp_path, store):
    text = "Notes go where they belong."
    src = Src(
        "V",
        text,
        [sel(text, "Notes", 13, 1, notes=(51,), description="a remark")],
        guid=100,
        notes=(50,),
        variables={60: "42", 61: "north"},
        description="Second interview",
    )
    path = build_qdpx(
        tmp_path / "v.qdpx",
        [src],
        codes=CODES,
        notes={50: "Memo of the source.", 51: "Note on the coding."},
        variables={60: "age", 61: "region"},
    )
    run(store, path)
    doc = next(store.iter_documents())
    assert doc.memo == "Memo of the source."
    assert doc.meta == {"description": "Second interview", "age": "42", "region": "north"}
    assert spans_of(store)[0][4] == "a remark\n\nNote on the coding."


def test_codes_of_one_name_under_two_parents_stay_apart(tmp_path, store):
    codes = [
        {"guid": 1, "name": "Economy", "children": [{"guid": 2, "name": "Positive"}]},
        {"guid": 3, "name": "Health", "children": [{"guid": 4, "name": "Positive"}]},
    ]
    text = "Good jobs and good care."
    src = Src("T", text, [sel(text, "jobs", 2, 1), sel(text, "care", 4, 2)], guid=100)
    run(store, build_qdpx(tmp_path / "dup.qdpx", [src], codes=codes))
    assert [(s[1], s[2]) for s in spans_of(store)] == [("care", "Positive (Health)"), ("jobs", "Positive")]


def test_docx_and_pdf_sources_read_by_our_importers(tmp_path, store):
    docx = make_docx(tmp_path / "d.docx", paragraphs=["Word text here."])
    pdf = make_pdf(tmp_path / "p.pdf", ["PDF page text."])
    members = {"sources/d.docx": docx.read_bytes(), "sources/p.pdf": pdf.read_bytes()}
    extra = ""
    path = build_qdpx(tmp_path / "rich.qdpx", [], codes=CODES, members=members, extra=extra)
    # Sources with rich text only: written by hand, as the fixture writes plain ones.
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde").decode()
    qde = qde.replace(
        "<Sources></Sources>",
        f'<Sources><TextSource guid="{gid(100)}" name="Word" richTextPath="internal://d.docx">'
        f'<PlainTextSelection guid="{gid(1)}" startPosition="5" endPosition="9">'
        f'<Coding guid="{gid(2)}"><CodeRef targetGUID="{gid(13)}"/></Coding></PlainTextSelection></TextSource>'
        f'<PDFSource guid="{gid(101)}" name="Paper" path="internal://p.pdf"/></Sources>',
    )
    rebuilt = tmp_path / "rich2.qdpx"
    with zipfile.ZipFile(rebuilt, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, data in members.items():
            archive.writestr(name, data)
    result = run(store, rebuilt)
    assert result.status == "imported", result
    texts = {d.title: d.text for d in store.iter_documents()}
    assert texts["Word"] == "Word text here."
    assert "PDF page text." in texts["Paper"]
    assert [s[1] for s in spans_of(store)] == ["text"]


def test_a_zip_bomb_is_refused_in_one_line(tmp_path, store):
    path = build_qdpx(tmp_path / "bomb.qdpx", [], codes=CODES, members={"sources/big.txt": zip_bomb_part(20)})
    result = run(store, path)
    assert result.status == "failed"
    assert "zip bomb" in result.message and "\n" not in result.message
    assert store.document_count() == 0 and store.tags() == []


def test_a_path_outside_the_archive_is_refused(tmp_path, store):
    path = build_qdpx(tmp_path / "trav.qdpx", [], codes=CODES, members={"../evil.txt": b"x"})
    result = run(store, path)
    assert result.status == "failed"
    assert "pointing outside the archive; refused" in result.message
    assert store.tags() == []


@pytest.mark.parametrize("doctype", ["laughs", "xxe"])
def test_entities_are_refused_and_nothing_is_stored(tmp_path, store, doctype):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    prolog = BILLION_LAUGHS if doctype == "laughs" else xxe_prolog("Project", secret)
    text = "Some text."
    src = Src("E", text, [sel(text, "Some", 13, 1)], guid=100)
    path = build_qdpx(tmp_path / "ent.qdpx", [src], codes=CODES)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    qde = parts["project.qde"].decode().replace('<?xml version="1.0" encoding="utf-8"?>', prolog.rstrip("\n"))
    parts["project.qde"] = qde.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = run(store, path)
    assert result.status == "failed"
    assert "document type declaration" in result.message and "\n" not in result.message
    assert store.document_count() == 0 and store.tags() == []


def test_a_broken_project_file_fails_alone_and_leaves_nothing(tmp_path, store):
    good = tmp_path / "good.txt"
    good.write_text("A good file.")
    broken = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("project.qde", "<Project><CodeBook><Codes><Code guid=")
    not_zip = tmp_path / "junk.qdpx"
    not_zip.write_bytes(b"not a zip at all")
    empty_zip = tmp_path / "none.qdpx"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "no project here")
    results = {r.path.name: r for r in run(store, good, broken, not_zip, empty_zip)}
    assert results["good.txt"].status == "imported"
    assert results["broken.qdpx"].message.startswith("corrupt project.qde (bad XML")
    assert results["junk.qdpx"].message == "corrupt .qdpx archive (not a readable zip archive)"
    assert results["none.qdpx"].message == "not a REFI-QDA project: the .qdpx archive holds no project.qde"
    assert store.document_count() == 1 and store.tags() == []


def test_the_command_line_imports_a_qdpx(tmp_path, run_cli):
    src = Src("Interview 1", EMOJI_CRLF, [sel(EMOJI_CRLF, "line", 11, 1)], guid=100, counting="u16crlf")
    path = build_qdpx(tmp_path / "cli.qdpx", [src], codes=CODES)
    project = tmp_path / "cli.annotator"
    result = run_cli("import", project, path)
    assert result.code == 0, result.err
    assert (
        f"imported: {path} (1 annotation(s); 4 tag(s) added; "
        "source 'Interview 1': offsets in UTF-16 units with CR LF as two)" in result.out
    )
    again = run_cli("import", project, path)
    assert again.code == 0
    assert "already in the project" in again.out


def test_a_codebook_given_to_import_adds_its_codes_as_tags_import_does(tmp_path, run_cli):
    from annotator.refiqda import CODEBOOK_NS

    qdc = tmp_path / "codes.qdc"
    qdc.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{CODEBOOK_NS}"><Codes>'
        f'<Code guid="{gid(1)}" name="Feelings" isCodable="true" color="#abcdef">'
        f'<Code guid="{gid(2)}" name="Joy" isCodable="true"/></Code></Codes></CodeBook>',
        encoding="utf-8",
    )
    project = tmp_path / "c.annotator"
    result = run_cli("import", project, qdc)
    assert result.code == 0, result.err
    assert f"imported: {qdc} (2 tag(s) added)" in result.out
    with Store.open(project, read_only=True) as store:
        tags = {t.name: t for t in store.tags()}
    assert tags["Joy"].parent_id == tags["Feelings"].id and tags["Feelings"].color == "#abcdef"
    again = run_cli("import", project, qdc)
    assert again.code == 0 and f"skipped: {qdc}: every code is in the project already" in again.out
    broken = tmp_path / "broken.qdc"
    broken.write_text("not xml", encoding="utf-8")
    failed = run_cli("import", project, broken)
    assert failed.code == 1
    assert f"failed: {broken}: not well-formed XML (syntax error: line 1, column 0)\n" in failed.err


@pytest.mark.gui
def test_dropping_a_qdpx_on_the_window_imports_it(make_window, emoji_project, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    from annotator.gui.features.importing import NOT_TRANSCRIPTS
    from annotator.importers import supported_suffixes

    assert (
        ".qdpx" in supported_suffixes() and ".qdpx" in NOT_TRANSCRIPTS
    )  # offered by Import, not as transcripts
    src = Src(
        "Interview 1", EMOJI_CRLF, [sel(EMOJI_CRLF, "line", 11, 1, user=7)], guid=100, counting="u16crlf"
    )
    path = build_qdpx(tmp_path / "nvivo.qdpx", [src], codes=CODES, users={7: "Nora"})
    window = make_window(emoji_project)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(window.rect().center(), *args)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(QDropEvent(QPointF(window.rect().center()), *args))
    qtbot.waitUntil(lambda: window.importing.last_report is not None, timeout=20_000)
    (result,) = window.importing.last_report.results
    assert result.status == "imported", result.message
    assert "offsets in UTF-16 units with CR LF as two" in result.message
    from annotator.gui.dialogs import import_report_details

    assert import_report_details(window.importing.last_report) == [
        "imported: nvivo.qdpx: 4 tag(s) added; source 'Interview 1': offsets in UTF-16 units with CR LF as two"
    ]
    [new] = [d for d in window.store.documents() if d.title == "Interview 1"]
    assert any(row.id == new.id for row in window.documents.panel.model.rows)  # the list was refreshed
    (annotation,) = window.store.annotations_for_document(new.id)
    assert window.store.document(new.id).text[annotation.start : annotation.end] == "line"
    assert annotation.annotator == "Nora" and window.store.tag(annotation.tag_id).name == "Joy"


@pytest.mark.parametrize("qde_name", ["project.qde", "Project.qde", "Study 2026.qde"])
def test_the_project_file_is_found_whatever_the_vendor_named_it(tmp_path, store, qde_name):
    text = "Found it."
    src = Src("F", text, [sel(text, "Found", 13, 1)], guid=100)
    path = build_qdpx(tmp_path / "n.qdpx", [src], codes=CODES, qde_name=qde_name, notes={70: "A loose note."})
    result = run(store, path)
    assert result.status == "imported"
    assert [s[1] for s in spans_of(store)] == ["Found"]
    assert dict(result.skipped_parts) == {
        "Notes": "1 note(s) attached to no source, selection, coding or code"
    }


def test_several_codings_of_one_selection_by_several_users_and_a_whole_source_coding(tmp_path, store):
    text = "One passage, two codes."
    both = Sel(0, 11, codes=(11, 12), guid=1, user=7)
    src = Src("S", text, [both], guid=100)
    path = build_qdpx(tmp_path / "multi.qdpx", [src], codes=CODES, users={7: "Nora"})
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    whole = f'<Coding guid="{gid(900)}"><CodeRef targetGUID="{gid(13)}"/></Coding>'
    unknown = f'<Coding guid="{gid(901)}"><CodeRef targetGUID="{gid(999)}"/></Coding>'
    parts["project.qde"] = parts["project.qde"].replace(
        b"</PlainTextSelection>", b"</PlainTextSelection>" + (whole + unknown).encode()
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = run(store, path)
    assert spans_of(store) == [
        ("S", "One passage", "Fear", "Nora", None),
        ("S", "One passage", "Joy", "Nora", None),
        ("S", text, "Places", "me", None),
    ]
    ids = sorted(a.id for a in store.annotations_for_document(gid(100)))
    assert gid(1) not in ids and len(set(ids)) == 3  # derived from the selection and each code
    assert result.part_failures == (("source 'S'", f"its code {gid(999)} is not in the codebook"),)
    assert run(store, path).annotations_added == 0  # derived ids are the same the second time


def test_a_pdf_source_is_read_from_its_text_representation(tmp_path, store):
    text = "Page one words.\n\nPage two words."
    start = text.index("two")
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="P">'
        f'<CodeBook><Codes><Code guid="{gid(13)}" name="Places" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><PDFSource guid="{gid(100)}" name="Report" path="internal://r.pdf">'
        f'<PDFSelection guid="{gid(5)}" page="1" firstX="1" firstY="1" secondX="9" secondY="9"/>'
        f'<Representation guid="{gid(101)}" plainTextPath="internal://r.txt">'
        f'<PlainTextSelection guid="{gid(1)}" startPosition="{start}" endPosition="{start + 3}">'
        f'<Coding guid="{gid(2)}"><CodeRef targetGUID="{gid(13)}"/></Coding></PlainTextSelection>'
        "</Representation></PDFSource></Sources></Project>"
    )
    path = tmp_path / "pdf.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/r.txt", text)
        archive.writestr("sources/r.pdf", b"%PDF-1.4 never read: the representation is there")
    result = run(store, path)
    assert spans_of(store) == [("Report", "two", "Places", "me", None)]
    assert dict(result.skipped_parts) == {
        "source 'Report'": "1 selection(s) of areas or times, not of text; not imported"
    }


def test_a_project_file_over_the_node_limit_is_refused_in_one_line(tmp_path, store, monkeypatch):
    monkeypatch.setattr("annotator.refiqda.reader.MAX_XML_NODES", 50)
    text = "Many selections here."
    sels = [Sel(0, 4, codes=(13,), guid=n) for n in range(1, 40)]
    result = run(store, build_qdpx(tmp_path / "big.qdpx", [Src("B", text, sels, guid=100)], codes=CODES))
    assert result.status == "failed"
    assert (
        result.message
        == "project.qde is too big to read safely (more than 50 XML elements and attributes, the limit); refused"
    )
    assert store.document_count() == 0


def test_cases_with_their_variables_and_an_oversized_source(tmp_path, store):
    small, big = "Small text here.", "Big text " * 200
    sources = [Src("small", small, guid=100, variables={60: "north"}), Src("big", big, guid=101)]
    case = (
        f'<Cases><Case guid="{gid(80)}" name="Site A"><VariableValue><VariableRef targetGUID="{gid(61)}"/>'
        f'<IntegerValue>3</IntegerValue></VariableValue><SourceRef targetGUID="{gid(100)}"/></Case></Cases>'
    )
    path = build_qdpx(
        tmp_path / "cases.qdpx", sources, codes=CODES, variables={60: "region", 61: "visits"}, extra=case
    )
    result = run(store, path, max_file_bytes=1000)
    assert [(d.title, d.meta) for d in store.iter_documents()] == [
        ("small", {"region": "north", "cases": {"Site A": {"visits": 3}}})
    ]
    assert result.part_failures == (
        ("source 'big'", f"its text 'sources/{gid(101)}.txt' is larger than the size limit; not imported"),
    )


def test_many_sources_are_reported_per_counting_naming_every_source_but_the_commonest(tmp_path, store):
    plain = [
        Src(f"plain {n}", f"Plain text {n}.", [sel(f"Plain text {n}.", "Plain", 13, n)], guid=100 + n)
        for n in range(11)
    ]
    odd = Src(
        "odd",
        EMOJI_CRLF,
        [sel(EMOJI_CRLF, "there", 11, 50), sel(EMOJI_CRLF, "end", 11, 51)],
        guid=200,
        counting="u16crlf",
    )
    result = run(store, build_qdpx(tmp_path / "many.qdpx", [*plain, odd], codes=CODES))
    assert result.message.split("; ")[1:] == [
        "offsets in code points (every counting agrees here): 11 source(s) ('plain 0', 'plain 1', 'plain 2', ...)",
        "offsets in UTF-16 units with CR LF as two: 1 source(s) ('odd')",
    ]


def test_a_projects_own_sets_become_their_documents_sets_metadata(tmp_path, store):
    """MAXQDA's "ICLS 2024"-style document sets are kept, by name, in each member's metadata."""
    texts = {100: "First paper.", 101: "Second paper.", 102: "Third paper."}
    sources = [Src(f"paper {g}", text, guid=g) for g, text in texts.items()]
    sets = (
        f'<Sets><Set guid="{gid(90)}" name="ICLS 2024"><MemberSource targetGUID="{gid(100)}"/>'
        f'<MemberSource targetGUID="{gid(101)}"/></Set>'
        f'<Set guid="{gid(91)}" name="Wave 2"><MemberSource targetGUID="{gid(101)}"/></Set>'
        f'<Set guid="{gid(92)}" name="Status: done"><MemberSource targetGUID="{gid(102)}"/></Set></Sets>'
    )
    result = run(store, build_qdpx(tmp_path / "sets.qdpx", sources, codes=CODES, extra=sets))
    by_title = {d.title: d for d in store.iter_documents()}
    assert by_title["paper 100"].meta == {"sets": ["ICLS 2024"]}
    assert by_title["paper 101"].meta == {"sets": ["ICLS 2024", "Wave 2"]}
    assert by_title["paper 102"].meta == {}
    assert by_title["paper 102"].status.value == "done"  # our export's status set, not a metadata set
    assert "2 set(s) kept as their documents' 'sets' metadata" in result.message
    assert not [s for s in result.skipped_parts if s[0] == "Sets"]
