"""Commands for building and querying a project: import, tags, stats, search, annotate."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from annotator.analysis.stats import project_stats
from annotator.cli import deferred
from annotator.cli.common import EXIT_ERROR, EXIT_OK, CommandError, open_store, print_json, say, warn
from annotator.model import TagKind
from annotator.palette import palette_order
from annotator.store import Store

# Loaded only by the commands that use them, so that reading commands start quickly.
ImportOptions = deferred("annotator.importers", "ImportOptions")
import_paths = deferred("annotator.importers.batch", "import_paths")  # the file readers behind it
load_scheme = deferred("annotator.scheme", "load_scheme")
resolve_annotator = deferred("annotator.settings", "resolve_annotator")  # platformdirs, the settings file

TAGS_SUBCOMMANDS = ("list", "add", "import", "export", "rename", "recolor", "delete", "merge")


def normalise_tags_arguments(argv: list[str]) -> list[str]:
    """``annotator tags PROJECT`` means ``annotator tags list PROJECT``."""
    if (
        argv
        and argv[0] == "tags"
        and len(argv) > 1
        and argv[1] not in TAGS_SUBCOMMANDS
        and not argv[1].startswith("-")
    ):
        return ["tags", "list", *argv[1:]]
    return argv


def launch_window(project: str | None) -> int:
    """Start the desktop window on ``project`` (or the default sample project)."""
    try:
        from annotator.gui.app import run
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("annotator.gui"):
            warn(
                "annotator: the desktop window is not part of this build yet; "
                "use the commands listed by 'annotator --help'"
            )
            return EXIT_ERROR
        warn(f"annotator: error: the desktop window needs {exc.name} (pip install PySide6-Essentials)")
        return EXIT_ERROR
    return run(project)


def _kind(value: str) -> TagKind:
    try:
        return TagKind(value)
    except ValueError:
        raise argparse.ArgumentTypeError("kind must be 'theme' or 'speaker'") from None


def _hit_limit(value: str) -> int:
    """A number of hits to list: a whole number of at least 1."""
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give a whole number of hits, at least 1")
    return limit


# -- import -----------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    """Import files and folders; one line per failure, a summary at the end."""
    store = open_store(args.project, create=True)
    options = ImportOptions(
        transcript=args.transcript,
        text_column=args.text_column,
        title_column=args.title_column,
        strict=args.strict,
        max_file_bytes=int(args.max_size_mb * 1024 * 1024),
    )
    show_progress = sys.stderr.isatty()

    def progress(done: int, total: int, path: Path) -> None:
        if show_progress and total:
            sys.stderr.write(f"\r{done}/{total} files")
            sys.stderr.flush()

    with store:
        report = import_paths(
            store,
            args.paths,
            annotator=resolve_annotator(args.annotator),
            options=options,
            progress=progress,
        )
    if show_progress:
        sys.stderr.write("\r")
    for result in report.results:
        _print_file_result(result)
    say(report.summary())
    return EXIT_ERROR if report.failed or report.part_failures else EXIT_OK


def _print_file_result(result) -> None:
    """A file's lines: refused parts and failures on stderr, skipped parts and outcome on stdout."""

    def number(where: str) -> str:
        return where.removeprefix("line ").removeprefix("row ")

    for where, reason in result.part_failures:
        warn(f"failed: {result.path}:{number(where)}: {reason}")
    for where, reason in result.skipped_parts:
        say(f"skipped: {result.path}:{number(where)}: {reason}")
    collapsed = f"{result.spans_collapsed} identical span(s) collapsed" if result.spans_collapsed else ""
    if result.status == "failed":
        warn(f"failed: {result.path}: {result.message}")
    elif result.status == "duplicate":
        say(f"skipped: {result.path}: {'; '.join(filter(None, [result.message, collapsed]))}")
    else:
        added = f"{result.annotations_added} annotation(s)" if result.annotations_added else ""
        extra = "; ".join(filter(None, [added, collapsed, result.message]))
        say(f"imported: {result.path}" + (f" ({extra})" if extra else ""))


# -- tags ---------------------------------------------------------------------


def _tag_rows(store: Store) -> list[dict]:
    usage = store.tag_usage()
    by_id = {tag.id: tag for tag in store.tags()}
    rows = []
    for number, tag in enumerate(palette_order(list(by_id.values())), start=1):
        rows.append(
            {
                "key": number if number <= 9 else None,
                "kind": tag.kind.value,
                "name": tag.name,
                "path": store.tag_path(tag),
                "color": tag.color,
                "description": tag.description,
                "parent": by_id[tag.parent_id].name if tag.parent_id in by_id else None,
                "annotations": usage.get(tag.id, 0),
                "id": tag.id,
            }
        )
    return rows


