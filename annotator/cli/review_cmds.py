"""``annotator agree``, ``disagreements``, ``merge`` and ``share``: working with colleagues' project files.

Agreement and disagreements compare annotators across the files, never file
against file, and leave out spans a program made (``auto:...``) unless
``--include-automatic`` is given.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack

from annotator.cli.common import EXIT_OK, open_store, print_json, say
from annotator.model import TagKind
from annotator.review.compare import agreement_report
from annotator.review.disagreements import Disagreement, all_disagreements, compared_annotators
from annotator.review.loading import open_colleague
from annotator.review.merge import merge_files
from annotator.review.share import share_copy

AUTOMATIC_HELP = "also compare spans made automatically (annotators named auto:..., such as speaker turns)"


def _figure(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def left_out_line(names: list[str]) -> str:
    """Which automatic annotators were not compared, and how to compare them."""
    return (
        f"left out: spans made automatically by {', '.join(names)} (add --include-automatic to compare them)"
    )


def print_agreement(report: dict) -> None:
    """A readable table per pair of annotators."""
    say(
        f"{report['documents']} shared document(s), {report['characters']:,} characters; "
        f"annotators: {', '.join(report['annotators']) or 'none'}"
    )
    if report["automatic_left_out"]:
        say(left_out_line(report["automatic_left_out"]))
    for pair in report["pairs"]:
        say()
        say(f"{pair['a']} vs {pair['b']}")
        say(f"  {'tag':<32} {'kappa':>6} {'alpha':>6} {'F1 ex':>6} {'F1 ov':>6} {'spans a/b':>11}")
        rows = [*pair["per_tag"].items(), ("(overall)", pair["overall"])]
        for tag, m in rows:
            counts = m["counts"]
            say(
                f"  {tag[:32]:<32} {_figure(m['cohen_kappa'])} {_figure(m['krippendorff_alpha'])} "
                f"{_figure(m['f1_exact'])} {_figure(m['f1_overlap'])} "
                f"{counts['spans_a']:>5}/{counts['spans_b']:<5}"
            )
    everyone = report["all_annotators"]
    if len(everyone["annotators"]) > 2:
        say()
        say(
            f"Krippendorff's alpha, all {len(everyone['annotators'])} annotators: "
            f"{_figure(everyone['overall']).strip()}"
        )


def cmd_agree(args: argparse.Namespace) -> int:
    """Agreement between every pair of annotators across the project and the other files."""
    with ExitStack() as stack:
        store = stack.enter_context(open_store(args.project, read_only=True))
        others = [stack.enter_context(open_colleague(path)).store for path in args.others]
        report = agreement_report(
            [store, *others], tags=args.tag or (), kind=args.kind, include_automatic=args.include_automatic
        )
    if args.json:
        print_json(report)
    else:
        print_agreement(report)
    return EXIT_OK


def _side(span) -> dict | None:
    return (
        None
        if span is None
        else {
            "id": span.id,
            "annotator": span.annotator,
            "start": span.start,
            "end": span.end,
            "kind": span.kind,
            "tag": span.tag,
        }
    )


def disagreement_json(found: Disagreement) -> dict:
    """One disagreement as ``annotator disagreements --json`` prints it."""
    return {
        "kind": found.kind,
        "start": found.start,
        "end": found.end,
        "a": found.a,
        "b": found.b,
        "key": found.key,
        "ours": _side(found.ours),
        "theirs": _side(found.theirs),
    }


def cmd_disagreements(args: argparse.Namespace) -> int:
    """Where annotators differ, document by document, across the project and the other files."""
    with ExitStack() as stack:
        store = stack.enter_context(open_store(args.project, read_only=True))
        stores = [store, *(stack.enter_context(open_colleague(path)).store for path in args.others)]
        found = all_disagreements(stores, include_automatic=args.include_automatic)
        annotators, left_out = compared_annotators(stores, include_automatic=args.include_automatic)
    if args.json:
        print_json(
            {
                "documents": [
                    {
                        "title": doc.title,
                        "sha256": doc.sha256,
                        "disagreements": [disagreement_json(d) for d in listed],
                    }
                    for doc, listed in found
                ],
                "annotators": annotators,
                "automatic_left_out": left_out,
            }
        )
        return EXIT_OK
    say(f"{len(found)} shared document(s); annotators: {', '.join(annotators) or 'none'}")
    if left_out:
        say(left_out_line(left_out))
    for doc, listed in found:
        if listed:
            say()
            say(f"{doc.title}: {len(listed)} disagreement(s)")
            for disagreement in listed:
                say(f"  {disagreement.describe()}")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    """Copy into PROJECT what it lacks from the other files."""
    with open_store(args.project, hourly_backup=False) as store:  # the merge backs up itself
        report = merge_files(store, args.others)
    for conflict in report.conflicts:
        say(f"conflict: {conflict}")
    for line in report.summary().split("\n"):  # what was left out, a line each, then the totals
        say(line)
    return EXIT_OK


def cmd_share(args: argparse.Namespace) -> int:
    """Write a single-file snapshot to send to colleagues."""
    with open_store(args.project, read_only=True) as store:
        target = share_copy(store, args.out)
    say(f"wrote {target}: one self-contained file, safe to send or put on a shared drive")
    return EXIT_OK


def register(subparsers) -> None:
    """Add the review commands to the top-level parser."""
    p = subparsers.add_parser("agree", help="agreement between annotators (kappa, alpha, span F1)")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("others", nargs="*", metavar="OTHER", help="colleagues' project files (only read)")
    p.add_argument("--tag", action="append", metavar="NAME", help="only this tag (repeatable)")
    p.add_argument("--kind", type=TagKind, choices=list(TagKind), help="only themes or only speakers")
    p.add_argument("--include-automatic", action="store_true", help=AUTOMATIC_HELP)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_agree)
    p = subparsers.add_parser(
        "disagreements", help="where annotators differ: missing spans, boundaries, tags"
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("others", nargs="*", metavar="OTHER", help="colleagues' project files (only read)")
    p.add_argument("--include-automatic", action="store_true", help=AUTOMATIC_HELP)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_disagreements)
    p = subparsers.add_parser(
        "merge", help="copy documents, tags and annotations PROJECT lacks from other files"
    )
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("others", nargs="+", metavar="OTHER", help="colleagues' project files (only read)")
    p.set_defaults(handler=cmd_merge)
    p = subparsers.add_parser("share", help="write a single-file snapshot, safe to send or share")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("out", metavar="OUT")
    p.set_defaults(handler=cmd_share)
