"""The matrix editor's and the journey map's read of one journey.

Stages → touchpoints × functions, each row with its live findings (from journey_check), in a
fixed number of queries whatever the journey's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from journeys.models import Journey, Stage, Touchpoint

from .constants import LETTERS, Rule
from .rules import Finding
from .selectors import JourneyCheck, journey_check
from .snapshot import OrgSnapshot

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
