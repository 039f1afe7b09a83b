"""``annotator export``: the corpus in any registered export format (JSONL, CSV, an Excel workbook ...)."""

from __future__ import annotations

import argparse

from annotator.cli.common import EXIT_OK, CommandError, open_store, warn
from annotator.exporters import export, format_for_path, format_named, formats, suffix_choices
from annotator.model import TagKind


def cmd_export(args: argparse.Namespace) -> int:
    """Write the export, then a one-line summary on standard error.

    Without ``--format`` the output's suffix chooses (``.csv``, ``.xlsx``);
    any other name, and standard output, get the default format (native JSONL).
    """
    fmt = args.format or format_for_path(args.out)
    if args.csv_raw and not format_named(fmt).offers_raw_cells:
        takers = [entry.name for entry in formats() if entry.offers_raw_cells]
        raise CommandError(f"--csv-raw applies only to the {', '.join(takers)} format")
    with open_store(args.project, read_only=True) as store:
        summary = export(
            store,
            args.out,
            format=fmt,
            annotators=args.annotator or (),
            tags=args.tag or (),
            kind=args.kind.value if args.kind else None,
            only_annotated=args.only_annotated,
            csv_raw=args.csv_raw,
        )
    where = "standard output" if summary.path == "-" else summary.path
    notes = "".join(f"; {note}" for note in summary.notes)
    warn(f"exported {summary.documents} document(s) and {summary.spans} span(s) to {where}{notes}")
    return EXIT_OK


def register(subparsers) -> None:
    """Add ``export`` to the top-level parser."""
    names = [entry.name for entry in formats()]
    by_suffix = ", ".join(f"{name} for a {suffix} OUT" for suffix, name in suffix_choices().items())
    p = subparsers.add_parser(
        "export", help=f"export the corpus ({', '.join(names)}; OUT may be - for stdout)"
    )
    p.add_argument("project", metavar="PROJECT", help="project file (.annotator)")
    p.add_argument("out", metavar="OUT", help="output file, or - for standard output")
    p.add_argument(
        "--format",
        choices=names,
        default=None,
        help="; ".join(f"{entry.name}: {entry.description}" for entry in formats())
        + f" (default: {by_suffix}, else {names[0]})",
    )
    p.add_argument(
        "--csv-raw",
        action="store_true",
        help="CSV: write cells exactly as stored, without the ' put before cells starting with "
        "= + - @ tab or CR that a spreadsheet would run as formulas",
    )
    p.add_argument(
        "--annotator", action="append", metavar="NAME", help="only this annotator's spans (repeatable)"
    )
    p.add_argument("--tag", action="append", metavar="NAME", help="only spans with this tag (repeatable)")
    p.add_argument("--kind", type=TagKind, choices=list(TagKind), help="only themes or only speakers")
    p.add_argument("--only-annotated", action="store_true", help="leave out documents without spans")
    p.set_defaults(handler=cmd_export)
