"""The matrix editor's and the journey map's read of one journey.

Stages → touchpoints × functions, each row with its findings, computed by the same pure rules
as the audit. Two reads with different costs:

- `journey_matrix` draws a page (or one more chunk of rows of a stage): it reads the journey's
  touchpoints (light rows, to place the stages and the chunks) but the letters and findings
  only of the rows that fit the page's budget and their in-scope predecessors; the rest arrive
  chunk by chunk as the reader scrolls. Only "rows with gaps only" checks the whole journey,
  since it must know every row's findings to choose the rows.
- `rows_after_change` answers a cell edit: it reads only the edited touchpoint and its in-scope
  neighbours (what its badges and the next row's handoff marker depend on), so an edit costs
  the same in a 20-row and a 2,000-row journey.

The journey's totals (coverage, open gaps) come from `journey_summary`: coverage from one SQL
aggregate over the live matrix, the counts from the journey's open Gap rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Q

from journeys.models import Journey, Stage, Touchpoint

from .constants import Rule
from .matrix_rows import (
    VIEW_FIELDS,
    MatrixRow,
    RowBuilder,
    TouchpointView,
    letters_of,
    touchpoint_views,
    window_snapshot,
)
from .models import Function, Gap, Role
from .rules import Finding
from .selectors import coverage_by_journey
from .snapshot import FunctionRow, RoleRow

# Rows drawn with the page; the others are fetched a chunk at a time as the reader nears them.
PAGE_ROWS = 60
CHUNK_ROWS = 100
# Cards per stage on the journey map: a longer stage ends with a link to the rest in the matrix.
MAP_CARDS = 40


@dataclass(frozen=True)
class MatrixStage:
    stage: Stage
    rows: tuple[MatrixRow, ...]  # the rows drawn now
    total: int  # touchpoints in the stage
    matching: int  # of which the filter keeps
    more_from: int | None = None  # offset (among the matching rows) of the next chunk, if any

    @property
    def remaining(self) -> int:
        return self.matching - (self.more_from or 0) if self.more_from is not None else 0


class RowFilter(NamedTuple):
    """The editor's filter: a name search and "rows with gaps only" (plain GET parameters)."""

    query: str = ""
    gaps_only: bool = False

    @classmethod
    def from_params(cls, params) -> RowFilter:
        return cls(query=(params.get("q") or "").strip()[:200], gaps_only=params.get("gaps") == "1")

    @property
    def active(self) -> bool:
        return bool(self.query or self.gaps_only)

    def keeps(self, name: str, has_gaps: bool) -> bool:
        return (not self.query or self.query.casefold() in name.casefold()) and (has_gaps or not self.gaps_only)


NO_FILTER = RowFilter()


@dataclass(frozen=True)
class JourneySummary:
    """The journey's totals: live coverage, and its open gaps by severity."""

    in_scope_count: int
    covered_count: int
    open_by_severity: dict[str, int]
    handoff_gaps: int
    journey_findings: tuple[Finding, ...]  # about the journey as a whole (no owner …)

    @property
    def coverage_percent(self) -> int:
        return round(100 * self.covered_count / self.in_scope_count) if self.in_scope_count else 0


@dataclass(frozen=True)
class JourneyMatrix:
    """What the editor and the map draw of one journey."""

    journey: Journey
    functions: tuple[FunctionRow, ...]  # in column order
    stages: tuple[MatrixStage, ...]
    roles: tuple[RoleRow, ...]
    journey_findings: tuple[Finding, ...] = ()  # about the journey as a whole (no owner …)
    row_filter: RowFilter = NO_FILTER

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for stage in self.stages for row in stage.rows]


def journey_summary(*, journey: Journey, journey_findings: tuple[Finding, ...] = ()) -> JourneySummary:
    """Coverage now (one SQL aggregate) and the journey's open gaps by severity (one query)."""
    coverage = coverage_by_journey(organization=journey.organization, journey_ids=[journey.id]).get(journey.id)
    counts = {"error": 0, "warning": 0, "info": 0}
    handoffs = 0
    rows = (
        Gap.objects.filter(journey=journey, resolved_at__isnull=True)
        .order_by()
        .values_list("severity", "rule")
        .annotate(n=Count("id"))
    )
    for severity, rule, n in rows:
        counts[severity] = counts.get(severity, 0) + n
        if rule == Rule.HANDOFF_GAP:
            handoffs += n
    return JourneySummary(
        in_scope_count=coverage.in_scope if coverage else 0,
        covered_count=coverage.covered if coverage else 0,
        open_by_severity=counts,
        handoff_gaps=handoffs,
        journey_findings=journey_findings,
    )


def journey_functions(*, organization) -> tuple[FunctionRow, ...]:
    """The matrix's columns, in order (one query)."""
    rows = Function.objects.filter(organization=organization).order_by("position", "id").values_list("id", "name")
    return tuple(FunctionRow(*row) for row in rows)


