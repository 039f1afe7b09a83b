"""Make the README's screenshots: the main window on the sample corpus, with annotations.

Run through ``scripts/screenshots`` (under Xvfb) or with QT_QPA_PLATFORM=offscreen.
Uses throwaway settings and data folders, never the user's own. ``--out DIR``
writes elsewhere than ``resources/screenshots`` (to try the script without
touching the README's picture).
"""

from __future__ import annotations

import argparse
import os
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


def code_sample(path: Path) -> None:
    with Store.open(path) as store:
        doc = store.documents()[0]
        text = store.document(doc.id).text
        for phrase, tag_name, note in CODING:
            start = text.lower().find(phrase.lower())
            if start < 0:
                continue
            tag = store.find_tag(TagKind.THEME, tag_name) or store.find_tag(TagKind.SPEAKER, tag_name)
            store.add_annotation(
                document_id=doc.id,
                start=start,
                end=start + len(phrase),
                tag_id=tag.id,
                annotator="ana",
                note=note,
            )
        store.set_document_status(doc.id, DocumentStatus.IN_PROGRESS)  # as tagging in the window does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Remake the README's screenshots.")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "resources" / "screenshots",
        help="folder for the pictures (default: resources/screenshots)",
    )
    out_dir = parser.parse_args(argv).out.resolve()
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
    window.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
