"""The REFI-QDA project export (.qdpx): schema-valid, the stored text and offsets exactly, deterministic.

Every archive these tests write is validated against the standard's
``Project.xsd`` (``tests/data/refi-qda``) with lxml, and read back here with
zipfile and lxml only, never with our own reader.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from annotator.exporters import export, format_for_path
from annotator.model import DocumentStatus, ImportedDocument, ImportedSpan, TagKind
from annotator.refiqda import derived_guid
from annotator.refiqda.writer import fast_derived_guid, variable_types
from annotator.store import Store

DATA = Path(__file__).parent / "data" / "refi-qda"
NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"
PROJECT_SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "Project.xsd")))

#: Astral characters (😀, 𝄞) before spans: a UTF-16 count would put "today" at 25, not 24.
TEXT_1 = "Ana: We met in Zürich 😀 today.\nBen: The 𝄞 score, 東京 and مرحبا."
TEXT_2 = "Nothing coded here, only a memo."
TEXT_3 = 'Cleo: e\u0301te\u0301 & <tags> "quoted".'
CREATED = "2026-11-20T09:00:00.000000+00:00"
CHANGED = "2026-11-21T10:30:00.500000+00:00"


def _span(text: str, piece: str, label: str, kind=TagKind.THEME, **extra) -> ImportedSpan:
    start = text.index(piece)
    return ImportedSpan(start, start + len(piece), label, kind, **extra)


def build_project(path: Path) -> dict[str, str]:
    """A project with nested themes, speakers, notes, a memo, typed metadata and statuses; returns doc ids."""
    with Store.create(path) as store:
        top = store.add_tag(kind="theme", name="Places", color="#112233", description="Where things happen")
        mid = store.add_tag(kind="theme", name="Cities", parent_id=top.id, color="#445566")
        store.add_tag(kind="theme", name="Capitals 😀", parent_id=mid.id, color="#778899")
        store.add_tag(kind="theme", name="Music", color="#aabbcc")
        store.add_tag(kind="theme", name="Unused", color="#ddeeff")
        store.add_tag(kind="speaker", name="Ana", color="#e15759")
        store.add_tag(kind="speaker", name="Ben", color="#59a14f")
        one = store.add_document(
            ImportedDocument(
                title="Interview 😀 one",
                text=TEXT_1,
                meta={
                    "year": 2021,
                    "weight": 1.25,
                    "ok": True,
                    "day": "2024-02-29",
                    "mixed": 3,
                    "tags": ["a"],
                },
                spans=(
                    _span(
                        TEXT_1,
                        "Ana: We met in Zürich 😀 today.",
                        "Ana",
                        TagKind.SPEAKER,
                        annotator="auto:transcript",
                    ),
                    _span(
                        TEXT_1,
                        "Zürich",
                        "Cities",
                        annotator="ana",
                        note="a <note> & more\nline two",
                        created=CREATED,
                        updated=CHANGED,
                    ),
                    _span(TEXT_1, "today", "Places", annotator="ben", created=CREATED, updated=CREATED),
                    _span(TEXT_1, "𝄞 score", "Music", annotator="ana"),
                    _span(TEXT_1, "東京", "Capitals 😀", annotator="ben"),
                    _span(TEXT_1, "مرحبا", "Places", annotator="ana"),
                ),
            ),
            annotator="ana",
        ).document_id
        two = store.add_document(
            ImportedDocument(
                title="Memo only", text=TEXT_2, meta={"year": 2022, "weight": 2, "mixed": "n/a"}
            ),
            annotator="ana",
        ).document_id
        three = store.add_document(
            ImportedDocument(
                title="Cleo \x07 bell",
                text=TEXT_3,
                meta={"when": "2024-03-01T12:00:00+01:00", "ok": False},
                spans=(_span(TEXT_3, "<tags>", "Music", annotator="cleo"),),
            ),
            annotator="ana",
        ).document_id
        store.set_document_memo(two, "Memo: read again\r\nsoon")
        store.set_document_status(one, DocumentStatus.DONE)
        store.set_document_status(three, DocumentStatus.DONE)
        store.set_document_status(two, DocumentStatus.IN_PROGRESS)
    return {"one": one, "two": two, "three": three}


@pytest.fixture
def project(tmp_path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "study.annotator"
    return path, build_project(path)


def read_qdpx(path: Path) -> tuple[etree._Element, dict[str, bytes]]:
    """project.qde, validated against Project.xsd, and the other entries' bytes."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    root = etree.fromstring(entries.pop("project.qde"))
    PROJECT_SCHEMA.assertValid(root)
    return root, entries


