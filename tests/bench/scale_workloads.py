"""Issue 20 rows: work that used to grow faster than its input.

W9 imports a 20,000-tag scheme (was quadratic: one full scan of the tags per new tag).
W10 searches one 64 MB document for a word with 100,000 hits (was quadratic inside FTS5's
``highlight()``, which re-copies its whole output for every hit).
W11 imports 1 MB of hostile HTML (unclosed attribute quotes).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from annotator.ops import ImportScheme, run
from annotator.scheme import load_scheme
from annotator.store import Store
from tests.bench.harness import Measurement, peak_mb, summarise, timed

TAGS = {"full": 20_000, "small": 400}
RUNS = {"full": 3, "small": 1}


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def w9_tags_import(scale: str) -> list[Measurement]:
    """W9: ``tags import`` of a scheme of N tags (themes with children, and speakers) into a new project."""
    count = TAGS[scale]
    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        quarter = count // 4
        scheme = {
            "themes": [
                {"name": f"theme {i}", "children": [f"code {i}.{j}" for j in range(2)]}
                for i in range(quarter)
            ],
            "speakers": [f"speaker {i}" for i in range(quarter)],
        }
        (work / "scheme.json").write_text(json.dumps(scheme), encoding="utf-8")
        project = work / "p.annotator"
        times = []
        for _ in range(RUNS[scale]):
            _fresh(project)
            with Store.create(project) as store:
                times.append(timed(lambda s=store: run(s, ImportScheme(load_scheme(work / "scheme.json")))))
                assert len(store.tags()) == count
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(times)
    return [
        Measurement(
            workload="W9",
            what=f"tags import, {count} tags",
            target="< 2 s",
            runs=len(times),
            median_s=median,
            p95_s=p95,
            peak_mb=peak_mb(),
            met=median < 2.0,
        )
    ]


SEARCH_CHARS = {"full": 64_000_000, "small": 400_000}


def _long_document(chars: int, needles: list[str], word: str) -> tuple[str, int]:
    """About ``chars`` characters of words, one word in 105 one of ``needles``; (text, hits of ``word``)."""
    import random

    rng = random.Random(20)
    words = ["alpha", "beta", "gamma", "Délta", "epsilon", "zeta", "eta", "theta"] * 13
    picks = [rng.choice(needles) if rng.random() < 1 / 105 else rng.choice(words) for _ in range(chars // 6)]
    text = " ".join(picks)
    return text, sum(pick.count(word) for pick in picks)


#: (label, forms of the searched word in the text, the word). The second text puts two of every
#: three hits beside characters beyond ASCII, which the plain-word scan hands to FTS5 in windows.
SEARCHED_TEXTS = [
    ("", ["needle"], "needle"),
    (", 2/3 beside “quotes” or dashes", ["“needle”", "needle—", "needle"], "needle"),
]


def w10_search_long(scale: str) -> list[Measurement]:
    """W10: search one 64 MB document for a word with about 100,000 hits: the window's 500, then all."""
    from annotator.gui.panels.search import SEARCH_LIMIT

    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    rows = []
    try:
        for kind, needles, word in SEARCHED_TEXTS:
            rows.extend(_search_rows(work / "p.annotator", scale, kind, needles, word, SEARCH_LIMIT))
            _fresh(work / "p.annotator")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _search_rows(
    project: Path, scale: str, kind: str, needles: list[str], word: str, first: int
) -> list[Measurement]:
    """The two W10 rows (the window's first hits, every hit) for one long document."""
    from annotator.model import ImportedDocument

    text, count = _long_document(SEARCH_CHARS[scale], needles, word)
    with Store.create(project) as store:
        store.add_document(ImportedDocument(title="long", text=text), annotator="bench")
    del text
    rows = []
    with Store.open(project, read_only=True) as store:
        for limit, label in ((first, f"first {first} hits (the window)"), (10**7, "every hit")):
            times = []
            for _ in range(RUNS[scale]):
                found: list = []
                times.append(timed(lambda out=found, n=limit: out.extend(store.search(word, limit=n))))
                assert len(found) == min(limit, count)
            median, p95 = summarise(times)
            rows.append(
                Measurement(
                    workload="W10",
                    what=f"search {SEARCH_CHARS[scale] // 1_000_000} MB doc, {count} hits{kind}: {label}",
                    target="< 1 s",
                    runs=len(times),
                    median_s=median,
                    p95_s=p95,
                    peak_mb=peak_mb(),
                    met=median < 1.0,
                    notes={"hits": count},
                )
            )
    return rows