def cmd_tags_list(args: argparse.Namespace) -> int:
    """List tags in palette order (as the window numbers them) with colour, count and key."""
    with open_store(args.project, read_only=True) as store:
        rows = _tag_rows(store)
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not rows:
        say("no tags yet; add one with 'annotator tags add' or 'annotator tags import'")
    for row in rows:
        key = str(row["key"]) if row["key"] else " "
        say(f"{key}  {row['kind']:<7}  {row['color']}  {row['annotations']:>6}  {row['path']}")
    return EXIT_OK


def cmd_tags_add(args: argparse.Namespace) -> int:
    """Create one tag."""
    from annotator.ops import AddTag, run

    with open_store(args.project, create=True) as store:
        parent = store.find_tag(TagKind.THEME, args.parent) if args.parent else None
        if args.parent and parent is None:
            raise CommandError(f"no theme named '{args.parent}' to nest under")
        op = AddTag(
            kind=args.kind,
            name=args.name,
            color=args.color,
            description_text=args.description,
            parent_id=parent.id if parent else None,
        )
        run(store, op)
        tag = op.tag
    assert tag is not None  # set by the op's first apply
    say(f"added {tag.kind.value} '{tag.name}' ({tag.color})")
    return EXIT_OK


def cmd_tags_import(args: argparse.Namespace) -> int:
    """Add the tags of a JSON scheme or a REFI-QDA codebook (.qdc); existing names are kept as they are."""
    if str(args.scheme).lower().endswith(".qdc"):
        from annotator.refiqda.codebook import codes_to_scheme, read_codebook

        scheme = codes_to_scheme(read_codebook(args.scheme))
    else:
        scheme = load_scheme(args.scheme)
    from annotator.ops import ImportScheme, run

    with open_store(args.project, create=True) as store:
        op = ImportScheme(scheme)
        run(store, op)
    say(f"{op.added} tag(s) added, {op.skipped} already present")
    return EXIT_OK


def cmd_tags_export(args: argparse.Namespace) -> int:
    """Write the project's tags as a REFI-QDA codebook (.qdc) for other QDA programs."""
    from annotator import __version__
    from annotator.exporters.replacing import writing_beside
    from annotator.refiqda.codebook import codebook_file

    if not str(args.out).lower().endswith(".qdc"):
        raise CommandError(f"{args.out}: a codebook is written as a .qdc file; give a name ending in .qdc")
    with open_store(args.project, read_only=True) as store:
        tags = store.tags()
    data, codes = codebook_file(tags, origin=f"Annotator {__version__}")
    with writing_beside(Path(args.out), Path(args.project)) as (descriptor, _temporary):
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    say(f"wrote {codes} code(s) to {args.out}")
    return EXIT_OK


def _find(store: Store, name: str, kind: TagKind | None):
    if kind is None:
        return store.find_tag_by_name(name)
    tag = store.find_tag(kind, name)
    if tag is None:
        raise CommandError(f"no {kind.value} named '{name}'")
    return tag


def cmd_tags_rename(args: argparse.Namespace) -> int:
    """Rename a tag."""
    from annotator.ops import UpdateTag, run

    with open_store(args.project) as store:
        tag_id = _find(store, args.name, args.kind).id
        run(store, UpdateTag(tag_id, name=args.new_name))
        tag = store.tag(tag_id)
    say(f"renamed to '{tag.name}'")
    return EXIT_OK


def cmd_tags_recolor(args: argparse.Namespace) -> int:
    """Give a tag a new colour."""
    from annotator.ops import UpdateTag, run

    with open_store(args.project) as store:
        tag_id = _find(store, args.name, args.kind).id
        run(store, UpdateTag(tag_id, color=args.color))
        tag = store.tag(tag_id)
    say(f"'{tag.name}' is now {tag.color}")
    return EXIT_OK


def cmd_tags_delete(args: argparse.Namespace) -> int:
    """Delete a tag; refuses one in use unless --force."""
    from annotator.ops import DeleteTag, run

    with open_store(args.project) as store:
        tag = _find(store, args.name, args.kind)
        used = store.tag_usage().get(tag.id, 0)
        if used and not args.force:
            raise CommandError(
                f"'{tag.name}' is used by {used} annotation(s); add --force to delete them too"
            )
        used = len(run(store, DeleteTag(tag.id)).removed)
    say(f"deleted '{tag.name}' and {used} annotation(s)")
    return EXIT_OK


