"""Reads on the ownership side, shared by the browser, the API and the commands."""

from __future__ import annotations

from dataclasses import dataclass

from journeys.models import Journey

from .constants import LETTERS, Rule
from .rules import Finding, coverage, evaluate
from .snapshot import OrgSnapshot, snapshot_load

# Organization-wide rules say nothing about one journey's rows.
ORGANIZATION_RULES = frozenset({Rule.IDLE_FUNCTION, Rule.ACCOUNTABILITY_BOTTLENECK})


@dataclass(frozen=True)
class JourneyCheck:
    """A journey's findings and coverage, computed now from the live matrix."""

    snapshot: OrgSnapshot
    findings: list[Finding]
    coverage: float

    def findings_for(self, touchpoint_id: int) -> list[Finding]:
        return [f for f in self.findings if touchpoint_id in f.touchpoint_ids]


def journey_check(*, journey: Journey) -> JourneyCheck:
    """Evaluate the rules on one journey's rows (five queries, whatever its size)."""
    snapshot = snapshot_load(organization=journey.organization, journey=journey)
    findings = [f for f in evaluate(snapshot) if f.rule not in ORGANIZATION_RULES]
    return JourneyCheck(snapshot=snapshot, findings=findings, coverage=coverage(snapshot))


# ---------------------------------------------------------------------------------------------
# The browser's reads: the matrix editor, the journey map, the dashboard and the lists.
# Each loads with a fixed number of queries whatever the number of touchpoints.

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


@dataclass(frozen=True)
class MatrixCell:
    function_id: int
    function_name: str
    letters: str  # canonical order R, A, C, I; "" when empty


@dataclass(frozen=True)
class MatrixRow:
    touchpoint: object  # journeys.models.Touchpoint, with its version for edits
    cells: tuple[MatrixCell, ...]
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
    stage: object  # journeys.models.Stage
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class JourneyMatrix:
    """One journey's matrix with its live findings: what the editor and the map draw."""

    journey: Journey
    functions: tuple  # FunctionRow(id, name), in column order
    stages: tuple[MatrixStage, ...]
    check: JourneyCheck
    journey_findings: tuple[Finding, ...]  # about the journey as a whole (no owner …)

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for stage in self.stages for row in stage.rows]

    @property
    def coverage_percent(self) -> int:
        return round(self.check.coverage * 100)

    @property
    def in_scope_count(self) -> int:
        return len(self.check.snapshot.in_scope)

    @property
    def covered_count(self) -> int:
        return round(self.check.coverage * self.in_scope_count)

    @property
    def open_by_severity(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.check.findings:
            counts[finding.severity.value] += 1
        return counts

    @property
    def handoff_gaps(self) -> int:
        return sum(1 for f in self.check.findings if f.rule == Rule.HANDOFF_GAP)

    @property
    def roles(self) -> tuple:
        return self.check.snapshot.roles

    def rows_after_change(self, touchpoint_id: int) -> list[MatrixRow]:
        """The rows a change of one touchpoint's letters can affect: itself, and the rows up to the
        next in-scope touchpoint, whose incoming handoff marker depends on it."""
        rows = self.rows
        index = next((i for i, row in enumerate(rows) if row.touchpoint.id == touchpoint_id), None)
        if index is None:
            return []
        affected = [rows[index]]
        for row in rows[index + 1 :]:
            affected.append(row)
            if not row.touchpoint.out_of_scope:
                break
        return affected


def journey_matrix(*, journey: Journey) -> JourneyMatrix:
    """The journey's stages → touchpoints × functions with findings (seven queries, whatever its size)."""
    from collections import defaultdict

    from journeys.models import Stage, Touchpoint

    check = journey_check(journey=journey)
    snapshot = check.snapshot
    letters: dict[tuple[int, int], set[str]] = defaultdict(set)
    for assignment in snapshot.assignments:
        letters[(assignment.touchpoint_id, assignment.function_id)].add(assignment.letter)
    own: dict[int, list[Finding]] = defaultdict(list)
    handoff_in: dict[int, Finding] = {}
    journey_findings = []
    for finding in check.findings:
        if finding.rule == Rule.HANDOFF_GAP:
            handoff_in[finding.touchpoint_ids[1]] = finding
        elif finding.touchpoint_ids:
            own[finding.touchpoint_ids[0]].append(finding)
        else:
            journey_findings.append(finding)
    touchpoints_by_stage: dict[int, list] = defaultdict(list)
    for touchpoint in Touchpoint.objects.filter(journey=journey).order_by("position", "id"):
        touchpoints_by_stage[touchpoint.stage_id].append(touchpoint)
    function_names = {f.id: f.name for f in snapshot.functions}
    stages = []
    for stage in Stage.objects.filter(journey=journey).order_by("position", "id"):
        rows = []
        for touchpoint in touchpoints_by_stage[stage.id]:
            rows.append(
                MatrixRow(
                    touchpoint=touchpoint,
                    cells=tuple(
                        MatrixCell(f.id, f.name, "".join(x for x in LETTERS if x in letters[(touchpoint.id, f.id)]))
                        for f in snapshot.functions
                    ),
                    findings=tuple(own[touchpoint.id]),
                    handoff_in=handoff_in.get(touchpoint.id),
                    accountable=tuple(sorted(function_names[f] for f in snapshot.holders_of(touchpoint.id, "A"))),
                    handoff_label=_handoff_label(snapshot, handoff_in.get(touchpoint.id), function_names),
                )
            )
        stages.append(MatrixStage(stage=stage, rows=tuple(rows)))
    return JourneyMatrix(
        journey=journey,
        functions=snapshot.functions,
        stages=tuple(stages),
        check=check,
        journey_findings=tuple(journey_findings),
    )


def _handoff_label(snapshot: OrgSnapshot, finding: Finding | None, names: dict[int, str]) -> str:
    if finding is None:
        return ""
    (before,), (after,) = (snapshot.holders_of(t, "A") for t in finding.touchpoint_ids)
    return f"{names[before]} → {names[after]}"


@dataclass(frozen=True)
class ChartPoint:
    run_id: int
    at: object  # datetime
    counts: dict[str, int]  # severity -> open gaps after the run

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class HeatRow:
    journey: str
    stage: str
    counts: tuple[int, ...]  # A held per function, in column order
    gap_functions: tuple[int, ...]  # open gaps in this stage naming each function
    gaps: int  # open gaps in this stage


@dataclass(frozen=True)
class Dashboard:
    """The executives' home, read from stored audit results (never recomputed per view)."""

    last_run: object | None  # AuditRun
    pending_run: object | None  # AuditRun not yet done
    open_by_severity: dict[str, int]
    open_by_rule: list[tuple[str, int]]
    trend: list[ChartPoint]
    top_gaps: list[tuple[object, int | None]]  # (Gap, touchpoint id to link to)
    accountable_share: list[tuple[str, int]]  # (function, touchpoints it is accountable for)
    functions: tuple[str, ...]
    heatmap: list[HeatRow]
    heat_max: int

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())

    @property
    def accountable_total(self) -> int:
        return sum(count for _, count in self.accountable_share)


