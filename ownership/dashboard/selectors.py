"""The dashboard's read: the live state of the matrix, and what changed over a period.

Coverage comes from the live matrix (one SQL aggregate); open gaps, their rules, the top ten,
the gaps by function and the heatmap's gap marks from the open Gap rows; the share of A from the
letters. Every figure's change over the period, and the trend (one point per day), come from
the gap history (ownership.dashboard_change), so no audit is needed. The heatmap rolls up by
journey (a 300-stage organization stays on two screens); one journey at a time opens to show
its stages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q

from journeys.models import Journey, Stage, Touchpoint
from ownership.dashboard.change import DEFAULT_PERIOD, PeriodChange, period_change
from ownership.engine.constants import Severity
from ownership.gaps.selectors import Coverage, coverage_by_journey, open_gaps, open_gaps_by_function
from ownership.models import Assignment, AuditRun, Function, GapStatus

HEAT_JOURNEYS = 10  # journeys shown in the heatmap before "show all": the ones with most gaps


WORST_JOURNEYS = 8  # journeys in the worst-first table; the journeys page lists them all


@dataclass(frozen=True)
class FunctionGaps:
    """The open gaps naming one function, by severity."""

    id: int
    name: str
    by_severity: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


@dataclass(frozen=True)
class JourneyRow:
    """One journey's standing: coverage, errors, open gaps and their change over the period."""

    id: int
    name: str
    coverage: Coverage
    errors: int
    open_gaps: int
    change: int  # open gaps now minus at the start of the period

    @property
    def coverage_percent(self) -> int | None:
        return round(100 * self.coverage.share) if self.coverage.in_scope else None

    @property
    def change_size(self) -> int:
        return abs(self.change)


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
    """The executives' home: live figures, and what changed over the period."""

    last_run: object | None  # AuditRun
    pending_run: object | None  # AuditRun not yet done
    coverage: Coverage
    open_by_severity: dict[str, int]
    open_by_rule: list[tuple[str, int]]
    change: PeriodChange  # every card's change over the period, and the daily trend
    top_gaps: list[tuple[object, int | None, str | None]]  # (Gap, touchpoint id to link to, journey name)
    accountable_share: list[tuple[str, int]]  # (function, touchpoints it is accountable for)
    functions: tuple[str, ...]
    function_ids: tuple[int, ...]  # in the same order as `functions`
    heatmap: list[HeatRow]
    journey_count: int = 0  # journeys in the organization; the heatmap may show fewer
    open_journey: int | None = None
    all_journeys: bool = False
    has_matrix: bool = field(default=False)
    accepted_risks: int = 0  # open gaps the organization decided to live with for now
    by_function: list[FunctionGaps] = field(default_factory=list)  # most gaps first
    journey_rows: list[JourneyRow] = field(default_factory=list)  # worst first

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


def dashboard_load(
    *,
    organization,
    open_journey: int | None = None,
    all_journeys: bool = False,
    days: int = DEFAULT_PERIOD,
    today=None,
) -> Dashboard:
    """Live coverage and gaps, their change over the last `days` days with the daily trend, the
    heatmap by journey (and the stages of `open_journey`), the top gaps, the gaps by function,
    the journeys worst first and the share of A: at most eighteen queries."""

    last_run = (
        AuditRun.objects.filter(organization=organization, status=AuditRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .only("id", "finished_at")
        .first()
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

    # The top ten gaps link to their page, and name their journey with a link to its row.
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
    journey_names = dict(journeys)
    located_top = []
    for gap in top:
        touchpoints = gap.finding.get("touchpoints") or []
        where = located.get((gap.journey_id, touchpoints[0])) if touchpoints else None
        located_top.append((gap, where[0] if where else None, journey_names.get(gap.journey_id)))

    by_journey = coverage_by_journey(organization=organization)
    coverage = Coverage(sum(c.in_scope for c in by_journey.values()), sum(c.covered for c in by_journey.values()))
    change = period_change(organization=organization, days=days, today=today, coverage=coverage)
    return Dashboard(
        last_run=last_run,
        pending_run=pending,
        coverage=coverage,
        open_by_severity=by_severity,
        accepted_risks=accepted,
        open_by_rule=by_rule,
        change=change,
        top_gaps=located_top,
        by_function=_function_gaps(open_gaps_by_function(organization=organization), functions),
        journey_rows=_journey_rows(journeys, gaps, by_journey, change),
        accountable_share=[(names[f], n) for f, n in share.most_common()],
        functions=tuple(name for _, name in functions),
        function_ids=tuple(function_id for function_id, _ in functions),
        heatmap=heatmap,
        journey_count=len(journeys),
        open_journey=open_journey,
        all_journeys=all_journeys,
        has_matrix=bool(journeys),
    )


def _function_gaps(counts: dict[str, dict[str, int]], functions: list[tuple[int, str]]) -> list[FunctionGaps]:
    """Each function's open gaps by severity (`counts`: selectors.open_gaps_by_function), most
    first; functions without gaps left out."""
    rows = [
        FunctionGaps(id=function_id, name=name, by_severity={s.value: counts[name].get(s.value, 0) for s in Severity})
        for function_id, name in functions
        if name in counts
    ]
    return sorted(rows, key=lambda row: (-row.by_severity[Severity.ERROR], -row.total, row.name))


def _journey_rows(journeys, gaps, by_journey: dict[int, Coverage], change: PeriodChange) -> list[JourneyRow]:
    """Every journey, worst first: most errors, then lowest coverage, then most open gaps."""
    errors: Counter = Counter()
    total: Counter = Counter()
    for gap in gaps:
        if gap.journey_id is not None:
            total[gap.journey_id] += 1
            errors[gap.journey_id] += gap.severity == Severity.ERROR
    rows = [
        JourneyRow(
            id=journey_id,
            name=name,
            coverage=by_journey.get(journey_id, Coverage(0, 0)),
            errors=errors[journey_id],
            open_gaps=total[journey_id],
            change=change.open_by_journey[journey_id].change if journey_id in change.open_by_journey else 0,
        )
        for journey_id, name in journeys
    ]
    return sorted(rows, key=lambda r: (-r.errors, r.coverage.share if r.coverage.in_scope else 1, -r.open_gaps, r.name))


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