def cmd_tags_merge(args: argparse.Namespace) -> int:
    """Move every annotation of one tag to another and delete the first."""
    from annotator.ops import MergeTags, run

    with open_store(args.project) as store:
        source = _find(store, args.source, args.kind)
        target = _find(store, args.target, args.kind)
        moved = run(store, MergeTags(source.id, target.id)).updated
    say(f"merged '{source.name}' into '{target.name}' ({len(moved)} annotation(s) moved)")
    return EXIT_OK


# -- stats, search, documents, annotations -------------------------------------


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the project's counts."""
    with open_store(args.project, read_only=True) as store:
        stats = project_stats(store)
    if args.json:
        print_json(stats)
        return EXIT_OK
    say(f"documents:   {stats['documents']}")
    say(f"characters:  {stats['characters']}")
    say(f"tags:        {stats['tags']['theme']} theme(s), {stats['tags']['speaker']} speaker(s)")
    say(f"annotations: {stats['annotations']}")
    for heading, table in (("per tag", stats["per_tag"]), ("per annotator", stats["per_annotator"])):
        if table:
            say(f"{heading}:")
            for name, count in table.items():
                say(f"  {count:>7}  {name}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    """Full-text search; prints title, offsets and a snippet per hit."""
    with open_store(args.project, read_only=True) as store:
        hits = store.search(args.query, limit=args.limit)
    if args.json:
        print_json(
            [
                {
                    "document_id": h.document_id,
                    "title": h.title,
                    "start": h.start,
                    "end": h.end,
                    "snippet": h.snippet,
                }
                for h in hits
            ]
        )
        return EXIT_OK
    for hit in hits:
        say(f"{hit.title}  [{hit.start}, {hit.end})  {hit.snippet}")
    say(f"{len(hits)} hit(s)" + (" (limit reached)" if len(hits) >= args.limit else ""))
    return EXIT_OK


def cmd_documents(args: argparse.Namespace) -> int:
    """List documents with their length, annotation count and status."""
    with open_store(args.project, read_only=True) as store:
        docs = store.documents()
    if args.json:
        print_json(
            [
                {
                    "id": d.id,
                    "title": d.title,
                    "characters": d.length,
                    "annotations": d.annotation_count,
                    "status": d.status.value,
                    "sha256": d.sha256,
                }
                for d in docs
            ]
        )
        return EXIT_OK
    for d in docs:
        say(f"{d.id[:8]}  {d.status.value:<11}  {d.length:>9} chars  {d.annotation_count:>6} ann.  {d.title}")
    return EXIT_OK


def cmd_annotate(args: argparse.Namespace) -> int:
    """Tag a span of a document by code-point offsets, by the rules of the window: the span is
    trimmed of surrounding white space, and a document still "to do" is marked in progress."""
    from annotator.ops import annotate_span, run

    with open_store(args.project) as store:
        document = store.find_document(args.document)
        tag = _find(store, args.tag, args.kind)
        [annotation] = run(
            store,
            annotate_span(
                store,
                document_id=document.id,
                start=args.start,
                end=args.end,
                tag_id=tag.id,
                annotator=resolve_annotator(args.annotator),
                note=args.note,
            ),
        ).added
    say(
        f"{annotation.id}  [{annotation.start}, {annotation.end})  {tag.name}: "
        f"{document.text[annotation.start : annotation.end]!r}"
    )
    return EXIT_OK


def cmd_annotations(args: argparse.Namespace) -> int:
    """List annotations, of one document or all."""
    with open_store(args.project, read_only=True) as store:
        tags = {t.id: t for t in store.tags()}
        if args.document:
            document = store.find_document(args.document)
            pairs = [(document, a) for a in store.annotations_for_document(document.id)]
        else:
            texts: dict = {}
            pairs = []
            for a in store.iter_annotations():
                if a.document_id not in texts:
                    texts[a.document_id] = store.document(a.document_id)
                pairs.append((texts[a.document_id], a))
    rows = [
        {
            "id": a.id,
            "document_id": d.id,
            "document": d.title,
            "start": a.start,
            "end": a.end,
            "tag": tags[a.tag_id].name,
            "kind": tags[a.tag_id].kind.value,
            "annotator": a.annotator,
            "note": a.note,
            "text": d.text[a.start : a.end],
        }
        for d, a in pairs
    ]
    if args.json:
        print_json(rows)
        return EXIT_OK
    for r in rows:
        say(f"{r['document']}  [{r['start']}, {r['end']})  {r['tag']}  {r['annotator']}  {r['text']!r}")
    return EXIT_OK


# -- registration --------------------------------------------------------------


def _project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help="project file (.annotator)")


def _kind_option(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--kind",
        type=_kind,
        required=required,
        default=None,
        help="theme or speaker (needed when both kinds use the name)",
    )


#: Tag actions that name existing tags: (action, help, positional (dest, metavar) pairs, handler).
_TAG_EDIT_ACTIONS = (
    ("rename", "rename a tag", (("name", "NAME"), ("new_name", "NEW_NAME")), cmd_tags_rename),
    ("recolor", "change a tag's colour", (("name", "NAME"), ("color", "#RRGGBB")), cmd_tags_recolor),
    ("delete", "delete a tag (and, with --force, its annotations)", (("name", "NAME"),), cmd_tags_delete),
    (
        "merge",
        "move one tag's annotations to another, delete the first",
        (("source", "SOURCE"), ("target", "TARGET")),
        cmd_tags_merge,
    ),
)


def _register_tags(subparsers) -> None:
    tags = subparsers.add_parser(
        "tags",
        help="list and manage themes and speakers",
        description="'annotator tags PROJECT' lists the tags.",
    )
    sub = tags.add_subparsers(dest="tags_command", metavar="ACTION", required=True)
    p = sub.add_parser("list", help="list tags in palette order")
    _project_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_tags_list)
    p = sub.add_parser("add", help="create a theme or speaker")
    _project_arg(p)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--kind", type=_kind, default=TagKind.THEME, help="theme (default) or speaker")
    p.add_argument("--color", help="#rrggbb (default: next palette colour)")
    p.add_argument("--parent", help="theme to nest under")
    p.add_argument("--description", default="", help="what the tag means")
    p.set_defaults(handler=cmd_tags_add)
    p = sub.add_parser("import", help="add the tags of a JSON scheme or a REFI-QDA codebook (.qdc)")
    _project_arg(p)
    p.add_argument("scheme", metavar="SCHEME.json|CODEBOOK.qdc")
    p.set_defaults(handler=cmd_tags_import)
    p = sub.add_parser("export", help="write the tags as a REFI-QDA codebook (.qdc)")
    _project_arg(p)
    p.add_argument("out", metavar="OUT.qdc")
    p.set_defaults(handler=cmd_tags_export)
    for action, help_text, positionals, handler in _TAG_EDIT_ACTIONS:
        p = sub.add_parser(action, help=help_text)
        _project_arg(p)
        for dest, metavar in positionals:
            p.add_argument(dest, metavar=metavar)
        if action == "delete":
            p.add_argument("--force", action="store_true", help="also delete its annotations")
        _kind_option(p)
        p.set_defaults(handler=handler)


def register(subparsers) -> None:
    """Add this module's commands to the top-level parser."""
    p = subparsers.add_parser("import", help="import files or folders (creates PROJECT if missing)")
    _project_arg(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)")
    p.add_argument("--annotator", help="name recorded on imported annotations")
    p.add_argument("--transcript", action="store_true", help="read 'Name: words' lines as speaker turns")
    p.add_argument("--text-column", help="CSV/TSV: column with the text")
    p.add_argument("--title-column", help="CSV/TSV: column with the title")
    p.add_argument("--strict", action="store_true", help="JSONL: reject the whole file if a line is bad")
    p.add_argument("--max-size-mb", type=float, default=64, help="refuse files larger than this (default 64)")
    p.set_defaults(handler=cmd_import)

    _register_tags(subparsers)

    p = subparsers.add_parser("stats", help="documents, characters, tags, annotations")
    _project_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_stats)

    p = subparsers.add_parser("search", help="full-text search of the corpus")
    _project_arg(p)
    p.add_argument("query", metavar="QUERY", help='words (all must occur), "a phrase", or prefix*')
    p.add_argument("--limit", type=_hit_limit, default=200, help="most hits to show (default 200)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_search)

    p = subparsers.add_parser("documents", help="list documents")
    _project_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_documents)

    p = subparsers.add_parser("annotate", help="tag a span given by code-point offsets")
    _project_arg(p)
    p.add_argument("document", metavar="DOCUMENT", help="document id, id prefix or title")
    p.add_argument("start", type=int, metavar="START")
    p.add_argument("end", type=int, metavar="END")
    p.add_argument("tag", metavar="TAG", help="tag name")
    _kind_option(p)
    p.add_argument("--note", help="a note on the span")
    p.add_argument("--annotator", help="who is annotating (default: settings, then OS user)")
    p.set_defaults(handler=cmd_annotate)

    p = subparsers.add_parser("annotations", help="list annotations")
    _project_arg(p)
    p.add_argument("document", nargs="?", metavar="DOCUMENT", help="only this document")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_annotations)

    p = subparsers.add_parser("gui", help="open the desktop window")
    p.add_argument(
        "project", nargs="?", metavar="PROJECT", help="project file (default: your sample project)"
    )
    p.set_defaults(handler=lambda args: launch_window(args.project))
