"""The report's RACI matrices: each journey's rows, its open gaps marked on them, within a row budget.

A journey up to FULL_MATRIX_ROWS touchpoints shows its whole matrix; a larger one only its rows
with open gaps (the highest scoring GAP_ROWS_PER_JOURNEY). The matrices together draw at most
MATRIX_ROWS rows: journeys past that budget are named with their figures but without a matrix.
Seven queries for all the journeys, whatever their size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Q

from journeys.models import Journey, Stage, Touchpoint
from ownership.editor.rows import VIEW_FIELDS, MatrixRow, RowBuilder, RowGap, TouchpointView
from ownership.engine.constants import Rule, Severity
from ownership.engine.snapshot import FunctionRow
from ownership.engine.vocabulary import SEVERITY_TEXT
from ownership.gaps.figures import Coverage, PlaceFigures
from ownership.models import Gap
from ownership.structure.selectors import journey_owner

# The bounds keep a report readable and its PDF quick: WeasyPrint lays out roughly two pages a
# second on a busy two-core machine (`make bench` prints it), so a report stays under ~40 pages.
FULL_MATRIX_ROWS = 120  # a journey up to this size shows every row


GAP_ROWS_PER_JOURNEY = 60  # a larger one shows this many of its rows with gaps


MATRIX_ROWS = 600  # rows drawn over all the matrices (about twenty landscape pages)


class Mark(NamedTuple):
    """A gap on a matrix row: the severity's shape and word, and the rule's badge."""

    severity: str
    shape: str
    word: str
    label: str
    message: str
    note: str = ""  # a handoff's "IT → Finance"

    @classmethod
    def of(cls, gap: RowGap, prefix: str = "", note: str = "") -> Mark:
        text = SEVERITY_TEXT[Severity(gap.severity)]
        return cls(gap.severity, text.shape, text.label, prefix + gap.badge.label, gap.message, note)


@dataclass(frozen=True)
class ReportRow:
    """A touchpoint across the journey's columns, with its open gaps as marks."""

    touchpoint: TouchpointView
    cells: tuple[str, ...]  # letters per column, R A C I in order
    marks: tuple[Mark, ...]  # a handoff gap arriving here first, then one per rule

    @property
    def has_gaps(self) -> bool:
        return bool(self.marks)


@dataclass(frozen=True)
class MatrixStage:
    id: int
    name: str
    rows: tuple[ReportRow, ...]


@dataclass(frozen=True)
class JourneyMatrix:
    """A journey's RACI matrix as the report draws it, its gaps marked on the rows."""

    id: int
    name: str
    persona: str
    owner: str  # "Head of Service (Ines Ito)", "Head of Service (vacant)" or ""
    figures: PlaceFigures  # its coverage and open gaps, as every surface shows them
    touchpoints: int  # all of the journey's touchpoints
    functions: tuple[FunctionRow, ...]  # the columns: the functions holding a letter on the rows drawn
    functions_left_out: int  # the organization's other functions, with no letter on these rows
    stages: tuple[MatrixStage, ...]
    journey_gaps: tuple[Mark, ...]  # about the journey as a whole (no manager …)
    gaps_only: bool = False  # too large: only rows with open gaps are drawn
    omitted: bool = False  # past the report's row budget: no matrix drawn

    @property
    def rows_drawn(self) -> int:
        return sum(len(stage.rows) for stage in self.stages)

    @property
    def coverage(self) -> Coverage:
        return self.figures.coverage


class _Plan(NamedTuple):
    sizes: dict[int, int]  # journey id -> touchpoints
    whole: list[int]  # journeys drawn whole
    large: list[int]  # journeys drawn by their rows with gaps
    omitted: set[int]  # journeys past the budget


def _plan(organization, journeys: list[Journey], places: dict[int, PlaceFigures]) -> _Plan:
    """Whole journeys and gap-rows-only journeys, in order, until the budget runs out (one query)."""
    sizes = dict(
        Touchpoint.objects.filter(organization=organization, journey_id__in=[j.id for j in journeys])
        .order_by()
        .values_list("journey_id")
        .annotate(n=Count("id"))
    )
    left, whole, large, omitted = MATRIX_ROWS, [], [], set()
    for j in journeys:
        size = sizes.get(j.id, 0)
        needed = size if size <= FULL_MATRIX_ROWS else min(GAP_ROWS_PER_JOURNEY, places[j.id].gaps.total)
        if needed > left:
            omitted.add(j.id)
            continue
        left -= needed
        (whole if size <= FULL_MATRIX_ROWS else large).append(j.id)
    return _Plan(sizes, whole, large, omitted)