def export_qdpx(project: Path, out: Path, **filters):
    with Store.open(project, read_only=True) as store:
        return export(store, out, format="qdpx", **filters)


def _selections(root) -> list[tuple[str, int, int, str, str]]:
    """(source guid, start, end, code name, user name) of every selection."""
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    rows = []
    for source in root.iter(f"{Q}TextSource"):
        for sel in source.findall(f"{Q}PlainTextSelection"):
            (coding,) = sel.findall(f"{Q}Coding")
            code = coding.find(f"{Q}CodeRef").get("targetGUID")
            assert coding.get("creatingUser") == sel.get("creatingUser")
            rows.append(
                (
                    source.get("guid"),
                    int(sel.get("startPosition")),
                    int(sel.get("endPosition")),
                    codes[code],
                    users[sel.get("creatingUser")],
                )
            )
    return rows


def test_the_archive_holds_the_stored_texts_and_offsets_that_slice_them(project, tmp_path):
    path, ids = project
    summary = export_qdpx(path, tmp_path / "out.qdpx")
    assert (summary.documents, summary.spans) == (3, 7)
    root, entries = read_qdpx(tmp_path / "out.qdpx")
    assert sorted(entries) == sorted(f"sources/{doc_id}.txt" for doc_id in ids.values())
    assert entries[f"sources/{ids['one']}.txt"] == TEXT_1.encode("utf-8")  # no BOM, no line-end change
    assert entries[f"sources/{ids['three']}.txt"] == TEXT_3.encode("utf-8")
    texts = {doc_id: entries[f"sources/{doc_id}.txt"].decode("utf-8") for doc_id in ids.values()}
    sources = {s.get("guid"): s for s in root.iter(f"{Q}TextSource")}
    assert sources[ids["one"]].get("plainTextPath") == f"internal://{ids['one']}.txt"
    assert sources[ids["one"]].get("name") == "Interview 😀 one"
    with Store.open(path, read_only=True) as store:
        stored = {
            (a.document_id, a.start, a.end, store.tag(a.tag_id).name, a.annotator)
            for doc_id in ids.values()
            for a in store.annotations_for_document(doc_id)
        }
        assert sources[ids["one"]].get("creationDateTime") == store.document(ids["one"]).imported_at
    assert set(_selections(root)) == stored
    # Code points, worked by hand: "today" starts after one astral character (UTF-16 would say 25).
    assert (ids["one"], 24, 29, "Places", "ben") in stored
    assert texts[ids["one"]][24:29] == "today"
    for guid, start, end, _code, _user in _selections(root):
        assert 0 <= start < end <= len(texts[guid])


