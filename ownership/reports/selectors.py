"""The ownership report people hand on: the organization's (or one journey's) state of ownership
on one day, as the print page, the PDF and the monthly mail show it.

`report_build` assembles everything in one place, from the live matrix and the live gap rows
(every write keeps them current, ownership.gaps.live): no rule is evaluated here. The change over
the last 30 days is the dashboard's, read back from the gap history (ownership.dashboard_change). It reads a
bounded amount whatever the organization's size — a fixed number of queries, each with a
LIMIT or an aggregate:

- journeys up to FULL_MATRIX_ROWS touchpoints show their whole matrix; a larger one shows only
  its rows with open gaps (the highest scoring GAP_ROWS_PER_JOURNEY), and says so;
- the matrices together draw at most MATRIX_ROWS rows; journeys past that budget are named
  with their figures but without a matrix, and the report says so;
- the open gaps list shows the GAPS_LISTED highest scoring, with every total counted whole.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from django.db.models import Count, Q
from django.utils import timezone

from journeys.models import Journey, Stage, Touchpoint
from ownership.dashboard.change import Figure, PeriodChange, period_change
from ownership.editor.rows import VIEW_FIELDS, MatrixRow, RowBuilder, RowGap, TouchpointView
from ownership.engine.constants import Rule, Severity
from ownership.engine.snapshot import FunctionRow
from ownership.engine.vocabulary import SEVERITY_TEXT, RuleText, SeverityText, rule_text
from ownership.gaps.selectors import Coverage, coverage_by_journey, open_gaps_by_function
from ownership.models import Gap, GapStatus
from ownership.structure.selectors import journey_owner

# The bounds keep a report readable and its PDF quick: WeasyPrint lays out roughly two pages a
# second on a busy two-core machine (`make bench` prints it), so a report stays under ~40 pages.
FULL_MATRIX_ROWS = 120  # a journey up to this size shows every row


GAP_ROWS_PER_JOURNEY = 60  # a larger one shows this many of its rows with gaps


MATRIX_ROWS = 600  # rows drawn over all the matrices (about twenty landscape pages)


GAPS_LISTED = 150  # the open gaps list shows the highest scoring ones


ACCEPTED_LISTED = 50


WORST_JOURNEYS = 5


CHANGE_DAYS = 30


SEVERITIES = tuple(Severity)


NOTHING = Coverage(0, 0)  # a journey with nothing in scope


@dataclass(frozen=True)
class SeverityCount:
    text: SeverityText
    count: int


@dataclass(frozen=True)
class FunctionGaps:
    """The open gaps naming one function, by severity (accepted risks apart)."""

    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class JourneyStanding:
    """A journey's figures for the worst-first table."""

    id: int
    name: str
    coverage: Coverage
    errors: int
    open_gaps: int

    @property
    def coverage_percent(self) -> int:
        return round(100 * self.coverage.share)


@dataclass(frozen=True)
class ReportGap:
    """A gap as the report lists it: its rule's words, where it is and what people decided."""

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
    coverage: Coverage
    open_gaps: int
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
    def coverage_percent(self) -> int:
        return round(100 * self.coverage.share)


@dataclass(frozen=True)
class Report:
    organization: object  # Organization
    journey: Journey | None  # the journey the report is about, or None for the organization
    today: date
    generated_at: datetime
    coverage: Coverage
    change: PeriodChange  # the organization's figures now and CHANGE_DAYS ago, from the gap history
    open_by_severity: tuple[SeverityCount, ...]  # accepted risks not counted
    accepted_total: int
    accepted: tuple[ReportGap, ...]
    by_function: tuple[FunctionGaps, ...]  # most gaps first
    worst_journeys: tuple[JourneyStanding, ...]
    matrices: tuple[JourneyMatrix, ...]
    gap_groups: tuple[GapGroup, ...]
    limits: dict = field(default_factory=dict)  # the bounds above, for the report's own notes

    @property
    def title(self) -> str:
        return self.journey.name if self.journey else self.organization.name

    @property
    def coverage_percent(self) -> int:
        return round(100 * self.coverage.share)

    @property
    def open_total(self) -> int:
        return sum(item.count for item in self.open_by_severity)

    @property
    def coverage_change_points(self) -> int | None:
        """The organization's coverage now minus at the start of the period, in percentage points;
        None for a journey's report (the history counts coverage for the organization only) and for
        an organization younger than the period."""
        return self.change.coverage.change if self.journey is None else None

    @property
    def open_change(self) -> Figure:
        """Open gaps (accepted risks apart) now and at the start of the period: the organization's,
        or the journey's."""
        if self.journey is None:
            return self.change.open_gaps
        return self.change.open_by_journey.get(self.journey.id, Figure(0, 0))

    @property
    def gaps_listed(self) -> int:
        return sum(len(group.gaps) for group in self.gap_groups)


