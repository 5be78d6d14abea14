"""The dashboard's read: the live figures, what changed over a period, and who holds the A's.

Every gap figure — coverage, open gaps by severity, rule and function, accepted risks, the
journeys worst first, each journey's and stage's open gaps, their change over the period and
the daily trend — is the one read of ownership.gaps.figures, as the report and the API show it.
What only the dashboard shows is read here: the latest audit, the top gaps, and the A's held per
function, journey and stage (the heatmap's shading). The heatmap rolls up by journey (a
300-journey organization stays on two screens); one journey at a time opens to show its stages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from ownership.gaps.figures import DEFAULT_PERIOD, Figures, PlaceFigures, figures_read
from ownership.models import Assignment, AuditRun, Gap, GapStatus

HEAT_JOURNEYS = 10  # journeys shown in the heatmap before "show all": the ones with most open gaps


TOP_GAPS = 10


@dataclass(frozen=True)
class HeatRow:
    """A journey (or, when its journey is open, one of its stages) across the functions."""

    place: PlaceFigures  # its figures: open gaps, and those naming each function
    counts: tuple[int, ...]  # A held per function, in column order
    stages: tuple[HeatRow, ...] | None = None  # a journey's stages, when it is the open one

    @property
    def id(self) -> int:
        return self.place.id

    @property
    def name(self) -> str:
        return self.place.name

    @property
    def gaps(self) -> int:
        return self.place.gaps.total

    @property
    def gap_functions(self) -> tuple[int, ...]:
        return self.place.function_gaps


@dataclass(frozen=True)
class TopGap:
    """One of the highest scoring open gaps, with its journey's name."""

    gap: Gap
    journey: str | None


@dataclass(frozen=True)
class Dashboard:
    """The executives' home: live figures, and what changed over the period."""

    figures: Figures  # every gap figure, and its change over the period
    last_run: AuditRun | None
    pending_run: AuditRun | None  # not yet done
    top_gaps: tuple[TopGap, ...]
    accountable_share: tuple[tuple[str, int], ...]  # (function, in-scope touchpoints it is accountable for)
    heatmap: tuple[HeatRow, ...]
    heat_ranked: int  # of the heatmap's rows, how many are there for having the most open gaps
    open_journey: int | None = None
    all_journeys: bool = False

    @property
    def has_matrix(self) -> bool:
        return bool(self.figures.journeys)

    @property
    def journey_count(self) -> int:
        return len(self.figures.journeys)

    @property
    def accountable_total(self) -> int:
        return sum(count for _, count in self.accountable_share)


def dashboard_load(
    *,
    organization,
    open_journey: int | None = None,
    all_journeys: bool = False,
    days: int = DEFAULT_PERIOD,
    today=None,
) -> Dashboard:
    """The figures and their change over the last `days` days, the heatmap by journey (and the
    stages of `open_journey`), the top gaps and the share of A: at most twelve queries, two more
    with a journey open."""
    # * the figures (eight, nine with a journey open)
    figures = figures_read(organization=organization, stages_of=open_journey, days=days, today=today)
    if open_journey not in {journey.id for journey in figures.journeys}:
        open_journey = None  # another organization's, or gone: nothing opens
    columns = {function.id: index for index, function in enumerate(figures.functions)}
    # * the A's per journey and function  (* per stage of the open journey)
    by_journey = _held(organization, "journey", None, columns)
    by_stage = _held(organization, "stage", open_journey, columns) if open_journey is not None else {}
    heatmap, ranked = _heatmap(figures, by_journey, by_stage, open_journey, all_journeys)
    return Dashboard(
        figures=figures,
        # * the latest audit  * an audit waiting
        last_run=AuditRun.objects.filter(organization=organization, status=AuditRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .only("id", "finished_at")
        .first(),
        pending_run=AuditRun.objects.filter(
            organization=organization, status__in=[AuditRun.Status.PENDING, AuditRun.Status.RUNNING]
        )
        .only("id", "requested_at", "status")
        .first(),
        top_gaps=_top_gaps(organization, figures),  # * the top gaps
        accountable_share=_accountable_share(figures, by_journey),
        heatmap=heatmap,
        heat_ranked=ranked,
        open_journey=open_journey,
        all_journeys=all_journeys,
    )


def _top_gaps(organization, figures: Figures) -> tuple[TopGap, ...]:
    """The open gaps (accepted risks apart) with the highest score (one query)."""
    names = {journey.id: journey.name for journey in figures.journeys}
    gaps = (
        Gap.objects.filter(organization=organization, resolved_at__isnull=True)
        .exclude(workflow_status=GapStatus.ACCEPTED)
        .order_by("-score", "rule", "id")
        .only("id", "rule", "severity", "score", "finding", "journey_id", "touchpoint_id", "workflow_status")
    )
    return tuple(TopGap(gap, names.get(gap.journey_id)) for gap in gaps[:TOP_GAPS])


def _held(organization, place: str, journey_id: int | None, columns: dict[int, int]) -> dict[int, list[int]]:
    """Place id -> A held on in-scope touchpoints per function column, for each journey (or each
    stage of `journey_id`): one query."""
    # The touchpoints are the organization's too, said again so the join reads them by their
    # organization's index: without it PostgreSQL hashed every organization's touchpoints
    # (EXPLAIN ANALYZE, two organizations of 2,000: 9.1 ms, with it 1.4 ms).
    rows = Assignment.objects.filter(
        organization=organization, letter="A", touchpoint__out_of_scope=False, touchpoint__organization=organization
    )
    if journey_id is not None:
        rows = rows.filter(touchpoint__journey_id=journey_id)
    held: dict[int, list[int]] = defaultdict(lambda: [0] * len(columns))
    grouped = rows.order_by().values_list(f"touchpoint__{place}_id", "function_id").annotate(n=Count("id"))
    for place_id, function_id, n in grouped:
        held[place_id][columns[function_id]] += n
    return held


def _accountable_share(figures: Figures, by_journey: dict[int, list[int]]) -> tuple[tuple[str, int], ...]:
    """(function, in-scope touchpoints it holds the A on), most first: "who owns CX here"."""
    totals = [sum(column) for column in zip(*by_journey.values(), strict=True)] if by_journey else []
    held = [(function.name, n) for function, n in zip(figures.functions, totals, strict=False) if n]
    return tuple(sorted(held, key=lambda item: -item[1]))


def _heatmap(figures: Figures, by_journey, by_stage, open_journey, all_journeys) -> tuple[tuple[HeatRow, ...], int]:
    """The heatmap's journeys — all of them in their order, or the HEAT_JOURNEYS with the most
    open gaps, most first — the open journey's stages under it, and how many rows are there for
    their open gaps."""
    width = len(figures.functions)
    if all_journeys:
        shown, ranked = list(figures.journeys), len(figures.journeys)
    else:
        # Ties keep the journeys' own order (sorted is stable).
        shown = sorted(figures.journeys, key=lambda j: -j.gaps.total)[:HEAT_JOURNEYS]
        ranked = len(shown)
        shown += [j for j in figures.journeys if j.id == open_journey and j.id not in {r.id for r in shown}]
    stages = tuple(HeatRow(place=s, counts=tuple(by_stage.get(s.id, [0] * width))) for s in figures.stages)
    rows = tuple(
        HeatRow(
            place=journey,
            counts=tuple(by_journey.get(journey.id, [0] * width)),
            stages=stages if journey.id == open_journey else None,
        )
        for journey in shown
    )
    return rows, ranked
