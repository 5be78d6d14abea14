"""The dashboard's read: the live state of the matrix, and the audit runs for the trend.

Coverage comes from the live matrix (one SQL aggregate); open gaps, their rules, the top ten
and the heatmap's gap marks from the open Gap rows; the share of A from the letters. Only the
trend reads the audit runs, one point per run. The heatmap rolls up by journey (a 300-stage
organization stays on two screens); one journey at a time opens to show its stages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q

from journeys.models import Journey, Stage, Touchpoint

from .models import Assignment, AuditRun, Function, GapStatus
from .selectors import Coverage, coverage_live, open_gaps

TREND_RUNS = 30
HEAT_JOURNEYS = 10  # journeys shown in the heatmap before "show all": the ones with most gaps


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
    """A journey (or, when its journey is open, one of its stages) across the functions."""

    id: int
    name: str
    counts: tuple[int, ...]  # A held per function, in column order
    gap_functions: tuple[int, ...]  # open gaps here naming each function
    gaps: int  # open gaps here
    stages: tuple[HeatRow, ...] | None = None  # a journey's stages, when it is the open one


@dataclass(frozen=True)
class Dashboard:
    """The executives' home: live figures, and the trend of the audit runs."""

    last_run: object | None  # AuditRun
    pending_run: object | None  # AuditRun not yet done
    coverage: Coverage
    open_by_severity: dict[str, int]
    open_by_rule: list[tuple[str, int]]
    trend: list[ChartPoint]
    top_gaps: list[tuple[object, int | None]]  # (Gap, touchpoint id to link to)
    accountable_share: list[tuple[str, int]]  # (function, touchpoints it is accountable for)
    functions: tuple[str, ...]
    heatmap: list[HeatRow]
    journey_count: int = 0  # journeys in the organization; the heatmap may show fewer
    open_journey: int | None = None
    all_journeys: bool = False
    has_matrix: bool = field(default=False)
    accepted_risks: int = 0  # open gaps the organization decided to live with for now

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())

    @property
    def accountable_total(self) -> int:
        return sum(count for _, count in self.accountable_share)

    @property
    def coverage_percent(self) -> int:
        return round(100 * self.coverage.share)


def _locate(organization, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, int]]:
    """(journey id, touchpoint name) -> (touchpoint id, stage id) for the named pairs only: gaps
    name their touchpoints (one query, none when there is nothing to find)."""
    if not pairs:
        return {}
    condition = reduce(or_, (Q(journey_id=journey_id, name=name) for journey_id, name in pairs))
    rows = Touchpoint.objects.filter(condition, organization=organization).order_by()
    return {(j, n): (t, s) for j, n, t, s in rows.values_list("journey_id", "name", "id", "stage_id")}


