"""The benchmark suite: synthetic corpora from a fixed seed, workloads timed against baselines.

Run ``make bench`` (full) or ``make bench-small`` (what CI runs); see the README's
Performance section. Not collected by pytest (no ``test_`` names); a smoke test runs
the small suite.
"""
