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

The journey's totals (coverage, open gaps, accepted risks) come from `journey_summary`, which
reads them from ownership.gaps.figures like every other surface.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

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
from ownership.engine.snapshot import FunctionRow, RoleRow
from ownership.gaps.figures import Standing, standing_read
from ownership.gaps.figures.counts import open_gap_rows
from ownership.gaps.figures.read import ShowsStanding
from ownership.gaps.live import in_scope_neighbour
from ownership.models import Function, Role

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
class JourneySummary(ShowsStanding):
    """The journey's header: its figures (coverage, open gaps, accepted risks) as every surface
    shows them, and its gaps about the journey as a whole."""

    figures: Standing
    journey_findings: tuple[RowGap, ...]  # about the journey as a whole (no owner …)


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
    """The journey's figures (ownership.gaps.figures: coverage, open gaps) and its open gaps about
    the journey as a whole (three queries)."""
    figures = standing_read(organization=journey.organization, journey_id=journey.id)
    about_journey = open_gap_rows(organization=journey.organization, journey_id=journey.id)
    about_journey = about_journey.filter(touchpoint__isnull=True).order_by("-score", "rule", "id")
    return JourneySummary(
        figures=figures,
        journey_findings=tuple(RowGap.of(gap) for gap in about_journey.only("rule", "severity", "finding")),
    )


def journey_functions(*, organization) -> tuple[FunctionRow, ...]:
    """The matrix's columns, in order (one query)."""
    rows = Function.objects.filter(organization=organization).order_by("position", "id").values_list("id", "name")
    return tuple(FunctionRow(*row) for row in rows)


class _StagePlan(NamedTuple):
    stage: Stage
    shown: list[TouchpointView]  # the rows drawn now
    total: int
    matching: int
    more_from: int | None


def _touchpoints_by_stage(journey: Journey) -> dict[int, list[TouchpointView]]:
    """The journey's touchpoints (light rows) by stage, in journey order (one query)."""
    rows = Touchpoint.objects.filter(journey=journey).order_by("stage__position", "stage_id", "position", "id")
    by_stage: dict[int, list[TouchpointView]] = defaultdict(list)
    for row in rows.values_list(*VIEW_FIELDS):
        touchpoint = TouchpointView(*row)
        by_stage[touchpoint.stage_id].append(touchpoint)
    return by_stage


def _plan(stages, by_stage, keeps, *, budget, start: int, per_stage) -> list[_StagePlan]:
    """Which matching rows of each stage fit the budget (None: all), from `start` in each stage."""
    plan = []
    left = budget
    for stage in stages:
        members = by_stage.get(stage.id, [])
        matching = [t for t in members if keeps(t)]
        take = len(matching) - start if left is None else max(0, min(left, len(matching) - start))
        if per_stage is not None:
            take = min(take, per_stage)
        more = start + take if start + take < len(matching) else None
        plan.append(_StagePlan(stage, matching[start : start + take], len(members), len(matching), more))
        if left is not None:
            left -= take
    return plan


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
    by_stage = _touchpoints_by_stage(journey)
    with_gaps = touchpoints_with_gaps(journey=journey) if row_filter.gaps_only else set()
    stages = Stage.objects.filter(journey=journey).order_by("position", "id")
    if stage_id is not None:
        stages = stages.filter(pk=stage_id)
    plan = _plan(
        stages,
        by_stage,
        lambda t: row_filter.keeps(t.name, t.id in with_gaps),
        budget=budget,
        start=offset if stage_id is not None else 0,
        per_stage=per_stage,
    )
    rows = RowBuilder(journey=journey, functions=functions, touchpoint_ids=[t.id for p in plan for t in p.shown])
    return JourneyMatrix(
        journey=journey,
        functions=functions,
        stages=tuple(
            MatrixStage(
                stage=p.stage,
                rows=tuple(rows.row(t) for t in p.shown),
                total=p.total,
                matching=p.matching,
                more_from=p.more_from,
            )
            for p in plan
        ),
        roles=roles,
        row_filter=row_filter,
    )


class ChangedRows(NamedTuple):
    rows: list[MatrixRow]
    functions: tuple[FunctionRow, ...]


def rows_after_change(*, journey: Journey, touchpoint: Touchpoint) -> ChangedRows:
    """The rows a change of one touchpoint's letters can alter — itself, and the next in-scope
    touchpoint, whose incoming handoff marker depends on it — with the gaps the change left
    (the write brought them up to date in its transaction), in five queries whatever the
    journey's size (`touchpoint` must come with its stage)."""

    # By index, stage by stage, as the live gap update finds it: never a walk over the journey.
    following = in_scope_neighbour(
        touchpoint.pk,
        touchpoint.stage_id,
        touchpoint.position,
        touchpoint.journey_id,
        touchpoint.stage.position,
        before=False,
    )
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
