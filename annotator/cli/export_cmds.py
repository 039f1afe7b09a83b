"""``annotator export``: the corpus as JSONL (native, doccano, spaCy) or CSV."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import EXIT_OK, open_store
from annotator.exporters import FORMATS, export
from annotator.model import TagKind


def cmd_export(args: argparse.Namespace) -> int:
    """Write the export, then a one-line summary on standard error."""
    with open_store(args.project, read_only=True) as store:
        summary = export(
            store, args.out, format=args.format, annotators=args.annotator or (), tags=args.tag or (),
            kind=args.kind.value if args.kind else None, only_annotated=args.only_annotated,
        )
    where = "standard output" if summary.path == "-" else summary.path
    print(f"exported {summary.documents} document(s) and {summary.spans} span(s) to {where}", file=sys.stderr)
    return EXIT_OK


def register(subparsers) -> None:
    """Add ``export`` to the top-level parser."""
    p = subparsers.add_parser("export", help="export the corpus as JSONL or CSV (OUT may be - for stdout)")
    p.add_argument("project", metavar="PROJECT", help="project file (.annotator)")
    p.add_argument("out", metavar="OUT", help="output file, or - for standard output")
    p.add_argument("--format", choices=FORMATS, default="native", help="native (default), doccano, spacy or csv")
    p.add_argument("--annotator", action="append", metavar="NAME", help="only this annotator's spans (repeatable)")
    p.add_argument("--tag", action="append", metavar="NAME", help="only spans with this tag (repeatable)")
    p.add_argument("--kind", type=TagKind, choices=list(TagKind), help="only themes or only speakers")
    p.add_argument("--only-annotated", action="store_true", help="leave out documents without spans")
    p.set_defaults(handler=cmd_export)