def test_codes_nest_speakers_sit_under_a_non_codable_parent_and_users_are_stable(project, tmp_path):
    path, _ = project
    root, _ = read_qdpx(_exported(path, tmp_path))
    (codes,) = root.iter(f"{Q}Codes")
    top = [(c.get("name"), c.get("isCodable"), c.get("color")) for c in codes.findall(f"{Q}Code")]
    assert top == [
        ("Places", "true", "#112233"),
        ("Music", "true", "#aabbcc"),
        ("Unused", "true", "#ddeeff"),
        ("Speakers", "false", None),
    ]
    places = codes.find(f"{Q}Code")
    assert places.find(f"{Q}Description").text == "Where things happen"
    assert [c.get("name") for c in places.iter(f"{Q}Code")] == ["Places", "Cities", "Capitals 😀"]
    speakers = codes.findall(f"{Q}Code")[-1]
    assert [c.get("name") for c in speakers.findall(f"{Q}Code")] == ["Ana", "Ben"]
    users = {u.get("name"): u.get("guid") for u in root.iter(f"{Q}User")}
    assert sorted(users) == ["ana", "auto:transcript", "ben", "cleo"]
    namespace = uuid.UUID("0f13d2c6-1508-4972-8811-9fc53e9261fb")
    assert users["ana"] == str(uuid.uuid5(namespace, "user:ana"))
    other = tmp_path / "other.annotator"
    with Store.create(other) as store:
        tag = store.add_tag(kind="theme", name="X")
        doc = store.add_document(ImportedDocument(title="t", text="abc"), annotator="z").document_id
        store.add_annotation(document_id=doc, start=0, end=1, tag_id=tag.id, annotator="ana")
    other_root, _ = read_qdpx(_exported(other, tmp_path, "other.qdpx"))
    assert [u.get("guid") for u in other_root.iter(f"{Q}User")] == [users["ana"]]


def _exported(project: Path, tmp_path: Path, name: str = "out.qdpx", **filters) -> Path:
    out = tmp_path / name
    export_qdpx(project, out, **filters)
    return out


def test_notes_memos_times_variables_and_sets(project, tmp_path):
    path, ids = project
    root, _ = read_qdpx(_exported(path, tmp_path))
    notes = {n.get("guid"): n for n in root.find(f"{Q}Notes")}
    with Store.open(path, read_only=True) as store:
        noted = next(a for a in store.annotations_for_document(ids["one"]) if a.note)
    (selection,) = [s for s in root.iter(f"{Q}PlainTextSelection") if s.get("guid") == noted.id]
    assert selection.get("creationDateTime") == CREATED and selection.get("modifiedDateTime") == CHANGED
    note_ref = selection.find(f"{Q}NoteRef").get("targetGUID")
    assert note_ref == derived_guid("note", noted.id)
    assert notes[note_ref].find(f"{Q}PlainTextContent").text == "a <note> & more\nline two"
    assert notes[note_ref].get("creatingUser") == selection.get("creatingUser")
    unchanged = [s for s in root.iter(f"{Q}PlainTextSelection") if s.get("creationDateTime") == CREATED]
    assert [s.get("modifiedDateTime") for s in unchanged] == [CHANGED, None]
    sources = {s.get("guid"): s for s in root.iter(f"{Q}TextSource")}
    (memo_ref,) = sources[ids["two"]].findall(f"{Q}NoteRef")
    assert notes[memo_ref.get("targetGUID")].find(f"{Q}PlainTextContent").text == "Memo: read again\r\nsoon"
    variables = {v.get("name"): (v.get("guid"), v.get("typeOfVariable")) for v in root.iter(f"{Q}Variable")}
    assert {name: kind for name, (_, kind) in variables.items()} == {
        "year": "Integer",
        "weight": "Float",  # 1.25 and 2
        "ok": "Boolean",
        "day": "Date",
        "mixed": "Text",  # 3 and "n/a"
        "tags": "Text",
        "when": "DateTime",
    }
    by_guid = {guid: name for name, (guid, _) in variables.items()}

    def values(doc_id):
        return {
            by_guid[v.find(f"{Q}VariableRef").get("targetGUID")]: v[1].text
            for v in sources[doc_id].findall(f"{Q}VariableValue")
        }

    assert values(ids["one"]) == {
        "year": "2021",
        "weight": "1.25",
        "ok": "true",
        "day": "2024-02-29",
        "mixed": "3",
        "tags": '["a"]',
    }
    assert values(ids["two"]) == {"year": "2022", "weight": "2", "mixed": "n/a"}
    assert values(ids["three"]) == {"when": "2024-03-01T12:00:00+01:00", "ok": "false"}
    sets = {s.get("name"): [m.get("targetGUID") for m in s] for s in root.iter(f"{Q}Set")}
    assert sets == {"Status: in progress": [ids["two"]], "Status: done": [ids["one"], ids["three"]]}


