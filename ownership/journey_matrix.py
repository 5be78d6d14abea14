"""The matrix editor's and the journey map's read of one journey.

Stages → touchpoints × functions, each row with its findings, computed by the same pure rules
as the audit. Two reads with different costs:

- `journey_matrix` draws a page (or one more chunk of rows of a stage): it evaluates the
  whole journey once (a fixed number of queries, linear work in memory) so that the "rows with
  gaps" filter and the handoff markers are right, but it builds and renders only the rows that
  fit the page's budget; the rest arrive chunk by chunk as the reader scrolls.
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

from django.db.models import Case, Count, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from journeys.models import Journey, Stage, Touchpoint

from .constants import LETTERS, Rule
from .models import Assignment, Function, Gap, Role
from .rules import Finding, evaluate
from .selectors import ORGANIZATION_RULES, coverage_by_journey
from .snapshot import (
    AssignmentRow,
    FunctionRow,
    JourneyRow,
    OrgSnapshot,
    RoleRow,
    TouchpointRow,
    rule_settings_of,
)

# Rows drawn with the page; the others are fetched a chunk at a time as the reader nears them.
PAGE_ROWS = 60
CHUNK_ROWS = 100

# How a finding shows on a touchpoint row: a short label people read at a glance.
BADGE_LABELS = {
    Rule.UNASSIGNED: "no owner",
    Rule.NO_ACCOUNTABLE: "no owner",
    Rule.MULTIPLE_ACCOUNTABLE: "contested",
    Rule.NO_RESPONSIBLE: "no R",
    Rule.TOO_MANY_RESPONSIBLE: "too many R",
    Rule.CONSULT_OVERLOAD: "many C",
    Rule.INFORM_OVERLOAD: "many I",
    Rule.HANDOFF_GAP: "handoff gap",
    Rule.VACANT_OWNER: "vacant owner",
    Rule.STALE_OWNERSHIP: "stale",
}


class TouchpointView(NamedTuple):
    """What a row shows of its touchpoint."""

    id: int
    stage_id: int
    name: str
    channel: str
    importance: int
    out_of_scope: bool
    out_of_scope_reason: str


_VIEW_FIELDS = ("id", "stage_id", "name", "channel", "importance", "out_of_scope", "out_of_scope_reason")


@dataclass(frozen=True)
class MatrixRow:
    touchpoint: TouchpointView
    cells: tuple[tuple[int, str], ...]  # (function id, letters R A C I in order, "" when empty) per column
    findings: tuple[Finding, ...]  # the row's own findings (handoffs are on `handoff_in`)
    handoff_in: Finding | None  # a handoff gap from the previous in-scope touchpoint into this one
    accountable: tuple[str, ...]  # names of the functions holding A
    handoff_label: str = ""  # "IT → Finance": who hands over to whom

    @property
    def badges(self) -> list[tuple[str, str, str]]:
        """(label, tone, message) per finding, one badge per label. The tone is the severity,
        except that a contested touchpoint is amber, as on the journey map."""
        seen: dict[str, tuple[str, str, str]] = {}
        for finding in self.findings:
            label = BADGE_LABELS.get(finding.rule, finding.rule.value)
            tone = "contested" if finding.rule == Rule.MULTIPLE_ACCOUNTABLE else finding.severity.value
            seen.setdefault(label, (label, tone, finding.message))
        return list(seen.values())

    @property
    def has_gaps(self) -> bool:
        return bool(self.findings or self.handoff_in)

    @property
    def unowned(self) -> bool:
        return any(f.rule in (Rule.UNASSIGNED, Rule.NO_ACCOUNTABLE) for f in self.findings)

    @property
    def stale(self) -> bool:
        return any(f.rule == Rule.STALE_OWNERSHIP for f in self.findings)

    @property
    def contested(self) -> bool:
        return any(f.rule == Rule.MULTIPLE_ACCOUNTABLE for f in self.findings)


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


class _Rows:
    """Turns a snapshot's touchpoints into MatrixRows, with the findings sorted out per row."""

    def __init__(self, snapshot: OrgSnapshot, functions: tuple[FunctionRow, ...]):
        self.snapshot = snapshot
        self.functions = functions
        self.names = {f.id: f.name for f in functions}
        self.letters: dict[tuple[int, int], set[str]] = defaultdict(set)
        for assignment in snapshot.assignments:
            self.letters[(assignment.touchpoint_id, assignment.function_id)].add(assignment.letter)
        self.own: dict[int, list[Finding]] = defaultdict(list)
        self.handoff_in: dict[int, Finding] = {}
        journey_findings = []
        for finding in evaluate(snapshot):
            if finding.rule in ORGANIZATION_RULES:
                continue
            if finding.rule == Rule.HANDOFF_GAP:
                self.handoff_in[finding.touchpoint_ids[1]] = finding
            elif finding.touchpoint_ids:
                self.own[finding.touchpoint_ids[0]].append(finding)
            else:
                journey_findings.append(finding)
        self.journey_findings = tuple(journey_findings)

    def has_gaps(self, touchpoint_id: int) -> bool:
        return touchpoint_id in self.own or touchpoint_id in self.handoff_in

    def row(self, touchpoint: TouchpointView) -> MatrixRow:
        handoff = self.handoff_in.get(touchpoint.id)
        return MatrixRow(
            touchpoint=touchpoint,
            cells=tuple(
                (f.id, "".join(x for x in LETTERS if x in self.letters.get((touchpoint.id, f.id), ())))
                for f in self.functions
            ),
            findings=tuple(self.own.get(touchpoint.id, ())),
            handoff_in=handoff,
            accountable=tuple(sorted(self.names[f] for f in self.snapshot.holders_of(touchpoint.id, "A"))),
            handoff_label=self._handoff_label(handoff),
        )

    def _handoff_label(self, finding: Finding | None) -> str:
        if finding is None:
            return ""
        (before,), (after,) = (self.snapshot.holders_of(t, "A") for t in finding.touchpoint_ids)
        return f"{self.names[before]} → {self.names[after]}"


