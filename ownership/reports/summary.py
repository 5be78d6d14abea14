"""The executive summary: the organization's state of ownership on five A4 pages at most, for
people who read one page of it — coverage, its change over 7, 30 and 90 days, who carries the
gaps, the worst journeys and the top risks.

Every figure is the one read of ownership.gaps.figures, so the summary says what the dashboard
says for the same period. It reads a fixed number of aggregate queries whatever the
organization's size, and lists a bounded number of rows, so its PDF stays short and quick:

  the figures (journeys · functions · coverage · gap counts · gaps by function) · the change
  over the three periods, from one walk back through the longest (the live tally, the events,
  the gaps they touch) · the top accepted risks · the top open gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.utils import timezone

from ownership.gaps.figures import (
    PERIODS,
    Figures,
    FunctionGaps,
    PeriodChange,
    PlaceFigures,
    figures_read,
    period_changes,
)
from ownership.gaps.figures.counts import open_gap_rows
from ownership.models import GapStatus
from ownership.reports.selectors import CHANGE_DAYS, ReadsFigures, ReportGap, report_gap

SUMMARY_JOURNEYS = 10  # the worst journeys named
SUMMARY_FUNCTIONS = 15  # the functions carrying the most gaps
SUMMARY_RISKS = 8  # accepted risks listed, and as many of the highest scoring open gaps


@dataclass(frozen=True)
class ExecutiveSummary(ReadsFigures):
    organization: object  # Organization
    today: date
    generated_at: datetime
    figures: Figures  # every figure now, and its change over the last CHANGE_DAYS days
    changes: tuple[PeriodChange, ...]  # over each of the dashboard's periods, shortest first
    accepted: tuple[ReportGap, ...]  # the highest scoring accepted risks
    top_gaps: tuple[ReportGap, ...]  # the highest scoring open gaps (accepted risks apart)

    @property
    def title(self) -> str:
        return self.organization.name

    @property
    def by_function(self) -> tuple[FunctionGaps, ...]:
        """The functions named by open gaps, the most errors first (the dashboard's order)."""
        return tuple(row for row in self.figures.by_function if row.total)[:SUMMARY_FUNCTIONS]

    @property
    def functions_unlisted(self) -> int:
        return sum(1 for row in self.figures.by_function if row.total) - len(self.by_function)

    @property
    def top_function(self) -> FunctionGaps | None:
        return self.by_function[0] if self.by_function else None

    @property
    def worst_journeys(self) -> list[PlaceFigures]:
        return self.figures.journeys_worst_first[:SUMMARY_JOURNEYS]

    @property
    def journey_count(self) -> int:
        return len(self.figures.journeys)

    def change(self, days: int) -> PeriodChange:
        return next(change for change in self.changes if change.days == days)


def executive_summary_build(*, organization, today: date) -> ExecutiveSummary:
    """The organization's executive summary on `today`, in a fixed number of queries."""
    figures = figures_read(organization=organization, today=today)
    # The three periods from one walk back through the longest (the read model's period_changes,
    # the same figures as the dashboard's one period at a time): three walks cost 2.4× the
    # dashboard's whole read at 10,000 touchpoints, one walk is about one period's cost.
    changes = period_changes(organization=organization, periods=PERIODS, today=today, coverage=figures.coverage)
    change = changes[CHANGE_DAYS]
    journeys = tuple(replace(journey, change=change.journey(journey.id)) for journey in figures.journeys)
    figures = replace(figures, change=change, journeys=journeys)
    names = {journey.id: journey.name for journey in figures.journeys}
    gaps = open_gap_rows(organization=organization, journey_id=None).only(
        "id", "rule", "finding", "journey_id", "score", "workflow_status", "risk_reason", "risk_expires_on"
    )
    accepted = gaps.filter(workflow_status=GapStatus.ACCEPTED).order_by("-score", "rule", "id")
    top = gaps.exclude(workflow_status=GapStatus.ACCEPTED).order_by("-score", "rule", "id")
    return ExecutiveSummary(
        organization=organization,
        today=today,
        generated_at=timezone.now(),
        figures=figures,
        changes=tuple(changes[days] for days in sorted(changes)),
        accepted=tuple(report_gap(gap, names) for gap in accepted[:SUMMARY_RISKS]),
        top_gaps=tuple(report_gap(gap, names) for gap in top[:SUMMARY_RISKS]),
    )