def test_two_exports_are_byte_identical_with_fixed_entry_dates(project, tmp_path):
    path, _ = project
    first, second = _exported(path, tmp_path, "a.qdpx"), _exported(path, tmp_path, "b.qdpx")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_filters_choose_spans_and_documents_as_in_every_format(project, tmp_path):
    path, ids = project
    root, entries = read_qdpx(_exported(path, tmp_path, "ann.qdpx", annotators=["ana"]))
    assert {row[4] for row in _selections(root)} == {"ana"} and len(_selections(root)) == 3
    assert [u.get("name") for u in root.iter(f"{Q}User")] == ["ana"]
    root, _ = read_qdpx(_exported(path, tmp_path, "tag.qdpx", tags=["music"]))
    assert sorted((row[3], row[4]) for row in _selections(root)) == [("Music", "ana"), ("Music", "cleo")]
    assert "Unused" in {c.get("name") for c in root.iter(f"{Q}Code")}  # the codebook stays whole
    root, _ = read_qdpx(_exported(path, tmp_path, "kind.qdpx", kind="speaker"))
    assert [row[3] for row in _selections(root)] == ["Ana"]
    root, entries = read_qdpx(_exported(path, tmp_path, "only.qdpx", only_annotated=True))
    assert sorted(entries) == sorted(f"sources/{ids[k]}.txt" for k in ("one", "three"))
    assert ids["two"] not in {s.get("guid") for s in root.iter(f"{Q}TextSource")}
    assert [m.get("targetGUID") for m in root.iter(f"{Q}MemberSource")] == [ids["one"], ids["three"]]


def test_what_the_format_cannot_carry_is_listed(project, tmp_path):
    path, ids = project
    with Store.open(path) as store:
        annotation = store.annotations_for_document(ids["one"])[0]
        store.record_adjudication(
            annotation_id=annotation.id, decision="accepted", disagreement="k", decided_by="ana"
        )
    summary = export_qdpx(path, tmp_path / "out.qdpx")
    (note,) = [n for n in summary.notes if n.startswith("not carried by the qdpx format: ")]
    assert "1 review decision(s)" in note
    assert "the spans of auto:transcript were made by a program" in note
    assert "the structure of 1 list or object metadata value(s)" in note
    assert "1 control character(s)" in note  # the bell in a title
    root, _ = read_qdpx(tmp_path / "out.qdpx")
    assert "Cleo \ufffd bell" in {s.get("name") for s in root.iter(f"{Q}TextSource")}


def test_the_command_line_exports_by_suffix_and_lists_what_was_not_carried(project, tmp_path, run_cli):
    path, _ = project
    assert format_for_path("x.QDPX") == "qdpx"
    result = run_cli("export", path, tmp_path / "cli.qdpx")
    assert result.code == 0, result.err
    assert "exported 3 document(s) and 7 span(s)" in result.err
    assert "not carried by the qdpx format:" in result.err
    read_qdpx(tmp_path / "cli.qdpx")
    result = run_cli("export", path, tmp_path / "named.bin", "--format", "qdpx", "--kind", "theme")
    assert result.code == 0 and zipfile.is_zipfile(tmp_path / "named.bin")
    result = run_cli("export", path, tmp_path / "missing" / "x.qdpx")
    assert result.code == 1
    assert result.err.strip().count("\n") == 0 and "folder does not exist" in result.err
    assert not (tmp_path / "missing").exists()


def test_an_empty_project_exports_a_valid_archive(tmp_path):
    path = tmp_path / "empty.annotator"
    Store.create(path).close()
    root, entries = read_qdpx(_exported(path, tmp_path))
    assert entries == {} and root.get("name") == "empty"


