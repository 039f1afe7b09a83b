"""REFI-QDA project (.qdpx): the corpus, its codes and its coding for NVivo, ATLAS.ti, MAXQDA and QualCoder.

The format's rules and how our project maps onto it are in
``annotator.refiqda.writer``; this module is the export format around it.
It reads from the project what the spans alone do not carry: each
document's memo, status and import time, and each span's created and
changed times. Before the first document it reads every document's
metadata once, so each variable gets one type for all its values.

The filters work as in every format (annotators, tags, kind, documents
with spans only); the codebook is always the project's whole, so a
filtered export still opens with every code in place.

What REFI-QDA has no place for is listed in the summary (``not_carried``),
as the standard's §7 asks of exporting programs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.exporters.base import ExportContext, ExportFormat, check_spans
from annotator.model import DocumentStatus, is_automatic
from annotator.refiqda.writer import ProjectWriter, variable_types
from annotator.store.export import ExportDocument


class QdpxFormat(ExportFormat):
    """Streams documents into a ``ProjectWriter``; ``finish`` writes ``project.qde`` and closes the ZIP."""

    name = "qdpx"
    suffixes = (".qdpx",)
    description = "REFI-QDA project for NVivo, ATLAS.ti, MAXQDA and QualCoder"
    binary = True
    writes_to_path = True

    def start(self, context: ExportContext) -> None:
        store: Any = context.project
        self._store = store
        self._extras: dict[str, tuple[str, DocumentStatus, str]] = {}
        self._source_paths = 0
        metas = self._read_documents(store) if store is not None else iter(())
        types = variable_types(metas)
        self._writer = ProjectWriter(
            Path(self.output),
            name=context.project_name or "Annotator project",
            origin=f"Annotator {__version__}",
            tags=context.tags,
            variables=types,
        )

    def _read_documents(self, store: Any):
        """Every document's metadata, keeping its memo, status and import time (texts are not read)."""
        for details in store.iter_document_details():
            self._extras[details.id] = (details.memo, details.status, details.imported_at)
            self._source_paths += bool(details.source_path)
            yield details.meta

    def write_document(self, doc: ExportDocument) -> None:
        check_spans(doc)
        memo, status, imported_at = self._extras.get(doc.id, ("", None, None))
        times = self._store.annotation_times(doc.id) if doc.spans and self._store is not None else {}
        self._writer.add_source(doc, times=times, memo=memo, status=status, imported_at=imported_at)

    def finish(self) -> tuple[str, ...]:
        self._writer.close()
        return ()

    def abort(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.abort()

    def not_carried(self) -> tuple[str, ...]:
        """What the project holds that REFI-QDA has no element for, with counts."""
        lost = []
        store = self._store
        decisions = len(store.adjudications()) if store is not None else 0
        if decisions:
            lost.append(f"{decisions:,} review decision(s) (accepted or dismissed disagreements)")
        automatic = [name for name in self._writer.users if is_automatic(name)]
        if automatic:
            lost.append(
                "that the spans of " + ", ".join(automatic) + " were made by a program "
                "(they are coded by a user of that name)"
            )
        if self._source_paths:
            lost.append(f"the original file name and format of {self._source_paths:,} document(s)")
        if self._writer.json_values:
            lost.append(
                f"the structure of {self._writer.json_values:,} list or object metadata value(s) (written as JSON text)"
            )
        if self._writer.replaced_characters:
            lost.append(
                f"{self._writer.replaced_characters:,} control character(s) in titles, notes, memos or "
                "metadata, which XML cannot hold (written as U+FFFD)"
            )
        return tuple(lost)