TREND_RUNS = 30


def touchpoint_locator(organization) -> dict[tuple[int, str], tuple[int, int]]:
    """(journey id, touchpoint name) -> (touchpoint id, stage id): gaps name their touchpoints."""
    from journeys.models import Touchpoint

    rows = Touchpoint.objects.filter(organization=organization).values_list("journey_id", "name", "id", "stage_id")
    return {(journey_id, name): (tp_id, stage_id) for journey_id, name, tp_id, stage_id in rows}


def open_gaps(*, organization):
    from .models import Gap

    return Gap.objects.filter(organization=organization, resolved_at__isnull=True)


def dashboard_load(*, organization) -> Dashboard:
    """Coverage, gaps by severity and rule, trend, heatmap, top gaps and the share of A (eight queries)."""
    from collections import Counter, defaultdict

    from django.db.models import Count

    from journeys.models import Stage

    from .models import Assignment, AuditRun, Function

    runs = list(
        AuditRun.objects.filter(organization=organization, status=AuditRun.Status.DONE)
        .order_by("-finished_at", "-id")
        .only("id", "finished_at", "coverage", "counts_by_severity", "in_scope_touchpoints", "trigger")[:TREND_RUNS]
    )
    pending = (
        AuditRun.objects.filter(
            organization=organization, status__in=[AuditRun.Status.PENDING, AuditRun.Status.RUNNING]
        )
        .only("id", "requested_at", "status")
        .first()
    )
    gaps = list(open_gaps(organization=organization).only("id", "rule", "severity", "score", "finding", "journey_id"))
    by_severity = {"error": 0, "warning": 0, "info": 0}
    for gap in gaps:
        by_severity[gap.severity] = by_severity.get(gap.severity, 0) + 1
    by_rule = Counter(gap.rule for gap in gaps).most_common()

    locate = touchpoint_locator(organization)
    functions = list(Function.objects.filter(organization=organization).values_list("id", "name"))
    column = {function_id: index for index, (function_id, _) in enumerate(functions)}
    column_by_name = {name: index for index, (_, name) in enumerate(functions)}

    accountable = (
        Assignment.objects.filter(organization=organization, letter="A", touchpoint__out_of_scope=False)
        .values_list("touchpoint__stage_id", "function_id")
        .annotate(n=Count("id"))
    )
    heat: dict[int, list[int]] = defaultdict(lambda: [0] * len(functions))
    share: Counter = Counter()
    for stage_id, function_id, n in accountable:
        heat[stage_id][column[function_id]] += n
        share[function_id] += n
    gap_cells: dict[int, list[int]] = defaultdict(lambda: [0] * len(functions))
    gap_stage: Counter = Counter()
    top = []
    for gap in sorted(gaps, key=lambda g: (-g.score, g.rule, g.id)):
        names = gap.finding.get("touchpoints") or []
        located = locate.get((gap.journey_id, names[0])) if names else None
        if len(top) < 10:
            top.append((gap, located[0] if located else None))
        if located is None:
            continue
        gap_stage[located[1]] += 1
        for name in gap.finding.get("functions") or []:
            if name in column_by_name:
                gap_cells[located[1]][column_by_name[name]] += 1
    heatmap = [
        HeatRow(
            journey=journey_name,
            stage=stage_name,
            counts=tuple(heat[stage_id]),
            gap_functions=tuple(gap_cells[stage_id]),
            gaps=gap_stage[stage_id],
        )
        for stage_id, stage_name, journey_name in Stage.objects.filter(organization=organization)
        .order_by("journey__position", "journey_id", "position", "id")
        .values_list("id", "name", "journey__name")
    ]
    names = dict(functions)
    return Dashboard(
        last_run=runs[0] if runs else None,
        pending_run=pending,
        open_by_severity=by_severity,
        open_by_rule=by_rule,
        trend=[ChartPoint(run.id, run.finished_at, dict(run.counts_by_severity)) for run in reversed(runs)],
        top_gaps=top,
        accountable_share=[(names[f], n) for f, n in share.most_common()],
        functions=tuple(name for _, name in functions),
        heatmap=heatmap,
        heat_max=max((max(row.counts, default=0) for row in heatmap), default=0),
    )