def dashboard_load(*, organization, open_journey: int | None = None, all_journeys: bool = False) -> Dashboard:
    """Live coverage and gaps, the trend of the audit runs, the heatmap by journey (and the
    stages of `open_journey`), the top gaps and the share of A: at most thirteen queries."""

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
    live = open_gaps(organization=organization).only(
        "id", "rule", "severity", "score", "finding", "journey_id", "workflow_status"
    )
    # Accepted risks stay visible but apart: every figure below counts only the gaps still open.
    gaps, accepted = [], 0
    for gap in live:
        if gap.workflow_status == GapStatus.ACCEPTED:
            accepted += 1
        else:
            gaps.append(gap)
    by_severity = {"error": 0, "warning": 0, "info": 0}
    for gap in gaps:
        by_severity[gap.severity] = by_severity.get(gap.severity, 0) + 1
    by_rule = Counter(gap.rule for gap in gaps).most_common()
    ranked = sorted(gaps, key=lambda g: (-g.score, g.rule, g.id))

    functions = list(Function.objects.filter(organization=organization).values_list("id", "name"))
    column = {function_id: index for index, (function_id, _) in enumerate(functions)}
    column_by_name = {name: index for index, (_, name) in enumerate(functions)}
    width = len(functions)

    # Accountability and gaps per journey.
    heat: dict[int, list[int]] = defaultdict(lambda: [0] * width)
    share: Counter = Counter()
    accountable = Assignment.objects.filter(organization=organization, letter="A", touchpoint__out_of_scope=False)
    for journey_id, function_id, n in (
        accountable.order_by().values_list("touchpoint__journey_id", "function_id").annotate(n=Count("id"))
    ):
        heat[journey_id][column[function_id]] += n
        share[function_id] += n
    gap_cells: dict[int, list[int]] = defaultdict(lambda: [0] * width)
    gap_count: Counter = Counter()
    for gap in gaps:
        if gap.journey_id is None:
            continue
        gap_count[gap.journey_id] += 1
        for name in gap.finding.get("functions") or []:
            if name in column_by_name:
                gap_cells[gap.journey_id][column_by_name[name]] += 1

    journeys = list(
        Journey.objects.filter(organization=organization).order_by("position", "id").values_list("id", "name")
    )
    if open_journey not in {journey_id for journey_id, _ in journeys}:
        open_journey = None  # another organization's, or gone: nothing opens
    shown = journeys if all_journeys else sorted(journeys, key=lambda j: -gap_count[j[0]])[:HEAT_JOURNEYS]
    shown_ids = {journey_id for journey_id, _ in shown} | ({open_journey} if open_journey else set())
    # The page's order: journeys in their own order, the open one always among them.
    shown = [(journey_id, name) for journey_id, name in journeys if journey_id in shown_ids]

    # The top ten gaps link to their touchpoint's row.
    top = ranked[:10]
    located = _locate(
        organization, {(g.journey_id, g.finding["touchpoints"][0]) for g in top if g.finding.get("touchpoints")}
    )
    stages = _stage_rows(organization, open_journey, gaps, column, column_by_name, width)

    heatmap = [
        HeatRow(
            id=journey_id,
            name=name,
            counts=tuple(heat[journey_id]),
            gap_functions=tuple(gap_cells[journey_id]),
            gaps=gap_count[journey_id],
            stages=stages if journey_id == open_journey else None,
        )
        for journey_id, name in shown
    ]
    names = dict(functions)
    located_top = []
    for gap in top:
        touchpoints = gap.finding.get("touchpoints") or []
        where = located.get((gap.journey_id, touchpoints[0])) if touchpoints else None
        located_top.append((gap, where[0] if where else None))
    return Dashboard(
        last_run=runs[0] if runs else None,
        pending_run=pending,
        coverage=coverage_live(organization=organization),
        open_by_severity=by_severity,
        accepted_risks=accepted,
        open_by_rule=by_rule,
        trend=[ChartPoint(run.id, run.finished_at, dict(run.counts_by_severity)) for run in reversed(runs)],
        top_gaps=located_top,
        accountable_share=[(names[f], n) for f, n in share.most_common()],
        functions=tuple(name for _, name in functions),
        heatmap=heatmap,
        journey_count=len(journeys),
        open_journey=open_journey,
        all_journeys=all_journeys,
        has_matrix=bool(journeys),
    )


def _stage_rows(organization, journey_id, gaps, column, column_by_name, width) -> tuple[HeatRow, ...]:
    """The open journey's stages across the functions (three queries; none when no journey is open)."""
    if journey_id is None:
        return ()
    # Gaps name their touchpoints: the stage of each of the journey's touchpoints by name.
    touchpoints = Touchpoint.objects.filter(organization=organization, journey_id=journey_id).order_by()
    stage_of = dict(touchpoints.values_list("name", "stage_id"))
    heat: dict[int, list[int]] = defaultdict(lambda: [0] * width)
    for stage_id, function_id, n in (
        Assignment.objects.filter(
            organization=organization, letter="A", touchpoint__out_of_scope=False, touchpoint__journey_id=journey_id
        )
        .order_by()
        .values_list("touchpoint__stage_id", "function_id")
        .annotate(n=Count("id"))
    ):
        heat[stage_id][column[function_id]] += n
    gap_cells: dict[int, list[int]] = defaultdict(lambda: [0] * width)
    gap_count: Counter = Counter()
    for gap in gaps:
        touchpoints = gap.finding.get("touchpoints") or []
        stage_id = stage_of.get(touchpoints[0]) if gap.journey_id == journey_id and touchpoints else None
        if stage_id is None:
            continue
        gap_count[stage_id] += 1
        for name in gap.finding.get("functions") or []:
            if name in column_by_name:
                gap_cells[stage_id][column_by_name[name]] += 1
    return tuple(
        HeatRow(
            id=stage_id,
            name=name,
            counts=tuple(heat[stage_id]),
            gap_functions=tuple(gap_cells[stage_id]),
            gaps=gap_count[stage_id],
        )
        for stage_id, name in Stage.objects.filter(organization=organization, journey_id=journey_id)
        .order_by("position", "id")
        .values_list("id", "name")
    )
