"""Make the README's screenshots: the main window on the sample corpus, with annotations, and its Passages view.

Run through ``scripts/screenshots`` (under Xvfb) or with QT_QPA_PLATFORM=offscreen.
Uses throwaway settings and data folders, never the user's own. ``--out DIR``
writes elsewhere than ``resources/screenshots`` (to try the script without
touching the README's pictures). ``--all`` also saves the Charts view (a heat
map and the bar chart) and the first screen of the HTML report, drawn by
``QTextDocument`` (which shows its text and tables, not its inline SVG charts
or all of its CSS: a browser shows the real thing).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
work = Path(tempfile.mkdtemp(prefix="annotator-shots-"))
os.environ["ANNOTATOR_CONFIG_DIR"] = str(work / "config")
os.environ["ANNOTATOR_DATA_DIR"] = str(work / "data")

from annotator.model import DocumentStatus, TagKind  # noqa: E402
from annotator.sample import ensure_default_project  # noqa: E402
from annotator.settings import Settings  # noqa: E402
from annotator.store import Store  # noqa: E402

#: (phrase, tag, annotator, note) coded on the first sample document.
CODING = [
    ("SCO Secretary-General Vladimir Norov addressing the OSCE forum", "Vladimir Norov", None),
    (
        "The SCO is not and will never be a military-political alliance",
        "Military and arms control",
        "Core framing: the SCO as a non-bloc.",
    ),
    (
        "military-political alliance; its activities are not aimed against any state",
        "International law and order",
        None,
    ),
    ("took part in the OSCE Forum for Security Co-operation", "Inter-organisational relations", None),
    ("the development of a regional security system", "Regional security", None),
    ("terrorist and extremist activities", "Terrorism and extremism", None),
    ("Regional Ant-Terrorist Structure (RATS)", "Terrorism and extremism", "Typo in the source: 'Ant-'."),
    (
        "develop trade, economic, transport, cultural and humanitarian cooperation",
        "Economic and transport cooperation",
        None,
    ),
    ("counter the drug threat", "Drug trafficking", None),
]


#: (phrase, tag, note) coded on the second sample document by a second annotator, for the analysis views.
SECOND_CODING = [
    ("the 56th Munich Security Conference", "Inter-organisational relations", None),
    ("ensuring global and regional security", "Regional security", None),
    ("the priority of international law, first of all the UN Charter", "International law and order", None),
    ("the development of economic, cultural and humanitarian ties", "Cultural and humanitarian ties", None),
    ("the SCO is not a military bloc targeting any other countries", "Military and arms control", None),
    ("combating cross-border security challenges and threats", "Regional security", None),
    ("terrorism and the propaganda of extremist ideologies", "Terrorism and extremism", None),
    ("drug trafficking and organised crime", "Drug trafficking", None),
    (
        "Regional Anti-Terrorist Structure (RATS) headquartered in Tashkent",
        "Terrorism and extremism",
        "RATS spelt right here.",
    ),
    ("instability in neighbouring Afghanistan posed the greatest threat", "Afghanistan", None),
    ("foreign terrorist fighters from ISIS", "Terrorism and extremism", "The only group named."),
    ("foreign terrorist fighters from ISIS", "Afghanistan", None),
]


def code_document(store: Store, document_id: str, coding: list, annotator: str) -> None:
    text = store.document(document_id).text
    for phrase, tag_name, note in coding:
        start = text.lower().find(phrase.lower())
        if start < 0:
            continue
        tag = store.find_tag(TagKind.THEME, tag_name) or store.find_tag(TagKind.SPEAKER, tag_name)
        store.add_annotation(
            document_id=document_id,
            start=start,
            end=start + len(phrase),
            tag_id=tag.id,
            annotator=annotator,
            note=note,
        )
    store.set_document_status(document_id, DocumentStatus.IN_PROGRESS)  # as tagging in the window does


def code_sample(path: Path) -> None:
    with Store.open(path) as store:
        first, second = store.documents()[:2]
        code_document(store, first.id, CODING, "ana")
        code_document(store, second.id, SECOND_CODING, "ben")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Remake the README's screenshots.")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "resources" / "screenshots",
        help="folder for the pictures (default: resources/screenshots)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="also the Charts view (heat map, bar chart) and the report's first screen",
    )
    args = parser.parse_args(argv)
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    project = ensure_default_project()
    code_sample(project)
    Settings(annotator="ana").save()
    from PySide6.QtWidgets import QApplication

    from annotator.gui.app import create_window, make_application

    app = make_application()
    window = create_window(str(project), Settings.load())
    window.resize(1400, 860)
    window.show()
    text = window.current_document.text
    start = text.index("He said the SCO is committed")
    window.view.select_range(start, start + len("He said the SCO is committed to promoting cooperation"))
    window.view.verticalScrollBar().setValue(0)  # the document's beginning, with the selection in sight
    for _ in range(5):
        app.processEvents()
    QApplication.processEvents()
    target = out_dir / "main-window.png"
    window.grab().save(str(target))
    print(f"saved {target} ({app.platformName()} platform)")
    shoot_passages(app, window, out_dir)
    if args.all:
        shoot_charts(app, window, out_dir)
        shoot_report(app, window, out_dir)
    window.store.close()
    return 0


def settle(app, window=None) -> None:
    for _ in range(5):
        app.processEvents()


def shoot_passages(app, window, out_dir: Path) -> None:
    """The Passages view of a theme with sub-themes, as the palette's "Show passages" opens it."""
    tag = window.store.find_tag(TagKind.THEME, "Regional security")
    window.resize(1600, 960)  # a working area: the table wants the width
    window.analysis.show_tag_passages(tag.id)
    settle(app)
    target = out_dir / "passages.png"
    window.grab().save(str(target))
    print(f"saved {target}")


def shoot_charts(app, window, out_dir: Path) -> None:
    """The Charts view: tags by documents as a heat map, then the frequency bar chart."""
    from annotator.analysis.matrices import Axis

    charts = window.analysis.charts
    window.analysis.show_heatmap(Axis.TAGS, Axis.DOCUMENTS)
    if charts.job is not None:
        charts.job.wait()
    settle(app)
    target = out_dir / "charts-heatmap.png"
    window.grab().save(str(target))
    print(f"saved {target}")
    from annotator.gui.app import dark_palette

    light = app.palette()
    app.setPalette(dark_palette())  # as on a system asking for dark
    settle(app)
    target = out_dir / "charts-heatmap-dark.png"
    window.grab().save(str(target))
    print(f"saved {target}")
    app.setPalette(light)
    settle(app)
    charts.kind.setCurrentIndex(0)  # the bar chart
    if charts.job is not None:
        charts.job.wait()
    settle(app)
    target = out_dir / "charts-bars.png"
    window.grab().save(str(target))
    print(f"saved {target}")


def shoot_report(app, window, out_dir: Path) -> None:
    """The report's first screen, its HTML drawn by QTextDocument (text and tables; no inline SVG)."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument

    report = work / "report.html"
    job = window.analysis.write_report(report)
    if job is not None:
        job.wait()
    settle(app)
    document = QTextDocument()
    page = re.sub(
        r"<svg\b.*?</svg>",
        "<p><i>[a chart: open the report in a browser]</i></p>",
        report.read_text("utf-8"),
        flags=re.S,
    )
    document.setHtml(page)
    document.setPageSize(QSizeF(900, 1200))
    document.setTextWidth(900)
    image = QImage(900, 1200, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    document.drawContents(painter)
    painter.end()
    target = out_dir / "report.png"
    image.save(str(target))
    print(f"saved {target}")


if __name__ == "__main__":
    sys.exit(main())
