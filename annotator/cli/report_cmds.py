"""``annotator report``: the project report as one HTML file (or a Word document), under retrieval's filters.

The filters are ``annotator retrieve``'s (the same options, names resolved
by the same ``analysis_cmds.query_of``: a tag by name of either kind, a
speaker, an annotator with spans, a document by id, prefix or title);
every count, chart and passage of the report shares them. Heavy imports
(python-docx, the report itself) wait until the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.analysis_cmds import add_filter_options
from annotator.cli.common import EXIT_OK, open_store, warn


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report, then say where on standard error."""
    from annotator.analysis.passages_export import format_of
    from annotator.analysis.report import REPORT_FORMATS, write_report
    from annotator.cli.analysis_cmds import query_of

    out = Path(args.out)
    fmt = format_of(out, args.format, REPORT_FORMATS)  # a bad suffix is refused before the project opens
    with open_store(args.project, read_only=True) as store:
        base = query_of(store, args)
        write_report(store, out, base=base, fmt=fmt)
    warn(f"wrote the report to {out}")
    return EXIT_OK


def register(subparsers) -> None:
    """Add ``report`` to the top-level parser."""
    p = subparsers.add_parser(
        "report",
        help="write a report (codebook, counts, charts, passages by theme, memos) as one HTML or Word file",
    )
    p.add_argument("project", metavar="PROJECT", help="project file (.annotator)")
    p.add_argument("out", metavar="OUT", help="output file: .html (self-contained, with charts) or .docx")
    p.add_argument("--format", choices=["html", "docx"], default=None, help="default: from OUT's suffix")
    add_filter_options(p)
    p.set_defaults(handler=cmd_report)
