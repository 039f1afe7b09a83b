"""REFI-QDA codebooks (.qdc): written valid against Codebook.xsd, read back defused, bounded, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from annotator.model import TagKind
from annotator.refiqda import CODEBOOK_NS, PROJECT_NS
from annotator.refiqda import codebook as codebook_module
from annotator.refiqda.codebook import Code, CodebookError, codes_to_scheme, parse_codes, read_codebook
from annotator.store import Store

DATA = Path(__file__).parent / "data" / "refi-qda"
CODEBOOK_SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "Codebook.xsd")))
C = f"{{{CODEBOOK_NS}}}"

#: A codebook as another program might write it: braces, upper-case GUIDs, #rgb, a grouping code.
FOREIGN = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{CODEBOOK_NS}" origin="Other QDA 9">
  <Codes>
    <Code guid="{{0A1B2C3D-0000-4000-8000-000000000001}}" name="Emotions" isCodable="false" color="#f0a">
      <Description>Grouping only</Description>
      <Code guid="0a1b2c3d-0000-4000-8000-000000000002" name="Joy" isCodable="true" color="#00FF00"/>
      <Code guid="0a1b2c3d-0000-4000-8000-000000000003" name="Fear" isCodable="true">
        <Code guid="0a1b2c3d-0000-4000-8000-000000000004" name="Dread" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="0a1b2c3d-0000-4000-8000-000000000005" name="  Place  " isCodable="true" color="not a colour"/>
  </Codes>
</CodeBook>
"""


def _project_with_tags(path: Path) -> None:
    with Store.create(path) as store:
        top = store.add_tag(
            kind="theme", name="Security & <risk>", color="#4e79a7", description="line 1\nline 2"
        )
        store.add_tag(kind="theme", name="Terrorism 😀", parent_id=top.id, color="#e15759")
        store.add_tag(kind="theme", name="Economy", color="#59a14f")
        store.add_tag(kind="speaker", name="Norov", color="#1f77b4", description="the minister")


def _tag_shape(path: Path) -> list[tuple]:
    with Store.open(path, read_only=True) as store:
        tags = store.tags()
        names = {tag.id: tag.name for tag in tags}
        return sorted(
            (tag.kind.value, tag.name, tag.color, tag.description, names.get(tag.parent_id)) for tag in tags
        )


def test_export_is_schema_valid_and_imports_back_to_the_same_tags(tmp_path, run_cli):
    source, target = tmp_path / "a.annotator", tmp_path / "b.annotator"
    _project_with_tags(source)
    result = run_cli("tags", "export", source, tmp_path / "tags.qdc")
    assert result.code == 0 and "wrote 5 code(s)" in result.out
    root = etree.parse(str(tmp_path / "tags.qdc")).getroot()
    CODEBOOK_SCHEMA.assertValid(root)
    top = root.find(f"{C}Codes").findall(f"{C}Code")
    assert [(c.get("name"), c.get("isCodable")) for c in top] == [
        ("Security & <risk>", "true"),
        ("Economy", "true"),
        ("Speakers", "false"),
    ]
    assert top[0].find(f"{C}Description").text == "line 1\nline 2"
    result = run_cli("tags", "import", target, tmp_path / "tags.qdc")
    assert result.code == 0 and "4 tag(s) added, 0 already present" in result.out
    assert _tag_shape(target) == _tag_shape(source)
    result = run_cli("tags", "import", target, tmp_path / "tags.qdc")
    assert "0 tag(s) added, 4 already present" in result.out


def test_a_foreign_codebook_becomes_nested_themes(tmp_path, run_cli):
    (tmp_path / "foreign.qdc").write_text(FOREIGN, encoding="utf-8")
    assert not CODEBOOK_SCHEMA.validate(
        etree.parse(str(tmp_path / "foreign.qdc"))
    )  # "not a colour": read anyway
    codes = read_codebook(tmp_path / "foreign.qdc")
    assert codes[0] == Code(
        "0a1b2c3d-0000-4000-8000-000000000001",
        "Emotions",
        False,
        "#ff00aa",
        "Grouping only",
        codes[0].children,
    )
    assert [c.name for c in codes[0].children] == ["Joy", "Fear"]
    assert codes[0].children[0].color == "#00ff00" and codes[1].color is None and codes[1].name == "Place"
    project = tmp_path / "p.annotator"
    assert run_cli("tags", "import", project, tmp_path / "foreign.qdc").code == 0
    assert _tag_shape(project) == [
        ("theme", "Dread", _tag_color(project, "Dread"), "", "Fear"),
        ("theme", "Emotions", "#ff00aa", "Grouping only", None),
        ("theme", "Fear", _tag_color(project, "Fear"), "", "Emotions"),
        ("theme", "Joy", "#00ff00", "", "Emotions"),
        ("theme", "Place", _tag_color(project, "Place"), "", None),
    ]


def _tag_color(project: Path, name: str) -> str:
    with Store.open(project, read_only=True) as store:
        tag = store.find_tag(TagKind.THEME, name)
        assert tag is not None
        return tag.color


def test_parse_codes_reads_a_project_codebook_and_skips_note_refs():
    xml = f"""<Project xmlns="{PROJECT_NS}" name="p"><CodeBook><Codes>
      <Code guid="0a1b2c3d-0000-4000-8000-00000000000a" name="A" isCodable="true">
        <Description>d</Description><NoteRef targetGUID="0a1b2c3d-0000-4000-8000-00000000000f"/>
        <Code guid="0a1b2c3d-0000-4000-8000-00000000000b" name="B" isCodable="1"/>
      </Code></Codes></CodeBook></Project>"""
    root = etree.fromstring(xml)
    codes = root.find(f"{{{PROJECT_NS}}}CodeBook/{{{PROJECT_NS}}}Codes")
    (a,) = parse_codes(codes, PROJECT_NS)
    assert (a.name, a.description, [b.name for b in a.children], a.children[0].codable) == (
        "A",
        "d",
        ["B"],
        True,
    )


