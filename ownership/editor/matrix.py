"""The matrix editor's and the journey map's read of one journey.

Stages → touchpoints × functions, each row with its open gaps: the live Gap rows that every
write keeps current (ownership.gaps.live); no rule is evaluated here. Two reads:

- `journey_matrix` draws a page (or one more chunk of rows of a stage): it reads the journey's
  touchpoints (light rows, to place the stages and the chunks) but the letters and open gaps
  only of the rows that fit the page's budget; the rest arrive chunk by chunk as the reader
  scrolls. "Rows with gaps only" reads which touchpoints have an open gap (ids, one query).
- `rows_after_change` answers a cell edit: it reads only the edited touchpoint and the next
  in-scope one (whose handoff marker depends on it), so an edit costs the same in a 20-row and
  a 2,000-row journey.

The journey's totals (coverage, open gaps) come from `journey_summary`: coverage from one SQL
aggregate over the live matrix, the counts from the journey's open Gap rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Q

from journeys.models import Journey, Stage, Touchpoint
from ownership.editor.rows import (
    VIEW_FIELDS,
    MatrixRow,
    RowBuilder,
    RowGap,
    TouchpointView,
    touchpoint_views,
    touchpoints_with_gaps,
)
from ownership.engine.constants import Rule
from ownership.engine.snapshot import FunctionRow, RoleRow
from ownership.gaps.selectors import coverage_by_journey
from ownership.models import Function, Gap, Role

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
    journey_findings: tuple[RowGap, ...]  # about the journey as a whole (no owner …)

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
    row_filter: RowFilter = NO_FILTER

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for stage in self.stages for row in stage.rows]


def journey_summary(*, journey: Journey) -> JourneySummary:
    """Coverage now (one SQL aggregate), the journey's open gaps by severity and its gaps about
    the journey as a whole, from the live Gap rows (two queries)."""
    coverage = coverage_by_journey(organization=journey.organization, journey_ids=[journey.id]).get(journey.id)
    counts = {"error": 0, "warning": 0, "info": 0}
    handoffs = 0
    open_gaps = Gap.objects.filter(organization_id=journey.organization_id, journey=journey, resolved_at__isnull=True)
    for severity, rule, n in open_gaps.order_by().values_list("severity", "rule").annotate(n=Count("id")):
        counts[severity] = counts.get(severity, 0) + n
        if rule == Rule.HANDOFF_GAP:
            handoffs += n
    about_journey = open_gaps.filter(touchpoint__isnull=True).order_by("-score", "rule", "id")
    return JourneySummary(
        in_scope_count=coverage.in_scope if coverage else 0,
        covered_count=coverage.covered if coverage else 0,
        open_by_severity=counts,
        handoff_gaps=handoffs,
        journey_findings=tuple(RowGap.of(gap) for gap in about_journey.only("rule", "severity", "finding")),
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
    `per_stage` rows of each stage, in seven queries whatever its size. With `stage_id`, only
    that stage's matching rows from `offset` on: the next chunk the page asks for as the reader
    scrolls. Letters and open gaps are read for the drawn rows only."""

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
    with_gaps = touchpoints_with_gaps(journey=journey) if row_filter.gaps_only else set()
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
        matching = [t for t in members if row_filter.keeps(t.name, t.id in with_gaps)]
        start = offset if stage_id is not None else 0
        take = len(matching) - start if left is None else max(0, min(left, len(matching) - start))
        if per_stage is not None:
            take = min(take, per_stage)
        shown = matching[start : start + take]
        more = start + take if start + take < len(matching) else None
        plan.append((stage, shown, len(members), len(matching), more))
        if left is not None:
            left -= take
    rows = RowBuilder(
        journey=journey, functions=functions, touchpoint_ids=[t.id for _, shown, *_ in plan for t in shown]
    )
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
        row_filter=row_filter,
    )


# A cell edit: the edited touchpoint and the next in-scope one ------------------------------
def _after_in_journey_order(touchpoint: Touchpoint) -> Q:
    """Touchpoints after `touchpoint` in journey order: stage position, stage, position, id —
    the order the handoff rule walks."""
    stage_position, stage_id, position = touchpoint.stage.position, touchpoint.stage_id, touchpoint.position
    return (
        Q(stage__position__gt=stage_position)
        | Q(stage__position=stage_position, stage_id__gt=stage_id)
        | Q(stage_id=stage_id, position__gt=position)
        | Q(stage_id=stage_id, position=position, pk__gt=touchpoint.pk)
    )


def _next_in_scope(touchpoint: Touchpoint) -> int | None:
    return (
        Touchpoint.objects.filter(journey_id=touchpoint.journey_id, out_of_scope=False)
        .filter(_after_in_journey_order(touchpoint))
        .order_by("stage__position", "stage_id", "position", "id")
        .values_list("id", flat=True)
        .first()
    )


class ChangedRows(NamedTuple):
    rows: list[MatrixRow]
    functions: tuple[FunctionRow, ...]


def rows_after_change(*, journey: Journey, touchpoint: Touchpoint) -> ChangedRows:
    """The rows a change of one touchpoint's letters can alter — itself, and the next in-scope
    touchpoint, whose incoming handoff marker depends on it — with the gaps the change left
    (the write brought them up to date in its transaction), in five queries whatever the
    journey's size (`touchpoint` must come with its stage)."""

    following = _next_in_scope(touchpoint)
    ids = [pk for pk in (touchpoint.pk, following) if pk is not None]
    views = touchpoint_views(ids)
    functions = journey_functions(organization=journey.organization)
    rows = RowBuilder(journey=journey, functions=functions, touchpoint_ids=ids)
    return ChangedRows([rows.row(views[pk]) for pk in ids], functions)


def rows_after_cells_change(*, journey: Journey, touchpoint_ids: Iterable[int]) -> ChangedRows:
    """The rows a change of many cells (a paste, an undo) can alter: each changed touchpoint and
    the next in-scope one after it, found in one ordered read of the journey's touchpoint ids —
    so a 12-cell paste costs the same queries as a one-cell edit, plus that read."""
    changed = set(touchpoint_ids)
    order = Touchpoint.objects.filter(journey=journey).order_by("stage__position", "stage_id", "position", "id")
    ids: list[int] = []
    waiting = False  # a changed touchpoint above still needs its next in-scope one
    for touchpoint_id, out_of_scope in order.values_list("id", "out_of_scope"):
        if touchpoint_id in changed or (waiting and not out_of_scope):
            ids.append(touchpoint_id)
        if touchpoint_id in changed:
            waiting = True
        elif waiting and not out_of_scope:
            waiting = False
    views = touchpoint_views(ids)
    functions = journey_functions(organization=journey.organization)
    rows = RowBuilder(journey=journey, functions=functions, touchpoint_ids=ids)
    return ChangedRows([rows.row(views[pk]) for pk in ids if pk in views], functions)
