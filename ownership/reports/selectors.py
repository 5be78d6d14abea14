"""The ownership report people hand on: the organization's (or one journey's) state of ownership
on one day, as the print page, the PDF and the monthly mail show it.

`report_build` assembles it from the live matrix and the live gap rows (every write keeps them
current, ownership.gaps.live): no rule is evaluated here. Every figure — coverage, the open gaps
by severity, rule and function, the accepted risks, the journeys worst first and the change over
the last 30 days — is the one read of ownership.gaps.figures, as the dashboard and the API show
it. It reads a bounded amount whatever the organization's size, a fixed number of queries, each
with a LIMIT or an aggregate:

- the matrices are drawn within a row budget (ownership.reports.matrices);
- the open gaps list shows the GAPS_LISTED highest scoring, with every total counted whole;
- the accepted risks list shows the ACCEPTED_LISTED highest scoring, all counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from journeys.models import Journey
from ownership.engine.constants import Severity
from ownership.engine.vocabulary import SEVERITY_TEXT, RuleText, SeverityText, rule_text
from ownership.gaps.figures import Coverage, Figure, Figures, FunctionGaps, PlaceFigures, figures_read
from ownership.gaps.figures.counts import open_gap_rows
from ownership.models import Gap, GapStatus
from ownership.reports.matrices import (
    FULL_MATRIX_ROWS,
    GAP_ROWS_PER_JOURNEY,
    MATRIX_ROWS,
    JourneyMatrix,
    report_matrices,
)

GAPS_LISTED = 150  # the open gaps list shows the highest scoring ones


ACCEPTED_LISTED = 50


CHANGE_DAYS = 30


SEVERITIES = tuple(Severity)


@dataclass(frozen=True)
class SeverityCount:
    text: SeverityText
    count: int


@dataclass(frozen=True)
class ReportGap:
    """A gap as the report and the executive summary list it: its rule's words, where it is and
    what people decided."""

    id: int
    text: RuleText
    message: str
    journey: str  # the journey's name; "" for a gap about a function
    score: int
    workflow_status: str
    risk_reason: str = ""
    risk_expires_on: date | None = None

    @property
    def severity_text(self) -> SeverityText:
        return self.text.severity_text


@dataclass(frozen=True)
class GapGroup:
    """One rule's open gaps, under its words once: what it means and how to fix it."""

    text: RuleText
    gaps: tuple[ReportGap, ...]  # the listed ones, highest score first
    total: int  # all of the rule's open gaps

    @property
    def unlisted(self) -> int:
        return self.total - len(self.gaps)


class ReadsFigures:
    """The headline figures of a document drawn from the one figures read (`self.figures`): the
    full report and the executive summary print them alike."""

    figures: Figures

    @property
    def coverage(self) -> Coverage:
        return self.figures.coverage

    @property
    def change(self):
        return self.figures.change

    @property
    def open_by_severity(self) -> tuple[SeverityCount, ...]:
        """Open gaps by severity, accepted risks not counted."""
        by_severity = self.figures.gaps.by_severity
        return tuple(SeverityCount(SEVERITY_TEXT[s], by_severity.get(s, 0)) for s in SEVERITIES)

    @property
    def open_total(self) -> int:
        return self.figures.gaps.total

    @property
    def accepted_total(self) -> int:
        return self.figures.gaps.accepted_risks


@dataclass(frozen=True)
class Report(ReadsFigures):
    organization: object  # Organization
    journey: Journey | None  # the journey the report is about, or None for the organization
    today: date
    generated_at: datetime
    figures: Figures  # every figure, and its change over the last CHANGE_DAYS days
    accepted: tuple[ReportGap, ...]
    matrices: tuple[JourneyMatrix, ...]
    gap_groups: tuple[GapGroup, ...]
    limits: dict = field(default_factory=dict)  # the bounds, for the report's own notes

    @property
    def title(self) -> str:
        return self.journey.name if self.journey else self.organization.name

    @property
    def by_function(self) -> tuple[FunctionGaps, ...]:
        return self.figures.by_function

    @property
    def worst_journeys(self) -> list[PlaceFigures]:
        return self.figures.worst_journeys

    @property
    def coverage_change_points(self) -> int | None:
        """Coverage now minus at the start of the period, in percentage points; None where there
        is no earlier figure (an organization younger than the period, nothing in scope)."""
        return self.change.coverage.change

    @property
    def open_change(self) -> Figure:
        """Open gaps (accepted risks apart) now and at the start of the period."""
        return self.change.open_gaps

    @property
    def gaps_listed(self) -> int:
        return sum(len(group.gaps) for group in self.gap_groups)


def report_build(*, organization, today: date, journey: Journey | None = None) -> Report:
    """The organization's (or `journey`'s) report on `today`, in at most twenty queries whatever
    its size."""
    figures = figures_read(organization=organization, journey=journey, days=CHANGE_DAYS, today=today)
    journeys = Journey.objects.filter(organization=organization).select_related("owner_link__role")
    if journey is not None:
        journeys = journeys.filter(pk=journey.pk)
    journeys = list(journeys.order_by("position", "id"))
    names = {j.id: j.name for j in journeys}
    live = open_gap_rows(organization=organization, journey_id=journey.pk if journey is not None else None)
    accepted = live.filter(workflow_status=GapStatus.ACCEPTED).order_by("-score", "rule", "id")
    return Report(
        organization=organization,
        journey=journey,
        today=today,
        generated_at=timezone.now(),
        figures=figures,
        accepted=tuple(report_gap(gap, names) for gap in accepted[:ACCEPTED_LISTED]),
        matrices=report_matrices(
            organization, journeys, {place.id: place for place in figures.journeys}, figures.functions
        ),
        gap_groups=_gap_groups(live.exclude(workflow_status=GapStatus.ACCEPTED), figures, names),
        limits={
            "full_matrix_rows": FULL_MATRIX_ROWS,
            "gap_rows_per_journey": GAP_ROWS_PER_JOURNEY,
            "matrix_rows": MATRIX_ROWS,
            "gaps_listed": GAPS_LISTED,
        },
    )


def report_gap(gap: Gap, journey_names: dict[int, str]) -> ReportGap:
    return ReportGap(
        id=gap.pk,
        text=rule_text(gap.rule),
        message=gap.finding.get("message", ""),
        journey=journey_names.get(gap.journey_id, "") if gap.journey_id else "",
        score=gap.score,
        workflow_status=gap.workflow_status,
        risk_reason=gap.risk_reason,
        risk_expires_on=gap.risk_expires_on,
    )


def _gap_groups(open_gaps, figures: Figures, journey_names: dict[int, str]) -> tuple[GapGroup, ...]:
    """The highest scoring open gaps, grouped by rule: errors first, then the most frequent."""
    listed: dict[str, list[ReportGap]] = defaultdict(list)
    fields = ("id", "rule", "finding", "journey_id", "score", "workflow_status", "risk_reason", "risk_expires_on")
    for gap in open_gaps.order_by("-score", "rule", "id").only(*fields)[:GAPS_LISTED]:
        listed[gap.rule].append(report_gap(gap, journey_names))
    by_rule = figures.gaps.by_rule
    rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    rules = sorted(by_rule, key=lambda r: (rank[rule_text(r).severity], -by_rule[r], r))
    return tuple(GapGroup(rule_text(r), tuple(listed.get(r, ())), by_rule[r]) for r in rules)
