"""The figures of a place read together: the organization (or one journey, or one stage), each of
its journeys and stages, ranked worst first, with their change over a period.

Every page, the API, the report and the mails read their figures here or from the smaller reads
this module is made of (ownership.gaps.figures.coverage, .counts, .history), so a figure is
computed in one place and means the same everywhere (docs/figures.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from journeys.models import Journey, Stage
from ownership.engine.comparison import Comparison
from ownership.engine.snapshot import FunctionRow
from ownership.gaps.figures.counts import (
    NO_GAPS,
    FunctionGaps,
    GapFigures,
    GapTally,
    LiveGaps,
    function_tally_read,
    gap_tally_read,
)
from ownership.gaps.figures.coverage import NOTHING_IN_SCOPE, Coverage, CoverageRows, coverage_read
from ownership.gaps.figures.history import Figure, PeriodChange, period_change
from ownership.models import Function

# The journeys "worst first" on the dashboard and in the report; the journeys page lists them all
# in the same order.
WORST_JOURNEYS = 5


@dataclass(frozen=True)
class Standing:
    """A place's coverage and open gaps (accepted risks apart, in `gaps.accepted_risks`)."""

    coverage: Coverage = NOTHING_IN_SCOPE
    gaps: GapFigures = NO_GAPS


class ShowsStanding:
    """What shows a place's figures (a Standing, its `figures`) as its own coverage and open gaps:
    the journey's header in the matrix, a row of the portfolio."""

    figures: Standing

    @property
    def coverage(self) -> Coverage:
        return self.figures.coverage

    @property
    def gaps(self) -> GapFigures:
        return self.figures.gaps


@dataclass(frozen=True)
class PlaceFigures(Standing):
    """A journey's or a stage's figures, named."""

    id: int = 0
    name: str = ""
    function_gaps: tuple[int, ...] = ()  # open gaps naming each function, in the functions' order
    change: Figure | None = None  # its open gaps now and at the start of the period, when asked


def worst_first_key(*, errors: int, coverage: Coverage, open_gaps: int, name: str) -> tuple:
    """Most open errors first, then the lowest coverage (a place with nothing in scope has no
    figure: it comes after those that have one), then the most open gaps, then the name."""
    share = coverage.share
    return (-errors, share is None, share or 0.0, -open_gaps, name.casefold())


def worst_first(places) -> list:
    """Places (with `.coverage`, `.gaps` and `.name`) in the one worst-first order."""
    return sorted(
        places,
        key=lambda p: worst_first_key(errors=p.gaps.errors, coverage=p.coverage, open_gaps=p.gaps.total, name=p.name),
    )


@dataclass(frozen=True)
class Figures:
    """Every figure of the organization, or of one journey or stage, as every surface shows it."""

    journey: Journey | None  # the journey read, or None
    stage: Stage | None  # the stage read, or None
    coverage: Coverage
    gaps: GapFigures
    by_function: tuple[FunctionGaps, ...]  # the most errors first
    functions: tuple[FunctionRow, ...]  # the organization's, in their order (function_gaps' columns)
    journeys: tuple[PlaceFigures, ...]  # the journeys read, in the organization's journey order
    stages: tuple[PlaceFigures, ...]  # the stages asked for, in their journey's order
    change: PeriodChange | None = None  # when a period was asked for

    @property
    def journeys_worst_first(self) -> list[PlaceFigures]:
        return worst_first(self.journeys)

    @property
    def worst_journeys(self) -> list[PlaceFigures]:
        return self.journeys_worst_first[:WORST_JOURNEYS]


@dataclass(frozen=True)
class WhatIf:
    """Today's figures, as every page shows them, and the same figures after a change of the
    matrix not made yet (a scenario)."""

    before: Standing
    after: Standing

    @classmethod
    def of(cls, live: LiveGaps, comparison: Comparison) -> WhatIf:
        """Today's open gaps and accepted risks (the live gaps), and after the change `comparison`
        describes: today's, less the gaps it closes, plus those it opens. Coverage on each side
        as the comparison counted it (the rules' definition, on the matrix and on the scenario's)."""
        changed = live.tally.changed(opened=comparison.opened, closed=comparison.closed, accepted=live.accepted)
        return cls(
            before=Standing(coverage=Coverage(*comparison.covered_before), gaps=live.tally.whole),
            after=Standing(coverage=Coverage(*comparison.covered_after), gaps=changed.whole),
        )


