"""``annotator report``: the project report as one HTML file (or a Word document), under retrieval's filters.

The filters name things the way a researcher knows them (tag and speaker
names, document titles or ids, statuses); they are turned into the ids of a
``PassageQuery`` here, and every count, chart and passage of the report
shares them. Heavy imports (python-docx, the report itself) wait until the
command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from annotator.cli.common import EXIT_OK, CommandError, open_store, warn
from annotator.model import DocumentStatus, TagKind


def _tag_id(store, name: str) -> str:
    """A tag by name, a theme before a speaker of the same name."""
    tag = store.find_tag(TagKind.THEME, name) or store.find_tag(TagKind.SPEAKER, name)
    if tag is None:
        raise CommandError(f"no theme or speaker named '{name}'")
    return tag.id


def _speaker_id(store, name: str) -> str:
    tag = store.find_tag(TagKind.SPEAKER, name)
    if tag is None:
        raise CommandError(f"no speaker named '{name}'")
    return tag.id


def query_of(store, args: argparse.Namespace):
    """The ``PassageQuery`` the filter options ask for (names resolved to ids; unknown names refused)."""
    from annotator.analysis.query import PassageQuery

    return PassageQuery(
        tags=tuple(dict.fromkeys(_tag_id(store, name) for name in args.tag or ())),
        speakers=tuple(dict.fromkeys(_speaker_id(store, name) for name in args.speaker or ())),
        annotators=tuple(dict.fromkeys(args.annotator or ())),
        documents=tuple(dict.fromkeys(store.find_document(ref).id for ref in args.document or ())),
        statuses=tuple(dict.fromkeys(DocumentStatus(value) for value in args.status or ())),
    )


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report, then say where on standard error."""
    from annotator.analysis.passages_export import format_of
    from annotator.analysis.report import REPORT_FORMATS, write_report

    out = Path(args.out)
    fmt = format_of(out, args.format, REPORT_FORMATS)  # a bad suffix is refused before the project opens
    with open_store(args.project, read_only=True) as store:
        base = query_of(store, args)
        write_report(store, out, base=base, fmt=fmt)
    warn(f"wrote the report to {out}")
    return EXIT_OK


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The filters a report shares with retrieval: tag, speaker, annotator, document, status (each repeatable)."""
    parser.add_argument(
        "--tag", action="append", metavar="NAME", help="only passages of this tag (repeatable)"
    )
    parser.add_argument(
        "--speaker",
        action="append",
        metavar="NAME",
        help="only passages in this speaker's turns (repeatable)",
    )
    parser.add_argument(
        "--annotator", action="append", metavar="NAME", help="only this annotator's spans (repeatable)"
    )
    parser.add_argument(
        "--document", action="append", metavar="REF", help="only this document, by id or title (repeatable)"
    )
    parser.add_argument(
        "--status",
        action="append",
        choices=[status.value for status in DocumentStatus],
        help="only documents with this status (repeatable)",
    )


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