@dataclass(frozen=True)
class FunctionSummary:
    function: object  # Function
    counts: dict[str, int]  # letter -> in-scope touchpoints holding it
    roles: list  # Role
    flags: list  # open Gap rows that name this function


def functions_overview(*, organization) -> list[FunctionSummary]:
    """Each function's R/A/C/I counts over in-scope touchpoints, its roles and its open gaps (four queries)."""
    from collections import defaultdict

    from django.db.models import Count

    from .models import Assignment, Function, Role

    functions = list(Function.objects.filter(organization=organization).order_by("position", "id"))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LETTERS, 0))
    for function_id, letter, n in (
        Assignment.objects.filter(organization=organization, touchpoint__out_of_scope=False)
        .values_list("function_id", "letter")
        .annotate(n=Count("id"))
    ):
        counts[function_id][letter] = n
    roles: dict[int, list] = defaultdict(list)
    for role in Role.objects.filter(organization=organization).order_by("title", "id"):
        roles[role.function_id].append(role)
    flags: dict[str, list] = defaultdict(list)
    for gap in open_gaps(organization=organization).order_by("-score", "rule", "id"):
        for name in gap.finding.get("functions") or []:
            flags[name].append(gap)
    return [FunctionSummary(function=f, counts=counts[f.id], roles=roles[f.id], flags=flags[f.name]) for f in functions]


def audit_history(*, organization, limit: int = 25) -> list:
    """The latest audit runs, each with `opened` and `resolved` lists of gaps (two queries)."""
    from collections import defaultdict

    from .models import AuditRun, GapEvent

    runs = list(
        AuditRun.objects.filter(organization=organization).defer("findings").order_by("-requested_at", "-id")[:limit]
    )
    events: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for event in GapEvent.objects.filter(run__in=[run.id for run in runs]).select_related("gap").order_by("id"):
        kind = "resolved" if event.kind == GapEvent.Kind.RESOLVED else "opened"
        events[event.run_id][kind].append(event.gap)
    for run in runs:
        run.opened_gaps = events[run.id]["opened"]
        run.resolved_gaps = events[run.id]["resolved"]
    return runs


def audit_run_changes(*, run) -> tuple[list, list]:
    """The gaps one audit run opened (or reopened) and resolved, highest score first (one query)."""
    from .models import GapEvent

    opened, resolved = [], []
    for event in GapEvent.objects.filter(run=run).select_related("gap").order_by("-gap__score", "gap__rule", "id"):
        (resolved if event.kind == GapEvent.Kind.RESOLVED else opened).append(event.gap)
    return opened, resolved


def rule_title(rule: str) -> str:
    """A rule code as people read it: handoff_gap -> Handoff gap."""
    return rule.replace("_", " ").capitalize()


def accountable_assignments(*, touchpoint) -> list:
    """The A letters held on one touchpoint: what its owner confirms still holds."""
    from .models import Assignment

    return list(Assignment.objects.filter(touchpoint=touchpoint, letter="A").select_related("function"))