def test_a_damaged_span_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "p.annotator"
    with Store.create(path) as store:
        tag = store.add_tag(kind="theme", name="T")
        doc = store.add_document(ImportedDocument(title="t", text="abc"), annotator="z").document_id
        store.add_annotation(document_id=doc, start=0, end=2, tag_id=tag.id, annotator="a")
        store.db.conn.execute('UPDATE annotations SET "end" = 9')
        store.db.conn.commit()
    with Store.open(path, read_only=True) as store, pytest.raises(Exception, match="outside its text"):
        export(store, tmp_path / "bad.qdpx", format="qdpx")
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("p.annotator")] == []


def test_derived_guids_are_uuid5_of_the_fixed_namespace():
    assert fast_derived_guid("coding", "abc") == derived_guid("coding", "abc")
    assert fast_derived_guid("note", "😀") == derived_guid("note", "😀")


def test_variable_types_widen_to_what_every_value_allows():
    metas = [
        {"a": 1, "b": 1, "c": "2024-01-31", "d": None, "e": float("nan")},
        {"a": 2.5, "b": "x", "c": "2024-02-30"},
    ]
    assert variable_types(metas) == {"a": "Float", "b": "Text", "c": "Text", "d": "Text", "e": "Text"}


@pytest.mark.gui
def test_the_export_dialog_offers_and_writes_qdpx(qtbot, project, tmp_path):
    from annotator.gui.export_dialog import ExportDialog

    path, _ = project
    dialog = ExportDialog(path)
    qtbot.addWidget(dialog)
    assert "qdpx" in [dialog.format.itemText(i) for i in range(dialog.format.count())]
    dialog.choose_path(str(tmp_path / "from-dialog.qdpx"), "native")  # the suffix picks the format
    assert dialog.format.currentText() == "qdpx"
    dialog.only_annotated.setChecked(True)
    with qtbot.waitSignal(dialog.finished_export, timeout=30_000):
        dialog.start()
    dialog.worker.wait()
    root, entries = read_qdpx(tmp_path / "from-dialog.qdpx")
    assert len(entries) == 2 and len(_selections(root)) == 7
    assert "Exported 2 document(s) and 7 span(s)" in dialog.message.text()
    assert "Not carried by the qdpx format:" in dialog.message.text()


def test_ids_that_are_not_guids_get_derived_ones_and_the_archive_stays_valid(tmp_path):
    path = tmp_path / "p.annotator"
    with Store.create(path) as store:
        tag = store.add_tag(kind="theme", name="T")
        doc = store.add_document(ImportedDocument(title="t", text="abcdef"), annotator="z").document_id
        store.add_annotation(document_id=doc, start=0, end=2, tag_id=tag.id, annotator="a")
        store.add_annotation(document_id=doc, start=2, end=4, tag_id=tag.id, annotator="a")
        store.db.conn.execute("UPDATE annotations SET id = 'legacy-1' WHERE start = 0")
        store.db.conn.commit()
    root, _ = read_qdpx(_exported(path, tmp_path))
    guids = [s.get("guid") for s in root.iter(f"{Q}PlainTextSelection")]
    assert guids[0] == derived_guid("id", "legacy-1") and len(set(guids)) == 2
    codings = [c.get("guid") for c in root.iter(f"{Q}Coding")]
    assert codings[1] == guids[1].translate(str.maketrans("0123456789abcdef", "fedcba9876543210"))


def test_a_cancelled_export_leaves_no_file_and_no_thread(project, tmp_path):
    import threading

    from annotator.exporters import ExportError

    path, _ = project
    before = threading.active_count()
    calls = []
    with Store.open(path, read_only=True) as store, pytest.raises(ExportError, match="cancelled"):
        export(
            store,
            tmp_path / "out.qdpx",
            format="qdpx",
            should_cancel=lambda: calls.append(1) or len(calls) > 1,
        )
    assert len(calls) == 2  # one document was written before the cancel
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".annotator" and "study" not in p.name] == []
    assert threading.active_count() == before
