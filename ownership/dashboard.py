"""The dashboard's read: stored audit results, never recomputed per view."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count

from journeys.models import Stage

from .models import Assignment, AuditRun, Function
from .selectors import open_gaps, touchpoint_locator


@dataclass(frozen=True)
class ChartPoint:
    run_id: int
    at: object  # datetime
    counts: dict[str, int]  # severity -> open gaps after the run

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class HeatRow:
    journey: str
    stage: str
    counts: tuple[int, ...]  # A held per function, in column order
    gap_functions: tuple[int, ...]  # open gaps in this stage naming each function
    gaps: int  # open gaps in this stage


@dataclass(frozen=True)
class Dashboard:
    """The executives' home, read from stored audit results (never recomputed per view)."""

    last_run: object | None  # AuditRun
    pending_run: object | None  # AuditRun not yet done
    open_by_severity: dict[str, int]
    open_by_rule: list[tuple[str, int]]
    trend: list[ChartPoint]
    top_gaps: list[tuple[object, int | None]]  # (Gap, touchpoint id to link to)
    accountable_share: list[tuple[str, int]]  # (function, touchpoints it is accountable for)
    functions: tuple[str, ...]
    heatmap: list[HeatRow]
    heat_max: int

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())

    @property
    def accountable_total(self) -> int:
        return sum(count for _, count in self.accountable_share)


TREND_RUNS = 30


def dashboard_load(*, organization) -> Dashboard:
    """Coverage, gaps by severity and rule, trend, heatmap, top gaps and the share of A (eight queries)."""

    runs = list(
        AuditRun.objects.filter(organization=organization, status=AuditRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .only("id", "finished_at", "coverage", "counts_by_severity", "in_scope_touchpoints", "trigger")[:TREND_RUNS]
    )
    pending = (
        AuditRun.objects.filter(
            organization=organization, status__in=[AuditRun.Status.PENDING, AuditRun.Status.RUNNING]
        )
        .only("id", "requested_at", "status")
        .first()
    )
    gaps = list(open_gaps(organization=organization).only("id", "rule", "severity", "score", "finding", "journey_id"))
    by_severity = {"error": 0, "warning": 0, "info": 0}
    for gap in gaps:
        by_severity[gap.severity] = by_severity.get(gap.severity, 0) + 1
    by_rule = Counter(gap.rule for gap in gaps).most_common()

    locate = touchpoint_locator(organization)
    functions = list(Function.objects.filter(organization=organization).values_list("id", "name"))
    column = {function_id: index for index, (function_id, _) in enumerate(functions)}
    column_by_name = {name: index for index, (_, name) in enumerate(functions)}

    accountable = (
        Assignment.objects.filter(organization=organization, letter="A", touchpoint__out_of_scope=False)
        .values_list("touchpoint__stage_id", "function_id")
        .annotate(n=Count("id"))
    )
    heat: dict[int, list[int]] = defaultdict(lambda: [0] * len(functions))
    share: Counter = Counter()
    for stage_id, function_id, n in accountable:
        heat[stage_id][column[function_id]] += n
        share[function_id] += n
    gap_cells: dict[int, list[int]] = defaultdict(lambda: [0] * len(functions))
    gap_stage: Counter = Counter()
    top = []
    for gap in sorted(gaps, key=lambda g: (-g.score, g.rule, g.id)):
        names = gap.finding.get("touchpoints") or []
        located = locate.get((gap.journey_id, names[0])) if names else None
        if len(top) < 10:
            top.append((gap, located[0] if located else None))
        if located is None:
            continue
        gap_stage[located[1]] += 1
        for name in gap.finding.get("functions") or []:
            if name in column_by_name:
                gap_cells[located[1]][column_by_name[name]] += 1
    heatmap = [
        HeatRow(
            journey=journey_name,
            stage=stage_name,
            counts=tuple(heat[stage_id]),
            gap_functions=tuple(gap_cells[stage_id]),
            gaps=gap_stage[stage_id],
        )
        for stage_id, stage_name, journey_name in Stage.objects.filter(organization=organization)
        .order_by("journey__position", "journey_id", "position", "id")
        .values_list("id", "name", "journey__name")
    ]
    names = dict(functions)
    return Dashboard(
        last_run=runs[0] if runs else None,
        pending_run=pending,
        open_by_severity=by_severity,
        open_by_rule=by_rule,
        trend=[ChartPoint(run.id, run.finished_at, dict(run.counts_by_severity)) for run in reversed(runs)],
        top_gaps=top,
        accountable_share=[(names[f], n) for f, n in share.most_common()],
        functions=tuple(name for _, name in functions),
        heatmap=heatmap,
        heat_max=max((max(row.counts, default=0) for row in heatmap), default=0),
    )