def test_speakers_group_becomes_speakers_flattened():
    speakers = Code(
        "0a1b2c3d-0000-4000-8000-000000000001",
        "speakers",
        False,
        None,
        "",
        (
            Code(
                "0a1b2c3d-0000-4000-8000-000000000002",
                "Ana",
                True,
                "#123456",
                "",
                (Code("0a1b2c3d-0000-4000-8000-000000000003", "Ana's echo", True, None, "", ()),),
            ),
        ),
    )
    scheme = codes_to_scheme([speakers])
    assert scheme == {
        "themes": [],
        "speakers": [
            {"name": "Ana", "description": "", "color": "#123456"},
            {"name": "Ana's echo", "description": ""},
        ],
    }


BROKEN = {
    "dtd.qdc": (
        f'<!DOCTYPE CodeBook [<!ENTITY x "boom">]><CodeBook xmlns="{CODEBOOK_NS}"><Codes/></CodeBook>',
        "declares a DTD or entities",
    ),
    "external.qdc": (
        f'<!DOCTYPE CodeBook SYSTEM "http://example.invalid/x.dtd"><CodeBook xmlns="{CODEBOOK_NS}"/>',
        "declares a DTD or entities",
    ),
    "broken.qdc": ("<CodeBook", "not well-formed XML"),
    "root.qdc": ('<CodeBook xmlns="urn:other"/>', "not a REFI-QDA codebook"),
    "nocodes.qdc": (f'<CodeBook xmlns="{CODEBOOK_NS}"/>', "has no Codes"),
    "guid.qdc": (
        f'<CodeBook xmlns="{CODEBOOK_NS}"><Codes><Code guid="nope" name="A" isCodable="true"/></Codes></CodeBook>',
        "guid 'nope' is not a GUID",
    ),
    "twice.qdc": (
        f'<CodeBook xmlns="{CODEBOOK_NS}"><Codes>'
        '<Code guid="0a1b2c3d-0000-4000-8000-000000000001" name="A" isCodable="true"/>'
        '<Code guid="0A1B2C3D-0000-4000-8000-000000000001" name="B" isCodable="true"/></Codes></CodeBook>',
        "is used twice",
    ),
    "noname.qdc": (
        f'<CodeBook xmlns="{CODEBOOK_NS}"><Codes>'
        '<Code guid="0a1b2c3d-0000-4000-8000-000000000001" isCodable="true"/></Codes></CodeBook>',
        "a code has no name",
    ),
    "codable.qdc": (
        f'<CodeBook xmlns="{CODEBOOK_NS}"><Codes>'
        '<Code guid="0a1b2c3d-0000-4000-8000-000000000001" name="A" isCodable="maybe"/></Codes></CodeBook>',
        "isCodable must be true or false",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_codebook_is_refused_in_one_line_and_nothing_is_added(tmp_path, run_cli, name):
    text, message = BROKEN[name]
    (tmp_path / name).write_text(text, encoding="utf-8")
    project = tmp_path / "p.annotator"
    Store.create(project).close()
    result = run_cli("tags", "import", project, tmp_path / name)
    assert result.code == 1 and message in result.err
    assert result.err.strip().count("\n") == 0 and "Traceback" not in result.err
    with Store.open(project, read_only=True) as store:
        assert store.tags() == []


def test_size_and_depth_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(codebook_module, "MAX_CODEBOOK_BYTES", 100)
    (tmp_path / "big.qdc").write_text(FOREIGN, encoding="utf-8")
    with pytest.raises(CodebookError, match="larger than"):
        read_codebook(tmp_path / "big.qdc")
    monkeypatch.undo()
    monkeypatch.setattr(codebook_module, "MAX_DEPTH", 3)
    nested = "".join(
        f'<Code guid="0a1b2c3d-0000-4000-8000-{i:012d}" name="c{i}" isCodable="true">' for i in range(5)
    )
    deep = f'<CodeBook xmlns="{CODEBOOK_NS}"><Codes>{nested}{"</Code>" * 5}</Codes></CodeBook>'
    (tmp_path / "deep.qdc").write_text(deep, encoding="utf-8")
    with pytest.raises(CodebookError, match="nested more than 3 deep"):
        read_codebook(tmp_path / "deep.qdc")
    monkeypatch.undo()
    assert len(read_codebook(tmp_path / "deep.qdc")) == 1  # within the real bound


def test_export_refuses_a_project_without_tags_and_a_name_not_ending_in_qdc(tmp_path, run_cli):
    project = tmp_path / "p.annotator"
    Store.create(project).close()
    result = run_cli("tags", "export", project, tmp_path / "none.qdc")
    assert result.code == 1 and "needs at least one" in result.err and not (tmp_path / "none.qdc").exists()
    _project_with_tags(tmp_path / "q.annotator")
    result = run_cli("tags", "export", tmp_path / "q.annotator", tmp_path / "tags.json")
    assert result.code == 1 and ".qdc" in result.err and not (tmp_path / "tags.json").exists()
    result = run_cli("tags", "export", tmp_path / "q.annotator", tmp_path / "no" / "tags.qdc")
    assert result.code == 1 and "folder does not exist" in result.err
