"""Agreement figures worked out by hand on small cases, then checked against brute force and a reference."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.review.agreement import (
    AlphaCounts,
    BinaryCounts,
    compare,
    coverage_runs,
    krippendorff_alpha,
    span_counts,
)

# One shared document "d1" of 20 characters; "d2" is held by one file only (left out of `lengths`).
LENGTHS = {"d1": 20}
T, U, V = "theme:t", "theme:u", "theme:v"
SPANS = {
    "ana": [("d1", 0, 10, T), ("d1", 0, 4, U), ("d2", 0, 5, T), ("d2", 0, 3, V)],
    "ben": [("d1", 5, 15, T), ("d2", 0, 5, T)],
}


def pair_result(spans=SPANS, tags=(T, U, V)):
    pairs, everyone = compare(LENGTHS, spans, list(tags))
    return pairs[0], everyone


def test_tag_t_half_overlap():
    pair, _ = pair_result()
    m = pair["per_tag"][T]
    # both 5..10, only ana 0..5, only ben 10..15, neither 15..20
    assert m["counts"] | {} == m["counts"]
    assert (m["counts"]["both"], m["counts"]["only_a"], m["counts"]["only_b"], m["counts"]["neither"]) == (
        5,
        5,
        5,
        5,
    )
    # po = 10/20 = .5, pa = pb = .5, pe = .25 + .25 = .5 -> kappa = 0
    assert m["cohen_kappa"] == pytest.approx(0.0)
    # 10 characters with one "in" of two: o = 10; n_in = 20, n_out = 20, n = 40
    # alpha = 1 - 39 * 10 / (20 * 20) = 0.025
    assert m["krippendorff_alpha"] == pytest.approx(0.025)
    # one span each, no exact match, one overlap match
    assert (m["precision_exact"], m["recall_exact"], m["f1_exact"]) == (0.0, 0.0, 0.0)
    assert (m["precision_overlap"], m["recall_overlap"], m["f1_overlap"]) == (1.0, 1.0, 1.0)


def test_tag_only_one_annotator_used():
    pair, _ = pair_result()
    m = pair["per_tag"][U]
    # ana covers 0..4, ben nothing: po = 16/20 = .8, pa = .2, pb = 0, pe = .8 -> kappa = 0
    assert m["cohen_kappa"] == pytest.approx(0.0)
    # o = 4, n_in = 4, n_out = 36, n = 40: alpha = 1 - 39*4/(4*36) = -0.08333
    assert m["krippendorff_alpha"] == pytest.approx(1 - 39 * 4 / (4 * 36))
    assert m["precision_exact"] is None  # ben has no spans to be precise about
    assert m["recall_exact"] == 0.0 and m["f1_exact"] == 0.0


def test_tag_used_only_on_a_document_one_file_has_is_undefined():
    pair, _ = pair_result()
    m = pair["per_tag"][V]
    # every shared character is "out" for both: no variation
    assert m["cohen_kappa"] is None and m["krippendorff_alpha"] is None
    assert m["f1_exact"] is None and m["counts"]["neither"] == 20


def test_overall_pools_tags():
    pair, _ = pair_result(tags=(T, U))
    m = pair["overall"]
    # both 5, only_a 9, only_b 5, neither 21 (N = 40)
    # po = .65, pa = .35, pb = .25, pe = .0875 + .4875 = .575, kappa = .075 / .425
    assert m["cohen_kappa"] == pytest.approx(0.075 / 0.425)
    # o = 14, n_in = 24, n_out = 56, n = 80: alpha = 1 - 79*14/(24*56)
    assert m["krippendorff_alpha"] == pytest.approx(1 - 79 * 14 / (24 * 56))
    assert m["f1_overlap"] == pytest.approx(2 / 3) and m["f1_exact"] == 0.0


def test_three_annotators_alpha():
    spans = {**SPANS, "cem": [("d1", 0, 10, T)]}
    pairs, everyone = compare(LENGTHS, spans, [T])
    assert [(p["a"], p["b"]) for p in pairs] == [("ana", "ben"), ("ana", "cem"), ("ben", "cem")]
    assert pairs[1]["per_tag"][T]["cohen_kappa"] == pytest.approx(1.0)  # ana and cem identical
    # 0..5: k=2 of 3 -> 2*1/2 = 1 each (5); 5..10: k=3 -> 0; 10..15: k=1 -> 1 each (5): o = 10
    # n_in = 10 + 15 + 5 = 30, n_out = 30, n = 60: alpha = 1 - 59*10/900
    assert everyone["per_tag"][T] == pytest.approx(1 - 59 * 10 / 900)


def test_overlapping_spans_of_one_annotator_count_once():
    runs = list(coverage_runs(10, [[(0, 4), (2, 6)], []]))
    assert sum(n for n, covered in runs if covered[0]) == 6 and sum(n for n, _ in runs) == 10
    pairs, _ = compare({"d": 10}, {"a": [("d", 0, 4, T), ("d", 2, 6, T)], "b": [("d", 0, 6, T)]}, [T])
    m = pairs[0]["per_tag"][T]
    assert m["cohen_kappa"] == pytest.approx(1.0)
    assert m["counts"]["both"] == 6
    # spans: a has 2, b has 1; one overlap match (each span used once)
    assert (m["counts"]["matches_overlap"], m["recall_overlap"], m["precision_overlap"]) == (1, 0.5, 1.0)


def test_overlap_matching_prefers_the_largest_overlap():
    a = [("d", 0, 10, T), ("d", 8, 20, T)]
    b = [("d", 9, 20, T)]
    counts = span_counts(a, b)
    assert counts.overlap == 1 and counts.exact == 0
    b2 = [("d", 0, 9, T), ("d", 9, 20, T)]
    assert span_counts(a, b2).overlap == 2


def test_exact_matching_is_a_multiset():
    a = [("d", 0, 5, T), ("d", 0, 5, T)]
    b = [("d", 0, 5, T)]
    assert span_counts(a, b).exact == 1


def test_undefined_values_are_none_not_errors():
    assert krippendorff_alpha(AlphaCounts()) is None
    from annotator.review.agreement import cohen_kappa

    assert cohen_kappa(BinaryCounts()) is None
    assert cohen_kappa(BinaryCounts(both=10)) is None  # everything in for both: pe = 1


intervals = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda p: (p[0], p[0] + p[1])), max_size=8
)


@given(intervals, intervals)
def test_closed_form_pair_counts_equal_the_sweep(a, b):
    from annotator.review.agreement import character_metrics, merged_intervals

    length = 70
    binary, alpha = character_metrics(length, [a, b])
    sweep = BinaryCounts()
    for run, covered in coverage_runs(length, [merged_intervals(a), merged_intervals(b)]):
        if covered[0] and covered[1]:
            sweep.both += run
        elif covered[0]:
            sweep.only_a += run
        elif covered[1]:
            sweep.only_b += run
        else:
            sweep.neither += run
    assert binary == sweep
    assert alpha.disagreement == sweep.only_a + sweep.only_b
    assert alpha.n_in + alpha.n_out == 2 * length


# -- cross-checks against per-character brute force and the `krippendorff` package --------------


def per_character(length, spans, annotators, docs, tag):
    """One row per annotator: 1 where a span of ``tag`` covers the character, else 0 (documents in order)."""
    rows = []
    for name in annotators:
        row = []
        for doc in docs:
            cells = [0] * length[doc]
            for d, start, end, t in spans.get(name, []):
                if d == doc and t == tag:
                    for i in range(start, end):
                        cells[i] = 1
            row.extend(cells)
        rows.append(row)
    return rows


def brute_kappa(a, b):
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return None if pe == 1 else (po - pe) / (1 - pe)


def brute_alpha(rows):
    """Krippendorff's nominal alpha from the coincidence matrix, as in the textbook definition."""
    coincidences = Counter()
    m = len(rows)
    for unit in zip(*rows, strict=True):
        for i in range(m):
            for j in range(m):
                if i != j:
                    coincidences[(unit[i], unit[j])] += 1 / (m - 1)
    n_c = Counter()
    for (c, _), value in coincidences.items():
        n_c[c] += value
    n = sum(n_c.values())
    observed = sum(v for (c, k), v in coincidences.items() if c != k)
    expected = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k)
    return None if expected == 0 else 1 - (n - 1) * observed / expected