def journey_matrix(
    *,
    journey: Journey,
    row_filter: RowFilter = NO_FILTER,
    budget: int | None = PAGE_ROWS,
    stage_id: int | None = None,
    offset: int = 0,
    per_stage: int | None = None,
) -> JourneyMatrix:
    """The journey's stages with the rows that fit `budget` (None: every row) and at most
    `per_stage` rows of each stage, in five queries
    whatever its size. With `stage_id`, only that stage's matching rows from `offset` on: the
    next chunk the page asks for as the reader scrolls.

    Only the drawn rows and their in-scope predecessors (for the handoff markers) are read and
    checked, unless "rows with gaps only" needs every row's findings to choose the rows."""

    organization = journey.organization
    functions = journey_functions(organization=organization)
    role_rows = Role.objects.filter(organization=organization).order_by("title", "id")
    roles = tuple(RoleRow(*row) for row in role_rows.values_list("id", "function_id", "title", "holder_name"))
    touchpoints = [
        TouchpointView(*row)
        for row in Touchpoint.objects.filter(journey=journey)
        .order_by("stage__position", "stage_id", "position", "id")
        .values_list(*VIEW_FIELDS)
    ]
    rows = None
    if row_filter.gaps_only:
        rows = RowBuilder(
            window_snapshot(journey, functions, roles, touchpoints, letters_of(journey=journey, touchpoint_ids=None)),
            functions,
        )
    by_stage: dict[int, list[TouchpointView]] = defaultdict(list)
    for touchpoint in touchpoints:
        by_stage[touchpoint.stage_id].append(touchpoint)
    stages = Stage.objects.filter(journey=journey).order_by("position", "id")
    if stage_id is not None:
        stages = stages.filter(pk=stage_id)
    plan: list[tuple[Stage, list[TouchpointView], int, int, int | None]] = []
    left = budget
    for stage in stages:
        members = by_stage.get(stage.id, [])
        matching = [t for t in members if row_filter.keeps(t.name, rows is not None and rows.has_gaps(t.id))]
        start = offset if stage_id is not None else 0
        take = len(matching) - start if left is None else max(0, min(left, len(matching) - start))
        if per_stage is not None:
            take = min(take, per_stage)
        shown = matching[start : start + take]
        more = start + take if start + take < len(matching) else None
        plan.append((stage, shown, len(members), len(matching), more))
        if left is not None:
            left -= take
    if rows is None:
        drawn = {t.id for _, shown, *_ in plan for t in shown}
        window, previous = [], None
        for touchpoint in touchpoints:
            if touchpoint.id in drawn:
                if previous is not None and (not window or window[-1] is not previous):
                    window.append(previous)
                window.append(touchpoint)
            if not touchpoint.out_of_scope:
                previous = touchpoint
        assignments = letters_of(journey=journey, touchpoint_ids=[t.id for t in window])
        rows = RowBuilder(window_snapshot(journey, functions, roles, window, assignments), functions)
    return JourneyMatrix(
        journey=journey,
        functions=functions,
        stages=tuple(
            MatrixStage(
                stage=stage,
                rows=tuple(rows.row(t) for t in shown),
                total=total,
                matching=matching,
                more_from=more,
            )
            for stage, shown, total, matching, more in plan
        ),
        roles=roles,
        journey_findings=rows.journey_findings,
        row_filter=row_filter,
    )


# A cell edit: the edited touchpoint and its in-scope neighbours ----------------------------


def _in_journey_order(touchpoint: Touchpoint, *, before: bool) -> Q:
    """Touchpoints before (or after) `touchpoint` in journey order: stage position, stage,
    position, id — the order the rules walk."""
    stage_position, stage_id, position, pk = (
        touchpoint.stage.position,
        touchpoint.stage_id,
        touchpoint.position,
        touchpoint.pk,
    )
    op = "lt" if before else "gt"
    return (
        Q(**{f"stage__position__{op}": stage_position})
        | Q(stage__position=stage_position, **{f"stage_id__{op}": stage_id})
        | Q(stage_id=stage_id, **{f"position__{op}": position})
        | Q(stage_id=stage_id, position=position, **{f"pk__{op}": pk})
    )


def _neighbour(touchpoint: Touchpoint, *, before: bool) -> int | None:
    order = ("stage__position", "stage_id", "position", "id")
    return (
        Touchpoint.objects.filter(journey_id=touchpoint.journey_id, out_of_scope=False)
        .filter(_in_journey_order(touchpoint, before=before))
        .order_by(*(f"-{field}" for field in order) if before else order)
        .values_list("id", flat=True)
        .first()
    )


class ChangedRows(NamedTuple):
    rows: list[MatrixRow]
    functions: tuple[FunctionRow, ...]
    journey_findings: tuple[Finding, ...]


def rows_after_change(*, journey: Journey, touchpoint: Touchpoint) -> ChangedRows:
    """The rows a change of one touchpoint's letters can alter — itself, and the next in-scope
    touchpoint, whose incoming handoff marker depends on it — in eight queries, whatever the
    journey's size (touchpoint must come with its stage)."""

    previous = _neighbour(touchpoint, before=True)
    following = _neighbour(touchpoint, before=False)
    ids = [pk for pk in (previous, touchpoint.pk, following) if pk is not None]
    views = touchpoint_views(ids)
    assignments = letters_of(journey=journey, touchpoint_ids=ids)
    role_ids = {a.role_id for a in assignments if a.role_id} | ({journey.owner_id} if journey.owner_id else set())
    role_rows = Role.objects.filter(pk__in=role_ids).order_by()
    roles = tuple(RoleRow(*row) for row in role_rows.values_list("id", "function_id", "title", "holder_name"))
    functions = journey_functions(organization=journey.organization)
    snapshot = window_snapshot(journey, functions, roles, [views[pk] for pk in ids], assignments)
    rows = RowBuilder(snapshot, functions)
    shown = [touchpoint.pk] + ([following] if following is not None else [])
    return ChangedRows([rows.row(views[pk]) for pk in shown], functions, rows.journey_findings)
