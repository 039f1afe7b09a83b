"""What every format shares: the error, the span check and the JSON encoding.

A format is a function that takes the open output and returns a writer of
one ``ExportDocument``; the writer may keep state for one export (a header
written, encoded labels cached) and nothing outlives it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from annotator.errors import AnnotatorError
from annotator.store.export import ExportDocument

#: Takes the output, returns the function that writes one document to it.
FormatWriter = Callable[[TextIO], Callable[[ExportDocument], None]]


class ExportError(AnnotatorError):
    """The project holds something that cannot be exported faithfully."""


def dumps(value: object) -> str:
    """One JSON object on one line, UTF-8 characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def checked_text(doc: ExportDocument, start: int, end: int) -> str:
    """``text[start:end]``, refusing offsets that a damaged project could hold."""
    if not 0 <= start < end <= len(doc.text):
        raise ExportError(f"document '{doc.title}': span [{start}, {end}) is outside its text; "
                          "run 'annotator check' on the project")
    return doc.text[start:end]
