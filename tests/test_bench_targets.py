"""The benchmarks' targets: each bench records what it checked, and make bench ends with all of them."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from ownership.management.commands import _targets
from ownership.management.commands._targets import at_least, at_most, below, record


@pytest.fixture(autouse=True)
def results_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setattr(_targets, "RESULTS", tmp_path / "results.jsonl")


def summary() -> str:
    out = io.StringIO()
    call_command("bench_summary", stdout=out)
    return out.getvalue()


def test_a_figure_under_its_limit_passes_and_one_over_it_misses():
    assert below("edit p50", 19.5, 30, "ms").result == "PASS"
    assert below("edit p50", 30.0, 30, "ms").result == "MISS"
    assert at_most("spread", 1.5, 1.5, "×").result == "PASS"
    assert at_least("list / ping", 0.49, 0.5, "×").result == "MISS"


def test_a_verdict_shows_the_figure_and_the_target_with_their_unit():
    verdict = below("scenario compare", 2.18, 2, "s")
    assert (verdict.measured, verdict.target) == ("2.2 s", "< 2 s")
    assert at_least("list / ping", 0.571, 0.5, "×").measured == "0.57×"


def test_record_prints_the_rows_and_the_summary_lists_them_with_the_database():
    printed = io.StringIO()
    record(printed, [below("edit p50", 19.5, 30, "ms"), at_most("dashboard 90 d / dashboard", 2.09, 2, "×", digits=2)])
    assert "| edit p50 | 19.5 ms | < 30 ms | PASS |" in printed.getvalue()
    listed = summary()
    assert "(2 rows, 1 missed)" in listed
    assert f"| dashboard 90 d / dashboard | 2.09× | ≤ 2× | MISS | {connection.vendor} |" in listed


def test_rows_of_several_benches_add_up_until_forgotten():
    record(io.StringIO(), [below("a", 1, 2, "s")])
    record(io.StringIO(), [below("b", 3, 2, "s")])
    assert "(2 rows, 1 missed)" in summary()
    call_command("bench_summary", forget=True)
    assert "No benchmark recorded a target yet" in summary()