def report_build(*, organization, today: date, journey: Journey | None = None) -> Report:
    """The organization's (or `journey`'s) report on `today`, in at most twenty queries whatever
    its size."""
    journeys = Journey.objects.filter(organization=organization).select_related("owner_link__role")
    if journey is not None:
        journeys = journeys.filter(pk=journey.pk)
    journeys = list(journeys.order_by("position", "id"))
    journey_ids = [j.id for j in journeys]
    coverage = coverage_by_journey(organization=organization, journey_ids=journey_ids)
    total = Coverage(sum(c.in_scope for c in coverage.values()), sum(c.covered for c in coverage.values()))

    live = Gap.objects.filter(organization=organization, resolved_at__isnull=True)
    if journey is not None:
        live = live.filter(journey=journey)
    # One aggregate for every count: severity, rule and journey, accepted risks apart.
    by_severity: Counter = Counter()
    by_rule: Counter = Counter()
    errors_by_journey: Counter = Counter()
    open_by_journey: Counter = Counter()
    accepted_total = 0
    for journey_id, rule, severity, status, n in (
        live.order_by().values_list("journey_id", "rule", "severity", "workflow_status").annotate(n=Count("id"))
    ):
        if status == GapStatus.ACCEPTED:
            accepted_total += n
            continue
        by_severity[severity] += n
        by_rule[rule] += n
        open_by_journey[journey_id] += n
        if severity == Severity.ERROR:
            errors_by_journey[journey_id] += n

    names = {j.id: j.name for j in journeys}
    standings = [
        JourneyStanding(j.id, j.name, coverage.get(j.id, NOTHING), errors_by_journey[j.id], open_by_journey[j.id])
        for j in journeys
    ]
    # Worst first: journeys with something in scope by coverage, then by errors and open gaps.
    worst = sorted(
        (s for s in standings if s.coverage.in_scope),
        key=lambda s: (s.coverage.share, -s.errors, -s.open_gaps, s.name),
    )[:WORST_JOURNEYS]

    return Report(
        organization=organization,
        journey=journey,
        today=today,
        generated_at=timezone.now(),
        coverage=total,
        change=period_change(
            organization=organization,
            days=CHANGE_DAYS,
            today=today,
            # The live coverage read above, when it is the organization's.
            coverage=total if journey is None else None,
        ),
        open_by_severity=tuple(SeverityCount(SEVERITY_TEXT[s], by_severity[s]) for s in SEVERITIES),
        accepted_total=accepted_total,
        accepted=tuple(
            _report_gap(gap, names)
            for gap in live.filter(workflow_status=GapStatus.ACCEPTED).order_by("-score", "rule", "id")[
                :ACCEPTED_LISTED
            ]
        ),
        by_function=_gaps_by_function(organization=organization, journey=journey),
        worst_journeys=tuple(worst),
        matrices=_matrices(organization, journeys, coverage, open_by_journey),
        gap_groups=_gap_groups(live.exclude(workflow_status=GapStatus.ACCEPTED), by_rule, names),
        limits={
            "full_matrix_rows": FULL_MATRIX_ROWS,
            "gap_rows_per_journey": GAP_ROWS_PER_JOURNEY,
            "matrix_rows": MATRIX_ROWS,
            "gaps_listed": GAPS_LISTED,
        },
    )


def _report_gap(gap: Gap, journey_names: dict[int, str]) -> ReportGap:
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


def _gap_groups(open_gaps, by_rule: Counter, journey_names: dict[int, str]) -> tuple[GapGroup, ...]:
    """The highest scoring open gaps, grouped by rule: errors first, then the most frequent."""
    listed: dict[str, list[ReportGap]] = defaultdict(list)
    fields = ("id", "rule", "finding", "journey_id", "score", "workflow_status", "risk_reason", "risk_expires_on")
    for gap in open_gaps.order_by("-score", "rule", "id").only(*fields)[:GAPS_LISTED]:
        listed[gap.rule].append(_report_gap(gap, journey_names))
    rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    rules = sorted(by_rule, key=lambda r: (rank[rule_text(r).severity], -by_rule[r], r))
    return tuple(GapGroup(rule_text(r), tuple(listed.get(r, ())), by_rule[r]) for r in rules)


def _gaps_by_function(*, organization, journey: Journey | None) -> tuple[FunctionGaps, ...]:
    counts = open_gaps_by_function(organization=organization, journey=journey)
    rows = [FunctionGaps(name, {s.value: by.get(s.value, 0) for s in SEVERITIES}) for name, by in counts.items()]
    return tuple(sorted(rows, key=lambda r: (-r.counts["error"], -r.total, r.name)))


def _one_per_rule(gaps: tuple[RowGap, ...]) -> list[RowGap]:
    seen: dict[str, RowGap] = {}
    for gap in gaps:
        seen.setdefault(gap.rule, gap)
    return list(seen.values())