def _gap_rows(organization, large: list[int]) -> dict[int, list[int]]:
    """A large journey's rows with gaps: its touchpoints named by open gaps (a handoff shows where
    it arrives), the highest scoring first; bounded by what the budget left (one query)."""
    gap_rows: dict[int, list[int]] = defaultdict(list)
    if not large:
        return gap_rows
    named = (
        Gap.objects.filter(
            organization=organization, journey_id__in=large, resolved_at__isnull=True, touchpoint__isnull=False
        )
        .order_by("-score", "id")
        .values_list("journey_id", "rule", "touchpoint_id", "next_touchpoint_id")
    )
    seen: set[int] = set()
    for journey_id, rule, own, following in named[: GAP_ROWS_PER_JOURNEY * len(large) * 3]:
        touchpoint_id = following if rule == Rule.HANDOFF_GAP else own
        if touchpoint_id in seen:
            continue
        seen.add(touchpoint_id)
        if len(gap_rows[journey_id]) < GAP_ROWS_PER_JOURNEY:
            gap_rows[journey_id].append(touchpoint_id)
    return gap_rows


def _views(organization, plan: _Plan) -> list[tuple[int, TouchpointView]]:
    """(journey id, touchpoint) of every row drawn, in journey order (one or two queries)."""
    picked = [pk for rows in _gap_rows(organization, plan.large).values() for pk in rows]
    if not (plan.whole or picked):
        return []
    rows = Touchpoint.objects.filter(Q(journey_id__in=plan.whole) | Q(pk__in=picked), organization=organization)
    rows = rows.order_by("journey_id", "stage__position", "stage_id", "position", "id")
    return [(row[0], TouchpointView(*row[1:])) for row in rows.values_list("journey_id", *VIEW_FIELDS)]


def _about_journeys(organization, ids: list[int]) -> dict[int, list[Mark]]:
    """The open gaps about each journey as a whole (no manager, a vacant one): one query."""
    about: dict[int, list[Mark]] = defaultdict(list)
    gaps = (
        Gap.objects.filter(
            organization=organization, journey_id__in=ids, resolved_at__isnull=True, touchpoint__isnull=True
        )
        .exclude(rule__in=[Rule.IDLE_FUNCTION, Rule.ACCOUNTABILITY_BOTTLENECK])
        .order_by("-score", "rule", "id")
        .only("journey_id", "rule", "severity", "finding")
    )
    for gap in gaps[: 5 * len(ids)]:
        about[gap.journey_id].append(Mark.of(RowGap.of(gap)))
    return about


def _one_per_rule(gaps: tuple[RowGap, ...]) -> list[RowGap]:
    seen: dict[str, RowGap] = {}
    for gap in gaps:
        seen.setdefault(gap.rule, gap)
    return list(seen.values())


def _report_row(row: MatrixRow, columns: tuple[FunctionRow, ...], index: dict[int, int]) -> ReportRow:
    """A row with only the columns holding letters (a narrower table; the page says so)."""
    return ReportRow(
        touchpoint=row.touchpoint,
        cells=tuple(row.cells[index[f.id]][1] for f in columns),
        marks=(
            *((Mark.of(row.handoff_in, "↓ ", row.handoff_label),) if row.handoff_in else ()),
            *(Mark.of(gap) for gap in _one_per_rule(row.findings)),
        ),
    )


def _owner_label(journey: Journey) -> str:
    owner = journey_owner(journey=journey)
    if owner is None:
        return ""
    return f"{owner.title} ({owner.holder_name or 'vacant'})"


def report_matrices(
    organization, journeys: list[Journey], places: dict[int, PlaceFigures], functions: tuple[FunctionRow, ...]
) -> tuple[JourneyMatrix, ...]:
    """Each journey's matrix within the row budget (`journeys` come with their manager; `places`
    holds their figures and `functions` the organization's, in order)."""
    if not journeys:
        return ()
    plan = _plan(organization, journeys, places)
    views = _views(organization, plan)
    stage_names = dict(
        Stage.objects.filter(organization=organization, journey_id__in=plan.whole + plan.large).values_list(
            "id", "name"
        )
    )
    builder = RowBuilder(functions=functions, touchpoint_ids=[v.id for _, v in views], organization_id=organization.pk)
    about = _about_journeys(organization, [j.id for j in journeys])
    rows_by_journey: dict[int, list[MatrixRow]] = defaultdict(list)
    for journey_id, view in views:
        rows_by_journey[journey_id].append(builder.row(view))
    index = {f.id: i for i, f in enumerate(functions)}
    matrices = []
    for j in journeys:
        rows = rows_by_journey.get(j.id, [])
        used = {function_id for row in rows for function_id, letters in row.cells if letters}
        columns = tuple(f for f in functions if f.id in used)
        by_stage: dict[int, list[ReportRow]] = {}  # in journey order: the rows came sorted
        for row in rows:
            by_stage.setdefault(row.touchpoint.stage_id, []).append(_report_row(row, columns, index))
        matrices.append(
            JourneyMatrix(
                id=j.id,
                name=j.name,
                persona=j.persona,
                owner=_owner_label(j),
                figures=places[j.id],
                touchpoints=plan.sizes.get(j.id, 0),
                functions=columns,
                functions_left_out=len(functions) - len(columns),
                stages=tuple(MatrixStage(pk, stage_names.get(pk, ""), tuple(r)) for pk, r in by_stage.items()),
                journey_gaps=tuple(about.get(j.id, ())),
                gaps_only=j.id in plan.large,
                omitted=j.id in plan.omitted,
            )
        )
    return tuple(matrices)
