"""``annotator export``: the corpus as JSONL (native, doccano, spaCy), CSV or an Excel workbook."""

from __future__ import annotations

import argparse
import sys

from annotator.cli.common import EXIT_OK, CommandError, open_store
from annotator.exporters import FORMATS, REGISTRY, export, format_for_path
from annotator.model import TagKind


def cmd_export(args: argparse.Namespace) -> int:
    """Write the export, then a one-line summary on standard error.

    Without ``--format`` the output's suffix chooses (``.csv``, ``.xlsx``);
    any other name, and standard output, get the native JSONL.
    """
    fmt = args.format or format_for_path(args.out)
    if args.csv_raw and fmt != "csv":
        raise CommandError("--csv-raw applies only to the csv format")
    with open_store(args.project, read_only=True) as store:
        summary = export(
            store, args.out, format=fmt, annotators=args.annotator or (), tags=args.tag or (),
            kind=args.kind.value if args.kind else None, only_annotated=args.only_annotated,
            csv_raw=args.csv_raw,
        )
    where = "standard output" if summary.path == "-" else summary.path
    notes = "".join(f"; {note}" for note in summary.notes)
    print(f"exported {summary.documents} document(s) and {summary.spans} span(s) to {where}{notes}",
          file=sys.stderr)
    return EXIT_OK


def register(subparsers) -> None:
    """Add ``export`` to the top-level parser."""
    p = subparsers.add_parser("export", help="export the corpus as JSONL, CSV or xlsx (OUT may be - for stdout)")
    p.add_argument("project", metavar="PROJECT", help="project file (.annotator)")
    p.add_argument("out", metavar="OUT", help="output file, or - for standard output")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="; ".join(f"{entry.name}: {entry.description}" for entry in REGISTRY)
                   + " (default: csv for a .csv OUT, xlsx for .xlsx, else native)")
    p.add_argument("--csv-raw", action="store_true",
                   help="CSV: write cells exactly as stored, without the ' put before cells starting with "
                   "= + - @ tab or CR that a spreadsheet would run as formulas")
    p.add_argument("--annotator", action="append", metavar="NAME", help="only this annotator's spans (repeatable)")
    p.add_argument("--tag", action="append", metavar="NAME", help="only spans with this tag (repeatable)")
    p.add_argument("--kind", type=TagKind, choices=list(TagKind), help="only themes or only speakers")
    p.add_argument("--only-annotated", action="store_true", help="leave out documents without spans")
    p.set_defaults(handler=cmd_export)
