"""The export format protocol: one registry read everywhere, and formats of any shape through one ``export``.

A toy archive format, registered only here, writes a ZIP with two members
(a codebook from ``start`` and the documents), the way a REFI-QDA project
would: it goes through the same ``export`` as the JSONL formats, to a file,
to standard output and when cancelled, with no case of its own.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from annotator.exporters import (
    ExportContext,
    ExportError,
    ExportFormat,
    export,
    format_for_path,
    formats,
    register,
    unregister,
)
from annotator.model import ImportedDocument, ImportedSpan, TagKind
from tests.conftest import REPO


class ToyArchive(ExportFormat):
    """``codebook.json`` (tags with their parents, annotators, filters) and ``documents.txt``, in one ZIP."""

    name = "toyzip"
    suffixes = (".toyzip",)
    description = "Toy ZIP: a codebook and the documents"
    binary = True
    writes_to_path = True
    aborted: list[Path] = []

    def start(self, context: ExportContext) -> None:
        self.zip = zipfile.ZipFile(self.output, "w")  # a path: ZipFile seeks back to fill in sizes
        names = {tag.id: tag.name for tag in context.tags}
        self.zip.writestr(
            "codebook.json",
            json.dumps(
                {
                    "project": context.project_name,
                    "tags": [
                        [tag.kind.value, tag.name, names.get(tag.parent_id), tag.color, tag.description]
                        for tag in context.tags
                    ],
                    "top": [tag.name for tag in context.children(None)],
                    "annotators": list(context.annotators),
                    "only": list(context.filters.annotators),
                }
            ),
        )
        self.lines: list[str] = []

    def write_document(self, doc) -> None:
        self.lines.append(
            f"{doc.title}: " + ", ".join(f"{label}@{start}" for start, _, label, *_ in doc.spans)
        )

    def finish(self) -> tuple[str, ...]:
        self.zip.writestr("documents.txt", "\n".join(self.lines))
        self.zip.close()
        return (f"{len(self.lines)} document(s) in documents.txt",)

    def abort(self) -> None:
        self.zip.close()
        ToyArchive.aborted.append(Path(self.output))


@pytest.fixture
def toy():
    register(ToyArchive)
    ToyArchive.aborted = []
    yield ToyArchive
    unregister(ToyArchive.name)


@pytest.fixture
def project(store):
    parent = store.add_tag(kind="theme", name="Emotion", color="#ff0000", description="how people feel")
    store.add_tag(kind="theme", name="Joy", parent_id=parent.id)
    store.add_document(
        ImportedDocument(
            title="one",
            text="Ana is happy.",
            spans=(
                ImportedSpan(7, 12, "Joy", TagKind.THEME, annotator="ana"),
                ImportedSpan(0, 3, "Ana", TagKind.SPEAKER, annotator="ben"),
            ),
        ),
        annotator="x",
    )
    store.add_document(ImportedDocument(title="two", text="Nothing here."), annotator="x")
    return store


def test_an_archive_format_goes_through_export_like_any_other(toy, project, tmp_path):
    out = tmp_path / "corpus.toyzip"
    summary = export(project, out, format="toyzip", annotators=["ana"])
    assert (summary.documents, summary.spans, summary.path) == (2, 1, str(out))
    assert summary.notes == ("2 document(s) in documents.txt",)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["codebook.json", "documents.txt"]
        assert json.loads(archive.read("codebook.json")) == {
            "project": "test",
            "tags": [
                ["theme", "Emotion", None, "#ff0000", "how people feel"],
                ["theme", "Joy", "Emotion", project.find_tag(TagKind.THEME, "Joy").color, ""],
                ["speaker", "Ana", None, project.find_tag(TagKind.SPEAKER, "Ana").color, ""],
            ],
            "top": ["Emotion", "Ana"],
            "annotators": ["ana", "ben"],
            "only": ["ana"],
        }
        assert archive.read("documents.txt") == b"one: Joy@7\ntwo: "
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_cancelled_archive_leaves_nothing_and_the_old_file_in_place(toy, project, tmp_path):
    out = tmp_path / "corpus.toyzip"
    out.write_bytes(b"the previous export")
    with pytest.raises(ExportError, match="cancelled; nothing was written"):
        export(project, out, format="toyzip", should_cancel=lambda: True)
    assert out.read_bytes() == b"the previous export"
    assert len(ToyArchive.aborted) == 1 and not ToyArchive.aborted[0].exists()  # its temporary file is gone
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_an_archive_format_streams_to_standard_output(toy, project, capsysbinary):
    capsysbinary.readouterr()
    summary = export(project, "-", format="toyzip")
    assert summary.path == "-" and summary.notes == ("2 document(s) in documents.txt",)
    with zipfile.ZipFile(io.BytesIO(capsysbinary.readouterr().out)) as archive:
        assert archive.read("documents.txt") == b"one: Ana@0, Joy@7\ntwo: "


def test_a_registered_format_is_offered_by_the_command_line(toy, project, project_path, run_cli, tmp_path):
    project.close()
    usage = run_cli("export", "--help").out
    assert "toyzip: Toy ZIP: a codebook and the documents" in re.sub(r"\s+", " ", usage)
    assert "toyzip for a .toyzip OUT" in re.sub(r"\s+", " ", usage)
    result = run_cli("export", project_path, tmp_path / "by-suffix.toyzip")  # the suffix picks it
    assert result.code == 0, result.err
    assert result.err.endswith("; 2 document(s) in documents.txt\n")
    assert zipfile.ZipFile(tmp_path / "by-suffix.toyzip").namelist() == ["codebook.json", "documents.txt"]
    raw = run_cli("export", project_path, tmp_path / "x.toyzip", "--csv-raw")
    assert raw.code == 1 and raw.err == "annotator: error: --csv-raw applies only to the csv format\n"


def test_format_for_path_reads_the_registry(toy):
    assert format_for_path("a/b.TOYZIP") == "toyzip"
    assert format_for_path("b.csv") == "csv" and format_for_path("b.xlsx") == "xlsx"
    assert (
        format_for_path("b.jsonl") == "native" and format_for_path("b.txt") == "native"
    )  # shared or unknown


def test_registering_refuses_a_second_format_of_the_same_name(toy):
    class Again(ToyArchive):
        pass

    with pytest.raises(ValueError, match="already registered"):
        register(Again)
    assert [fmt.name for fmt in formats()] == ["native", "doccano", "spacy", "csv", "xlsx", "qdpx", "toyzip"]


# -- the README's table is the registry ------------------------------------------------------------


def _exporting_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("\n### Exporting\n", 1)[1].split("\n### ", 1)[0]


def _readme_formats() -> list[tuple[str, str, str]]:
    """(name, suffixes, description) of each row of the table headed ``| format | suffix | description |``."""
    lines = _exporting_section().splitlines()
    first = lines.index("| format | suffix | description |")
    rows = []
    for line in lines[first + 2 :]:
        if not line.startswith("|"):
            break
        name, suffixes, description = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append((name, suffixes, description))
    return rows


def test_the_readme_table_lists_exactly_the_registered_formats():
    registered = formats()
    expected = [
        (
            f"`{fmt.name}`" + (" (default)" if fmt is registered[0] else ""),
            ", ".join(f"`{suffix}`" for suffix in fmt.suffixes),
            fmt.description,
        )
        for fmt in registered
    ]
    assert _readme_formats() == expected


def test_the_readme_synopsis_lists_the_registered_format_names():
    names = "|".join(fmt.name for fmt in formats())
    assert f"[--format {names}]" in _exporting_section()
