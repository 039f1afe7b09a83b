"""Our .qdpx read by code that is not ours: every selection must land on the text it was made on.

Two readers, neither of them Annotator's own import:

- ``minimal_reader``, written here from the standard alone with zipfile and
  ElementTree: sources found through ``plainTextPath`` (``internal://``),
  codes through ``CodeRef``, users through ``creatingUser``, offsets taken
  as code points as the standard's characters are. It always runs.
- pyqdpx (PyPI), a third-party library for QDPX files. Its only release
  (0.1.8) uses Python 3.12 syntax and cannot be imported on 3.11, so it is
  run in an interpreter of its own that ``scripts/test`` prepares
  (``scripts/third-party-readers``) on a machine with Python 3.12 or newer;
  without one the two pyqdpx tests skip and say why. pyqdpx models NVivo, which counts a character outside the
  Basic Multilingual Plane as two positions, so it is checked on a project
  without such characters, and its reading of one with them is pinned down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from annotator.exporters import export
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from annotator.store import Store
from tests.test_refiqda_export import build_project

Q = "{urn:QDA-XML:project:1.0}"


def minimal_reader(path: Path) -> list[tuple[str, str, str, str, int, int]]:
    """(source name, selected text, code path, user name, start, end) of every selection in a .qdpx."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("project.qde"))
        texts = {}
        for source in root.iter(f"{Q}TextSource"):
            location = source.get("plainTextPath", "")
            assert location.startswith("internal://")
            texts[source.get("guid")] = archive.read("sources/" + location[len("internal://") :]).decode(
                "utf-8"
            )
    users = {user.get("guid"): user.get("name") for user in root.iter(f"{Q}User")}
    code_paths: dict[str, str] = {}

    def walk(parent, prefix: str) -> None:
        for code in parent.findall(f"{Q}Code"):
            code_paths[code.get("guid")] = prefix + code.get("name")
            walk(code, code_paths[code.get("guid")] + " > ")

    walk(root.find(f"{Q}CodeBook/{Q}Codes"), "")
    rows = []
    for source in root.iter(f"{Q}TextSource"):
        text = texts[source.get("guid")]
        for selection in source.findall(f"{Q}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            code = selection.find(f"{Q}Coding/{Q}CodeRef").get("targetGUID")
            rows.append(
                (
                    source.get("name"),
                    text[start:end],
                    code_paths[code],
                    users[selection.get("creatingUser")],
                    start,
                    end,
                )
            )
    return rows


def _stored(project: Path) -> list[tuple[str, str, str, str, int, int]]:
    with Store.open(project, read_only=True) as store:
        by_id = {tag.id: tag for tag in store.tags()}
        rows = []
        for doc in store.iter_documents():
            for a in store.annotations_for_document(doc.id):
                tag = by_id[a.tag_id]
                path = store.tag_path(tag) if tag.kind == TagKind.THEME else f"Speakers > {tag.name}"
                rows.append((doc.title, doc.text[a.start : a.end], path, a.annotator, a.start, a.end))
    return rows


def _export(project: Path, out: Path) -> Path:
    with Store.open(project, read_only=True) as store:
        export(store, out, format="qdpx")
    return out


def test_an_independent_reader_finds_every_selection_on_its_text(tmp_path):
    project = tmp_path / "p.annotator"
    build_project(project)  # emoji and 𝄞 before spans, CJK, Arabic, combining accents, markup characters
    rows = minimal_reader(_export(project, tmp_path / "out.qdpx"))
    stored = _stored(project)
    # Titles carry one character XML cannot hold (a bell), written as U+FFFD; compare the rest.
    assert sorted(row[1:] for row in rows) == sorted(row[1:] for row in stored)
    assert len(rows) == 7 and ("today" in {row[1] for row in rows})
    assert ("Places > Cities > Capitals 😀", "東京") in {(row[2], row[1]) for row in rows}


def _bmp_project(path: Path) -> None:
    text = "Ana: Müller & Søn in 東京 said «مرحبا».\nBen: e\u0301te\u0301, fine."
    spans = [
        ("Müller & Søn", "Firms"),
        ("東京", "Places"),
        ("مرحبا", "Greetings"),
        ("e\u0301te\u0301", "Seasons"),
    ]
    with Store.create(path) as store:
        store.add_document(
            ImportedDocument(
                title="BMP only",
                text=text,
                spans=tuple(
                    ImportedSpan(
                        text.index(piece), text.index(piece) + len(piece), label, TagKind.THEME, annotator=who
                    )
                    for (piece, label), who in zip(spans, ["ana", "ben", "ana", "ben"], strict=True)
                )
                + (ImportedSpan(0, text.index("\n"), "Ana", TagKind.SPEAKER, annotator="auto:transcript"),),
            ),
            annotator="ana",
        )


#: What pyqdpx reads of a .qdpx, run in its own interpreter: (source, code, text, user) of every coded selection.
_PYQDPX_SCRIPT = """
import json, sys
from pyqdpx import QDPX
project = QDPX(sys.argv[1]).get_project()
print(json.dumps([
    [source.name, sel.code.name, sel.text, sel.user.name]
    for source in project.sources.values()
    for sel in source.coded_selections.values()
]))
"""


def _pyqdpx_reading(qdpx: Path) -> list[tuple[str, str, str, str]]:
    """pyqdpx's reading of ``qdpx``, from the interpreter scripts/third-party-readers prepared.

    pyqdpx 0.1.8 is written in Python 3.12 syntax; Annotator runs on 3.11, so
    the library lives in a virtual environment of its own (``.venv-readers``,
    made by ``scripts/test`` when the machine has Python 3.12 or newer), or in
    this one when it imports here.
    """
    interpreter = os.environ.get("ANNOTATOR_PYQDPX_PYTHON") or ""
    if not interpreter:
        made = Path(__file__).resolve().parent.parent / ".venv-readers" / "bin" / "python"
        interpreter = str(made) if made.exists() else ""
    if not interpreter:
        try:
            import pyqdpx  # noqa: F401
        except (ImportError, SyntaxError) as exc:  # 0.1.8 is written in Python 3.12 syntax
            pytest.skip(
                f"pyqdpx is not available ({type(exc).__name__}); scripts/third-party-readers makes it"
            )
        interpreter = sys.executable
    ran = subprocess.run(
        [interpreter, "-c", _PYQDPX_SCRIPT, str(qdpx)], capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    return [tuple(row) for row in json.loads(ran.stdout)]


def test_pyqdpx_reads_every_selection_on_its_text(tmp_path):
    project = tmp_path / "bmp.annotator"
    _bmp_project(project)
    read = sorted(
        (text, code, user)
        for _source, code, text, user in _pyqdpx_reading(_export(project, tmp_path / "bmp.qdpx"))
    )
    expected = sorted((row[1], row[2].rsplit(" > ", 1)[-1], row[3]) for row in _stored(project))
    assert read == expected and len(read) == 5


def test_pyqdpx_counts_astral_characters_twice_as_nvivo_does(tmp_path):
    project = tmp_path / "p.annotator"
    build_project(project)
    rows = _pyqdpx_reading(_export(project, tmp_path / "out.qdpx"))
    texts = sorted((code, text) for source, code, text, _user in rows if source == "Interview 😀 one")
    assert ("Cities", "Zürich") in texts  # before the emoji: the same in both countings
    # After it, shifted by one position per astral character before the span (pyqdpx pads each with U+200B).
    assert ("Places", " toda") in texts and ("Places", "d مرح") in texts