HTML_BYTES = {"full": 1_000_000, "small": 20_000}


def hostile_html(size: int) -> dict[str, str]:
    """Pages of about ``size`` characters built to make a rescanning parser quadratic."""
    shown = "<p>Visible text before the trouble.</p>"
    pages = {
        "unclosed attribute quotes": '<html><body><p x="' + '"<a ' * (size // 4),
        "unclosed start tags": "<p>" + "<a " * (size // 3),
        "unclosed comment full of tags": "<!--" + "x<y " * (size // 4),
        "stray angle brackets": "<" + "a<" * (size // 2),
        "doctypes never closed": "<!DOCTYPE" * (size // 9),
    }
    return {name: shown + markup for name, markup in pages.items()}


def w11_hostile_html(scale: str) -> list[Measurement]:
    """W11: import each 1 MB hostile page; the slowest one is the row."""
    from annotator.importers import ImportOptions
    from annotator.importers.html import import_html

    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    worst: dict[str, float] = {}
    try:
        for name, markup in hostile_html(HTML_BYTES[scale]).items():
            path = work / "page.html"
            path.write_text(markup, encoding="utf-8")
            times = [timed(lambda p=path: import_html(p, ImportOptions())) for _ in range(RUNS[scale])]
            worst[name] = summarise(times)[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    slowest = max(worst, key=lambda name: worst[name])
    return [
        Measurement(
            workload="W11",
            what=f"import 1 MB hostile HTML (slowest: {slowest})",
            target="< 2 s",
            runs=RUNS[scale],
            median_s=worst[slowest],
            p95_s=worst[slowest],
            peak_mb=peak_mb(),
            met=worst[slowest] < 2.0,
            notes={name: round(seconds, 4) for name, seconds in worst.items()},
        )
    ]


DOCX_XML_BYTES = {"full": 503_000_000, "small": 2_000_000}


def _swollen_docx(path: Path, xml_bytes: int) -> None:
    """A Word file whose document part unpacks to ``xml_bytes`` of ordinary paragraphs (about 36:1)."""
    import random
    import zipfile

    import docx

    base = path.with_name("base.docx")
    docx.Document().save(str(base))
    rng = random.Random(2)
    paragraph = (
        '<w:p><w:pPr><w:pStyle w:val="Normal"/><w:spacing w:after="120"/></w:pPr><w:r><w:rPr>'
        '<w:rFonts w:ascii="Calibri"/><w:b/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r></w:p>'
    )
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        xml = source.read("word/document.xml").decode()
        head, tail = xml.split("<w:body>")
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info.filename, source.read(info.filename))
        with target.open("word/document.xml", "w", force_zip64=True) as part:
            part.write((head + "<w:body>").encode())
            written = 0
            while written < xml_bytes:
                chunk = "".join(
                    paragraph % "".join(rng.choice("abcdefghij ") for _ in range(6)) for _ in range(2000)
                ).encode()
                part.write(chunk)
                written += len(chunk)
            part.write(tail[tail.index("<w:sectPr") :].encode())


def w12_swollen_docx(scale: str) -> list[Measurement]:
    """W12: a .docx whose document part unpacks to 503 MB: refused, memory and time bounded."""
    from annotator.errors import ImportFailure
    from annotator.importers import ImportOptions
    from annotator.importers.docx import import_docx

    work = Path(tempfile.mkdtemp(prefix="annotator-bench-"))
    try:
        path = work / "swollen.docx"
        _swollen_docx(path, DOCX_XML_BYTES[scale])
        size_mb = path.stat().st_size / 1e6
        outcome = []

        def attempt() -> None:
            try:
                import_docx(path, ImportOptions())
                outcome.append("imported")
            except ImportFailure as exc:
                outcome.append(str(exc))

        times = [timed(attempt) for _ in range(RUNS[scale])]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median, p95 = summarise(times)
    peak = peak_mb()
    return [
        Measurement(
            workload="W12",
            what=f"docx {size_mb:.0f} MB, XML {DOCX_XML_BYTES[scale] // 1_000_000} MB: refuse or read",
            target="< 1 GB peak",
            runs=len(times),
            median_s=median,
            p95_s=p95,
            peak_mb=peak,
            met=peak < 1024,
            notes={"outcome": outcome[-1]},
        )
    ]
