"""``annotator retrieve`` (coded retrieval) and ``annotator matrix`` (counts and code matrices).

Names on the command line are resolved as ``annotate`` resolves them: a tag
by name of either kind (a name both a theme and a speaker use is refused), a
speaker by name, a document by id, id prefix or title; an annotator must have
spans in the project. Anything unknown is one line on standard error and
exit status 1. The analysis modules (and NumPy) load only when a command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.cli.common import EXIT_OK, CommandError, open_store, print_json, say, shown, warn
from annotator.model import DocumentStatus, TagKind

if TYPE_CHECKING:
    from annotator.analysis.matrix_files import Table
    from annotator.analysis.query import Passage, PassageQuery
    from annotator.analysis.retrieval import TagTree
    from annotator.store import Store

#: How a passage is marked inside its context in text output.
OPEN_MARK, CLOSE_MARK = "»", "«"
#: How a newline shows inside a passage's context (other control characters are escaped).
NEWLINE_MARK = " ¶ "


def _tag_id(store: Store, name: str) -> str:
    return store.find_tag_by_name(name).id


def _speaker_id(store: Store, name: str) -> str:
    tag = store.find_tag(TagKind.SPEAKER, name)
    if tag is None:
        raise CommandError(f"no speaker named '{name}'")
    return tag.id


def _annotator(store: Store, name: str) -> str:
    if not store.has_annotator(name):
        raise CommandError(f"no spans by an annotator named '{name}'")
    return name


def query_of(store: Store, args: argparse.Namespace) -> PassageQuery:
    """The ``PassageQuery`` the options ask for, names resolved to ids (unknown ones refused)."""
    from annotator.analysis.query import Combine, PassageQuery

    def unique(values: Any) -> tuple:
        return tuple(dict.fromkeys(values))

    return PassageQuery(
        tags=unique(_tag_id(store, n) for n in args.tag or ()),
        combine=Combine.ALL if getattr(args, "all", False) else Combine.ANY,
        exclude_tags=unique(_tag_id(store, n) for n in args.exclude or ()),
        include_subthemes=not args.no_subthemes,
        speakers=unique(_speaker_id(store, n) for n in args.speaker or ()),
        annotators=unique(_annotator(store, n) for n in args.annotator or ()),
        documents=unique(store.find_document(ref).id for ref in args.document or ()),
        statuses=unique(DocumentStatus(s) for s in args.status or ()),
        same_paragraph=bool(getattr(args, "same_paragraph", False)),
    )


# -- retrieve -------------------------------------------------------------------


def _shown_text(text: str) -> str:
    return shown(text.replace("\r\n", "\n").replace("\n", NEWLINE_MARK))


def passage_block(store: Store, passage: Passage, tree: TagTree, context: int) -> list[str]:
    """The lines showing one passage: where, tags, speaker, annotators; the text marked; notes."""
    from annotator.analysis.retrieval import passage_context

    names = tree.by_id
    tags = " + ".join(names[t].name if t in names else t for t in passage.tag_ids)
    head = f"{passage.document_title}  [{passage.start}, {passage.end})  {tags}"
    if passage.speaker_id in names:
        head += f"  speaker: {names[passage.speaker_id].name}"
    head += f"  by: {', '.join(passage.annotators)}"
    before, middle, after = passage_context(store, passage, context)
    lead = "…" if passage.start - len(before) > 0 else ""
    tail = "…" if passage.end + len(after) < store.document_length(passage.document_id) else ""
    text = (
        f"{lead}{_shown_text(before)}{OPEN_MARK}{_shown_text(middle)}{CLOSE_MARK}{_shown_text(after)}{tail}"
    )
    lines = [shown(head), "  " + text]
    lines += ["  note: " + _shown_text(note) for note in passage.notes]
    return lines


def cmd_retrieve(args: argparse.Namespace) -> int:
    """Print (or export) every passage the query asks for."""
    from annotator.analysis.retrieval import TagTree, describe, passage_context, retrieve

    out = Path(args.out) if args.out else None
    if out is not None:
        from annotator.analysis.passages_export import format_of

        format_of(out, None)  # a bad suffix is refused before the project opens
    with open_store(args.project, read_only=True) as store:
        query = query_of(store, args)
        result = retrieve(store, query)
        if out is not None:
            from annotator.analysis.passages_export import export_passages

            written = export_passages(store, result, out, context=args.context)
            warn(f"wrote {written} passage(s) to {out}")
            return EXIT_OK
        tree = TagTree.load(store)
        if args.json:
            rows = []
            for passage in result:
                before, middle, after = passage_context(store, passage, args.context)
                rows.append({**describe(passage, tree), "before": before, "text": middle, "after": after})
            print_json(rows)
            return EXIT_OK
        total = 0
        for passage in result:
            for line in passage_block(store, passage, tree, args.context):
                print(line)
            print()
            total += 1
    say(f"{total} passage(s)")
    return EXIT_OK


# -- matrix ---------------------------------------------------------------------


def cmd_matrix(args: argparse.Namespace) -> int:
    """Print or write one matrix (co-occurrence, theme x speaker, document x tag ...) or the frequencies."""
    from annotator.analysis.matrix_files import csv_text, table_lines, write_table

    fmt = args.format or _format_from(args.out)
    if fmt == "xlsx" and not args.out:
        raise CommandError("--format xlsx needs --out FILE.xlsx")
    if args.cols is None and args.rows != "tags":
        raise CommandError(f"--rows {args.rows} needs --cols (only --rows tags alone gives the frequencies)")
    with open_store(args.project, read_only=True) as store:
        query = query_of(store, args)
        table = _frequency_table(store, query) if args.cols is None else _matrix_table(store, query, args)
        if args.out:
            write_table(store, table, Path(args.out), fmt)
            warn(f"wrote a {len(table.rows)} x {len(table.header) - table.labels} table to {args.out}")
            return EXIT_OK
    if fmt == "json":
        print_json(table.json)
    elif fmt == "csv":
        for record in csv_text(table).split("\r\n")[:-1]:
            say(record)  # a newline inside a quoted cell is shown escaped, like any control character
    else:
        for line in table_lines(table):
            say(line)
    return EXIT_OK


def _matrix_table(store: Store, query: PassageQuery, args: argparse.Namespace) -> Table:
    from annotator.analysis.matrices import Axis, Measure, matrix
    from annotator.analysis.matrix_files import matrix_table

    try:
        m = matrix(
            store,
            rows=Axis(args.rows),
            cols=Axis(args.cols),
            measure=Measure(args.measure),
            base=query,
            same_paragraph=args.same_paragraph,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return matrix_table(m)


def _frequency_table(store: Store, query: PassageQuery) -> Table:
    from annotator.analysis.matrices import frequencies
    from annotator.analysis.matrix_files import frequency_table

    try:
        found = frequencies(store, query)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return frequency_table(found, {f.tag.id: store.tag_path(f.tag) for f in found})


def _format_from(out: str | None) -> str:
    if out is None:
        return "table"
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix in ("csv", "xlsx", "json"):
        return suffix
    if suffix in ("txt", ""):
        return "table"
    raise CommandError(
        f"{out}: cannot tell the format from '.{suffix}'; give --format csv, xlsx, json or table"
    )


# -- registration ---------------------------------------------------------------


def _filters(p: argparse.ArgumentParser, *, combine: bool) -> None:
    p.add_argument("project", metavar="PROJECT", help="project file (.annotator)")
    add_filter_options(p, combine=combine)


def add_filter_options(p: argparse.ArgumentParser, *, combine: bool = False) -> None:
    """Retrieval's filters (each repeatable), shared by retrieve, matrix and report so they mean the same.

    --tag, with ``combine`` --any / --all, --not, --speaker, --annotator,
    --document, --status, and --no-subthemes; ``query_of`` turns them into a query.
    """
    p.add_argument("--tag", action="append", metavar="NAME", help="a theme or speaker (repeat for several)")
    if combine:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--any", action="store_true", help="passages coded with any of the tags (default)")
        group.add_argument("--all", action="store_true", help="only where every tag's spans overlap")
    p.add_argument(
        "--not",
        dest="exclude",
        action="append",
        metavar="NAME",
        help="drop passages touching this tag's spans",
    )
    p.add_argument("--speaker", action="append", metavar="NAME", help="only passages in this speaker's turns")
    p.add_argument("--annotator", action="append", metavar="NAME", help="only spans by this annotator")
    p.add_argument(
        "--document", action="append", metavar="TITLE", help="only this document (title, id or prefix)"
    )
    p.add_argument(
        "--status",
        action="append",
        choices=[s.value for s in DocumentStatus],
        help="only documents with this status",
    )
    p.add_argument("--no-subthemes", action="store_true", help="a theme stands for itself only")


def register(subparsers: Any) -> None:
    """Add ``retrieve`` and ``matrix`` to the top-level parser."""
    p = subparsers.add_parser("retrieve", help="list coded passages (tags combined with any / all / not)")
    _filters(p, combine=True)
    p.add_argument("--same-paragraph", action="store_true", help="with --all: pair spans of the same line")
    p.add_argument(
        "--context", type=int, default=80, metavar="N", help="characters of context each side (80)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--out", metavar="FILE", help="write the passages to FILE.csv, .xlsx, .html or .docx")
    p.set_defaults(handler=cmd_retrieve)

    axes = ("tags", "documents", "speakers", "annotators")
    p = subparsers.add_parser("matrix", help="counts and code matrices (co-occurrence, theme x speaker, ...)")
    _filters(p, combine=False)
    p.add_argument("--rows", required=True, choices=axes, help="what the rows are")
    p.add_argument(
        "--cols", choices=axes, help="what the columns are (without: --rows tags gives the frequencies)"
    )
    p.add_argument(
        "--measure",
        default="count",
        choices=("count", "documents", "characters", "presence", "jaccard"),
        help="what a cell holds (default count)",
    )
    p.add_argument("--same-paragraph", action="store_true", help="tags x tags: pair spans of the same line")
    p.add_argument(
        "--format", choices=("table", "csv", "xlsx", "json"), help="default: from --out, else table"
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(handler=cmd_matrix)
