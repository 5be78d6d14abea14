"""bench_sheet, the sheet's row of `make bench`: without Chromium it says so and records nothing."""

import io

from django.core.management import call_command

from ownership.management.commands import _targets, bench_sheet


def test_bench_sheet_skips_clearly_without_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(_targets, "RESULTS", tmp_path / "results.jsonl")
    monkeypatch.setattr(bench_sheet, "CHROMIUM", str(tmp_path / "no-chromium"))
    out = io.StringIO()
    call_command("bench_sheet", stdout=out)
    assert f"bench_sheet skipped: no Chromium at {tmp_path / 'no-chromium'}" in out.getvalue()
    assert _targets.recorded() == []
