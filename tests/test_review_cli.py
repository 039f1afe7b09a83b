"""``annotator agree``, ``merge`` and ``share`` from the command line."""

from __future__ import annotations

import json
import sqlite3

import pytest
from review_helpers import SHARED, digest, folder_digests, listing, make_pair, make_project

from annotator.review.loading import open_colleague
from annotator.store import Store

METRIC_KEYS = {
    "cohen_kappa",
    "krippendorff_alpha",
    "precision_exact",
    "recall_exact",
    "f1_exact",
    "precision_overlap",
    "recall_overlap",
    "f1_overlap",
    "counts",
}


@pytest.fixture
def files(tmp_path):
    return make_pair(tmp_path)


def test_agree_json_shape_and_values(files, run_cli):
    ours, theirs = files
    before = folder_digests(theirs.parent)
    result = run_cli("agree", ours, theirs, "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["documents"] == 1 and report["characters"] == len(
        SHARED
    )  # the extra document is not shared
    assert report["annotators"] == ["ana", "ben"] and report["tags"] == ["Ana", "Ben", "Security"]
    [pair] = report["pairs"]
    assert (pair["a"], pair["b"]) == ("ana", "ben")
    assert set(pair["per_tag"]) == {"Security", "Ana", "Ben"}
    assert all(set(m) == METRIC_KEYS for m in [*pair["per_tag"].values(), pair["overall"]])
    security = pair["per_tag"]["Security"]
    n = len(SHARED)  # 55: ana "security" (8), ben "security and trade" (18)
    assert security["counts"] == {
        "characters": n,
        "both": 8,
        "only_a": 0,
        "only_b": 10,
        "neither": n - 18,
        "spans_a": 1,
        "spans_b": 1,
        "matches_exact": 0,
        "matches_overlap": 1,
    }
    # po = 45/55, pa = 8/55, pb = 18/55, pe = (8*18 + 47*37)/55^2 = 1883/3025
    po, pe = 45 / 55, 1883 / 3025
    assert security["cohen_kappa"] == pytest.approx((po - pe) / (1 - pe))
    # o = 10, n_in = 26, n_out = 84, n = 110: alpha = 1 - 109*10/(26*84)
    assert security["krippendorff_alpha"] == pytest.approx(1 - 109 * 10 / (26 * 84))
    assert security["f1_exact"] == 0.0 and security["f1_overlap"] == 1.0
    ben = pair["per_tag"]["Ben"]  # only ben used it: nothing for ana to recall
    assert ben["precision_exact"] == 0.0 and ben["recall_exact"] is None and ben["f1_exact"] == 0.0
    assert folder_digests(theirs.parent) == before


def test_agree_leaves_out_tags_nobody_used(files, run_cli):
    ours, theirs = files
    with Store.open(ours) as store:
        store.add_tag(kind="theme", name="Unused theme")
    report = json.loads(run_cli("agree", ours, theirs, "--json").out)
    assert report["tags"] == ["Ana", "Ben", "Security"]


def test_agree_table_and_tag_filter(files, run_cli):
    ours, theirs = files
    table = run_cli("agree", ours, theirs, "--tag", "SECURITY")
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0] == f"1 shared document(s), {len(SHARED)} characters; annotators: ana, ben"
    assert "ana vs ben" in lines
    assert lines[3].split() == ["tag", "kappa", "alpha", "F1", "ex", "F1", "ov", "spans", "a/b"]
    tag_rows = [line.split()[0] for line in lines[4:]]
    assert tag_rows == ["Security", "(overall)"]


def test_agree_with_no_variation_prints_null(tmp_path, run_cli):
    ours, theirs = make_pair(tmp_path)
    result = json.loads(run_cli("agree", ours, theirs, "--tag", "Ana", "--json").out)
    ana = result["pairs"][0]["per_tag"]["Ana"]
    # ana marks "Ana" (3 characters), ben marks nothing: kappa 0 (pe = po), precision undefined
    assert ana["cohen_kappa"] == pytest.approx(0.0) and ana["precision_exact"] is None
    assert "null" in run_cli("agree", ours, theirs, "--tag", "Ana", "--json").out