def standing_read(*, organization, journey_id: int | None = None, stage_id: int | None = None) -> Standing:
    """The coverage and open gaps of the organization, a journey or a stage (two queries)."""
    coverage = coverage_read(
        organization=organization, journey_ids=None if journey_id is None else [journey_id], stage_id=stage_id
    )
    tally = gap_tally_read(organization=organization, journey_id=journey_id, stage_id=stage_id)
    return Standing(coverage=coverage.organization, gaps=tally.whole)


def journey_standings(*, organization) -> dict[int, Standing]:
    """Each journey's coverage and open gaps (two queries); journeys with neither are absent."""
    coverage = coverage_read(organization=organization).journeys()
    tally = gap_tally_read(organization=organization)
    ids = set(coverage) | tally.journey_ids()
    return {j: Standing(coverage=coverage.get(j, NOTHING_IN_SCOPE), gaps=tally.journey(j)) for j in ids}


def figures_read(
    *,
    organization,
    journey: Journey | None = None,
    stage: Stage | None = None,
    stages_of: int | None = None,
    days: int | None = None,
    today: date | None = None,
) -> Figures:
    """The figures of the organization, or of `journey`, or of `stage`: coverage, open gaps by
    severity, rule and function, accepted risks, each journey's figures and (for a journey, a
    stage, or the journey `stages_of`) each stage's; with `days`, their change over that period.

    Queries, whatever the organization's size: journeys · functions · coverage · gap counts ·
    gaps by function · stages (when any are asked for) · the change: the events of this period
    and the one before, the gaps they touch with the open coverage gaps on their touchpoints.
    """
    journey_id = stage.journey_id if stage is not None else journey.pk if journey is not None else None
    stage_id = stage.pk if stage is not None else None
    stages_of = journey_id if journey_id is not None else stages_of
    scope = {"journey_id": journey_id, "stage_id": stage_id}
    functions = tuple(
        FunctionRow(*row)
        for row in Function.objects.filter(organization=organization)
        .order_by("position", "id")
        .values_list("id", "name")
    )
    coverage = coverage_read(
        organization=organization,
        journey_ids=None if journey_id is None else [journey_id],
        stages_of=stages_of,
        stage_id=stage_id,
    )
    tally = gap_tally_read(organization=organization, stages_of=stages_of, **scope)
    by_function = function_tally_read(organization=organization, functions=functions, stages_of=stages_of, **scope)
    change = None
    if days is not None:
        change = period_change(
            organization=organization, days=days, today=today, coverage=coverage.organization, live=tally, **scope
        )
    return Figures(
        journey=journey if stage is None else None,
        stage=stage,
        coverage=coverage.organization,
        gaps=tally.whole,
        by_function=by_function.by_function(),
        functions=functions,
        journeys=_journeys(organization, journey_id, stage_id, coverage, tally, by_function, change),
        stages=_stages(organization, stages_of, stage_id, coverage, tally, by_function),
        change=change,
    )


def _journeys(organization, journey_id, stage_id, coverage: CoverageRows, tally: GapTally, by_function, change):
    """The journeys read, with their figures (one query; none for a stage)."""
    if stage_id is not None:
        return ()
    journeys = Journey.objects.filter(organization=organization).order_by("position", "id")
    if journey_id is not None:
        journeys = journeys.filter(pk=journey_id)
    change_of = change.journey if change is not None else None
    rows = journeys.values_list("id", "name")
    return _places("journey", rows, coverage.journeys(), tally.journey, by_function, change_of)


def _stages(organization, stages_of, stage_id, coverage: CoverageRows, tally: GapTally, by_function):
    """The stages asked for, with their figures (one query; none when no stage is asked for)."""
    if stages_of is None:
        return ()
    # Another organization's journey (a hand-edited link) has no stages here.
    stages = Stage.objects.filter(organization=organization, journey_id=stages_of).order_by("position", "id")
    if stage_id is not None:
        stages = stages.filter(pk=stage_id)
    return _places("stage", stages.values_list("id", "name"), coverage.stages(), tally.stage, by_function)


def _places(kind: str, rows, by_place: dict[int, Coverage], gaps_of, by_function, change_of=None):
    """Each (id, name) of the journeys or stages (`kind`) read, with its figures: coverage, open
    gaps, gaps by function and, where `change_of` is given, its change over the period."""
    return tuple(
        PlaceFigures(
            id=pk,
            name=name,
            coverage=by_place.get(pk, NOTHING_IN_SCOPE),
            gaps=gaps_of(pk),
            function_gaps=by_function.cells((kind, pk)),
            change=change_of(pk) if change_of is not None else None,
        )
        for pk, name in rows
    )