span_strategy = st.tuples(
    st.sampled_from(["d1", "d2"]), st.integers(0, 11), st.integers(1, 8), st.sampled_from([T, U])
).map(lambda s: (s[0], s[1], min(12, s[1] + s[2]), s[3]))


@settings(max_examples=150, deadline=None)
@given(
    a=st.lists(span_strategy, max_size=6),
    b=st.lists(span_strategy, max_size=6),
    c=st.lists(span_strategy, max_size=6),
)
def test_sweep_matches_brute_force_per_character(a, b, c):
    lengths = {"d1": 12, "d2": 12, "d3": 7}  # nobody ever tags d3: it is counted without a sweep
    spans = {"ana": a, "ben": b, "cem": c}
    pairs, everyone = compare(lengths, spans, [T, U])
    for pair in pairs:
        pooled_a, pooled_b = [], []
        for tag in (T, U):
            ra, rb = per_character(lengths, spans, [pair["a"], pair["b"]], list(lengths), tag)
            pooled_a += ra
            pooled_b += rb
            got = pair["per_tag"][tag]
            assert got["cohen_kappa"] == pytest.approx(brute_kappa(ra, rb))
            assert got["krippendorff_alpha"] == pytest.approx(brute_alpha([ra, rb]))
            exact = sum(
                (
                    Counter(s for s in spans[pair["a"]] if s[3] == tag)
                    & Counter(s for s in spans[pair["b"]] if s[3] == tag)
                ).values()
            )
            assert got["counts"]["matches_exact"] == exact
            assert got["counts"]["matches_overlap"] >= exact
        assert pair["overall"]["cohen_kappa"] == pytest.approx(brute_kappa(pooled_a, pooled_b))
        assert pair["overall"]["krippendorff_alpha"] == pytest.approx(brute_alpha([pooled_a, pooled_b]))
    for tag in (T, U):
        rows = per_character(lengths, spans, ["ana", "ben", "cem"], list(lengths), tag)
        assert everyone["per_tag"][tag] == pytest.approx(brute_alpha(rows))


def test_alpha_agrees_with_the_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    spans = {
        "ana": [("d1", 0, 10, T), ("d1", 12, 14, T)],
        "ben": [("d1", 5, 15, T)],
        "cem": [("d1", 0, 9, T), ("d1", 18, 20, T)],
    }
    pairs, everyone = compare(LENGTHS, spans, [T])
    rows = per_character(LENGTHS, spans, ["ana", "ben", "cem"], ["d1"], T)
    reference = krippendorff.alpha(reliability_data=rows, level_of_measurement="nominal")
    assert everyone["per_tag"][T] == pytest.approx(reference)
    reference_pair = krippendorff.alpha(reliability_data=rows[:2], level_of_measurement="nominal")
    assert pairs[0]["per_tag"][T]["krippendorff_alpha"] == pytest.approx(reference_pair)