def test_agree_errors_are_one_line(files, tmp_path, run_cli):
    ours, _ = files
    missing = run_cli("agree", ours, tmp_path / "nope.annotator")
    assert missing.code == 1 and "no such project file" in missing.err and len(missing.err.splitlines()) == 1
    (tmp_path / "junk.annotator").write_text("junk")
    junk = run_cli("agree", ours, tmp_path / "junk.annotator", "--json")
    assert junk.code == 1 and "not a SQLite database" in junk.err and "Traceback" not in junk.err
    assert run_cli("agree").code == 2


def test_merge_command_reports_and_is_idempotent(files, run_cli):
    ours, theirs = files
    before = digest(theirs)
    first = run_cli("merge", ours, theirs)
    assert first.code == 0, first.err
    assert first.out.startswith(
        "1 document(s), 1 tag(s) and 2 annotation(s) added; 0 conflict(s); backup at "
    )
    second = run_cli("merge", ours, theirs)
    assert (
        second.out.strip()
        == "0 document(s), 0 tag(s) and 0 annotation(s) added; 0 conflict(s); nothing changed"
    )
    assert digest(theirs) == before
    with Store.open(ours) as store:
        assert store.annotation_count() == 4


def test_share_writes_one_self_contained_file(files, tmp_path, run_cli):
    ours, _ = files
    with Store.open(ours) as live:  # the project is in WAL mode while open
        assert live.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    out_folder = tmp_path / "drive"
    out_folder.mkdir()
    out = out_folder / "to-send.annotator"
    result = run_cli("share", ours, out)
    assert result.code == 0, result.err
    assert listing(out_folder) == ["to-send.annotator"]
    assert out.read_bytes()[18:20] == b"\x01\x01"  # rollback journal, not WAL, in the header
    conn = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    with open_colleague(out) as copy:
        assert copy.store.annotation_count() == 2 and copy.store.document_count() == 1
    assert listing(out_folder) == ["to-send.annotator"]


def test_share_refuses_to_overwrite_the_project(files, tmp_path, run_cli):
    ours, _ = files
    same = run_cli("share", ours, ours)
    assert same.code == 1 and "project itself" in same.err
    nowhere = run_cli("share", ours, tmp_path / "no" / "folder.annotator")
    assert nowhere.code == 1 and "folder does not exist" in nowhere.err
    with Store.open(ours) as store:
        assert store.annotation_count() == 2 and store.integrity_ok()


def test_an_unknown_tag_is_a_one_line_error(files, run_cli):
    ours, theirs = files
    result = run_cli("agree", ours, theirs, "--tag", "Securty")
    assert result.code == 1 and result.out == ""
    assert result.err.strip() == "annotator: error: no annotation in these files uses a tag named 'Securty'"


def test_a_theme_and_a_speaker_of_the_same_name_are_told_apart(tmp_path, run_cli):
    ours = make_project(
        tmp_path / "o.annotator", "ana", [("Ana", "Ana", "speaker"), ("Ana met", "ana", "theme")]
    )
    theirs = make_project(tmp_path / "t.annotator", "ben", [("Ana", "Ana", "speaker")])
    report = json.loads(run_cli("agree", ours, theirs, "--json").out)
    assert report["tags"] == ["Ana (speaker)", "ana (theme)"]
    assert report["pairs"][0]["per_tag"]["Ana (speaker)"]["cohen_kappa"] == pytest.approx(1.0)
    only_theme = json.loads(run_cli("agree", ours, theirs, "--json", "--tag", "ana (theme)").out)
    assert only_theme["tags"] == ["ana (theme)"]
    both = json.loads(run_cli("agree", ours, theirs, "--json", "--tag", "ANA").out)
    assert both["tags"] == ["Ana (speaker)", "ana (theme)"]