def _views(ids: list[int]) -> dict[int, TouchpointView]:
    rows = Touchpoint.objects.filter(pk__in=ids).order_by().values_list(*_VIEW_FIELDS) if ids else []
    return {row[0]: TouchpointView(*row) for row in rows}


def _assignments(*, journey: Journey, touchpoint_ids: list[int] | None) -> tuple[AssignmentRow, ...]:
    """The letters of the journey, or of some of its touchpoints, as the rules read them (one query)."""
    rows = Assignment.objects.filter(organization_id=journey.organization_id).order_by()
    if touchpoint_ids is None:
        rows = rows.filter(touchpoint__journey=journey)
    else:
        rows = rows.filter(touchpoint_id__in=touchpoint_ids)
    # Only an A is reviewed: when its owner last confirmed it, or when it was created.
    reviewed_at = Case(When(letter="A", then=Coalesce("confirmed_at", "created_at")), default=None)
    values = rows.values_list("touchpoint_id", "function_id", "letter", "role_id", reviewed_at)
    return tuple(map(AssignmentRow._make, values))


def _snapshot(journey, functions, roles, touchpoints: list[TouchpointView], assignments) -> OrgSnapshot:
    """A snapshot of some of the journey's touchpoints, in journey order: the rules walk it as a
    chain, so a row's handoff is right when its in-scope predecessor is in it too."""
    return OrgSnapshot(
        organization=journey.organization.slug,
        taken_at=timezone.now(),
        functions=functions,
        roles=roles,
        journeys=(JourneyRow(journey.id, journey.name, journey.owner_id),),
        touchpoints=tuple(
            TouchpointRow(t.id, journey.id, t.stage_id, t.name, t.importance, t.out_of_scope) for t in touchpoints
        ),
        assignments=assignments,
        settings=rule_settings_of(journey.organization),
    )


def journey_matrix(
    *,
    journey: Journey,
    row_filter: RowFilter = NO_FILTER,
    budget: int | None = PAGE_ROWS,
    stage_id: int | None = None,
    offset: int = 0,
) -> JourneyMatrix:
    """The journey's stages with the rows that fit `budget` (None: every row), in five queries
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
        .values_list(*_VIEW_FIELDS)
    ]
    rows = None
    if row_filter.gaps_only:
        rows = _Rows(
            _snapshot(journey, functions, roles, touchpoints, _assignments(journey=journey, touchpoint_ids=None)),
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
        assignments = _assignments(journey=journey, touchpoint_ids=[t.id for t in window])
        rows = _Rows(_snapshot(journey, functions, roles, window, assignments), functions)
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
    views = _views(ids)
    assignments = _assignments(journey=journey, touchpoint_ids=ids)
    role_ids = {a.role_id for a in assignments if a.role_id} | ({journey.owner_id} if journey.owner_id else set())
    role_rows = Role.objects.filter(pk__in=role_ids).order_by()
    roles = tuple(RoleRow(*row) for row in role_rows.values_list("id", "function_id", "title", "holder_name"))
    functions = journey_functions(organization=journey.organization)
    snapshot = _snapshot(journey, functions, roles, [views[pk] for pk in ids], assignments)
    rows = _Rows(snapshot, functions)
    shown = [touchpoint.pk] + ([following] if following is not None else [])
    return ChangedRows([rows.row(views[pk]) for pk in shown], functions, rows.journey_findings)