def _owner_label(journey: Journey) -> str:
    owner = journey_owner(journey=journey)
    if owner is None:
        return ""
    return f"{owner.title} ({owner.holder_name or 'vacant'})"


def _matrices(organization, journeys: list[Journey], coverage, open_by_journey) -> tuple[JourneyMatrix, ...]:
    """Each journey's matrix within the row budget (seven queries for all the journeys)."""
    if not journeys:
        return ()
    ids = [j.id for j in journeys]
    sizes = dict(
        Touchpoint.objects.filter(organization=organization, journey_id__in=ids)
        .order_by()
        .values_list("journey_id")
        .annotate(n=Count("id"))
    )
    # Plan: whole journeys and gap-rows-only journeys, in order, until the budget runs out.
    left = MATRIX_ROWS
    whole: list[int] = []
    large: list[int] = []
    omitted: set[int] = set()
    for j in journeys:
        size = sizes.get(j.id, 0)
        needed = size if size <= FULL_MATRIX_ROWS else min(GAP_ROWS_PER_JOURNEY, open_by_journey[j.id])
        if needed > left:
            omitted.add(j.id)
            continue
        left -= needed
        (whole if size <= FULL_MATRIX_ROWS else large).append(j.id)

    # A large journey's rows with gaps: its touchpoints named by open gaps (a handoff shows where
    # it arrives), the highest scoring first; bounded by what the budget left to those journeys.
    gap_rows: dict[int, list[int]] = defaultdict(list)
    if large:
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
    wanted = Touchpoint.objects.filter(organization=organization)
    picked = [pk for rows in gap_rows.values() for pk in rows]
    views: list[tuple[int, TouchpointView]] = []
    if whole or picked:
        rows = wanted.filter(Q(journey_id__in=whole) | Q(pk__in=picked)).order_by(
            "journey_id", "stage__position", "stage_id", "position", "id"
        )
        views = [(row[0], TouchpointView(*row[1:])) for row in rows.values_list("journey_id", *VIEW_FIELDS)]
    stage_names = dict(
        Stage.objects.filter(organization=organization, journey_id__in=whole + large).values_list("id", "name")
    )
    functions = tuple(
        FunctionRow(*row)
        for row in organization.functions.order_by("position", "id").values_list("id", "name")  # the columns' order
    )
    builder = RowBuilder(functions=functions, touchpoint_ids=[v.id for _, v in views], organization_id=organization.pk)
    about_journey: dict[int, list[Mark]] = defaultdict(list)
    for gap in (
        Gap.objects.filter(
            organization=organization, journey_id__in=ids, resolved_at__isnull=True, touchpoint__isnull=True
        )
        .exclude(rule__in=[Rule.IDLE_FUNCTION, Rule.ACCOUNTABILITY_BOTTLENECK])
        .order_by("-score", "rule", "id")
        .only("journey_id", "rule", "severity", "finding")[: 5 * len(ids)]
    ):
        about_journey[gap.journey_id].append(Mark.of(RowGap.of(gap)))

    rows_by_journey: dict[int, list[MatrixRow]] = defaultdict(list)
    for journey_id, view in views:
        rows_by_journey[journey_id].append(builder.row(view))
    matrices = []
    for j in journeys:
        rows = rows_by_journey.get(j.id, [])
        used = {function_id for row in rows for function_id, letters in row.cells if letters}
        columns = tuple(f for f in functions if f.id in used)
        index = {f.id: i for i, f in enumerate(functions)}
        # Only the columns with letters: a narrower table (the matrix page says so).
        trimmed = [
            ReportRow(
                touchpoint=row.touchpoint,
                cells=tuple(row.cells[index[f.id]][1] for f in columns),
                marks=(
                    *((Mark.of(row.handoff_in, "↓ ", row.handoff_label),) if row.handoff_in else ()),
                    *(Mark.of(gap) for gap in _one_per_rule(row.findings)),
                ),
            )
            for row in rows
        ]
        by_stage: dict[int, list[ReportRow]] = {}  # in journey order: the rows came sorted
        for row in trimmed:
            by_stage.setdefault(row.touchpoint.stage_id, []).append(row)
        stages = [MatrixStage(pk, stage_names.get(pk, ""), tuple(rows)) for pk, rows in by_stage.items()]
        matrices.append(
            JourneyMatrix(
                id=j.id,
                name=j.name,
                persona=j.persona,
                owner=_owner_label(j),
                coverage=coverage.get(j.id, NOTHING),
                open_gaps=open_by_journey[j.id],
                touchpoints=sizes.get(j.id, 0),
                functions=columns,
                functions_left_out=len(functions) - len(columns),
                stages=tuple(stages),
                journey_gaps=tuple(about_journey.get(j.id, ())),
                gaps_only=j.id in large,
                omitted=j.id in omitted,
            )
        )
    return tuple(matrices)
