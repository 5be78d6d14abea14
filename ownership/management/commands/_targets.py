"""The speed targets the benchmarks check, and the table `make bench` ends with.

Each bench command measures its own rows and calls `record`, which prints them as a Markdown
table (measure, what was measured, the target, PASS or MISS) and appends them to a results file;
`bench_summary`, the last step of `make bench`, prints every row of the run together, with the
database they were measured on. Nothing here times anything, and no test asserts a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

RESULTS = Path(settings.BASE_DIR) / "var" / "bench" / "results.jsonl"


@dataclass(frozen=True)
class Verdict:
    measure: str
    measured: str  # the figure as read, with its unit: "41.2 ms", "0.53×"
    target: str  # the target in the same unit: "< 30 ms", "≥ 0.50×"
    passed: bool
    database: str = ""

    @property
    def result(self) -> str:
        return "PASS" if self.passed else "MISS"


def _figure(value: float, unit: str, digits: int) -> str:
    return f"{value:,.{digits}f}" + (unit if unit in ("", "×") else f" {unit}")


def _limit(sign: str, limit: float, unit: str) -> str:
    return f"{sign} {limit:,g}" + (unit if unit in ("", "×") else f" {unit}")


def at_most(measure: str, value: float, limit: float, unit: str, *, digits: int = 1) -> Verdict:
    return Verdict(measure, _figure(value, unit, digits), _limit("≤", limit, unit), value <= limit)


def below(measure: str, value: float, limit: float, unit: str, *, digits: int = 1) -> Verdict:
    return Verdict(measure, _figure(value, unit, digits), _limit("<", limit, unit), value < limit)


def at_least(measure: str, value: float, limit: float, unit: str, *, digits: int = 2) -> Verdict:
    return Verdict(measure, _figure(value, unit, digits), _limit("≥", limit, unit), value >= limit)


def table(verdicts: Iterable[Verdict], *, with_database: bool = False) -> str:
    head = ["measure", "measured", "target", "result"] + (["database"] if with_database else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for verdict in verdicts:
        cells = [verdict.measure, verdict.measured, verdict.target, verdict.result]
        lines.append("| " + " | ".join(cells + ([verdict.database] if with_database else [])) + " |")
    return "\n".join(lines)


def record(stdout, verdicts: Iterable[Verdict]) -> None:
    """Print the rows a bench command measured and keep them for `bench_summary`."""
    database = connection.vendor
    kept = [Verdict(**{**asdict(verdict), "database": database}) for verdict in verdicts]
    stdout.write("\nTargets:\n" + table(kept) + "\n")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as results:
        for verdict in kept:
            results.write(json.dumps(asdict(verdict), ensure_ascii=False) + "\n")


def recorded() -> list[Verdict]:
    if not RESULTS.exists():
        return []
    lines = RESULTS.read_text(encoding="utf-8").splitlines()
    return [Verdict(**json.loads(line)) for line in lines if line.strip()]


def forget() -> None:
    RESULTS.unlink(missing_ok=True)
