"""The rows of the matrix editor and the journey map: one touchpoint across the functions,
with the findings the gap rules report on it.

`RowBuilder` evaluates the pure rules on a snapshot of some of a journey's touchpoints — the
whole journey, or only the rows drawn and their in-scope predecessors (a handoff marker depends
on the touchpoint before) — and turns each touchpoint into a `MatrixRow`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Case, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from journeys.models import Journey, Touchpoint

from .constants import LETTERS, Rule
from .models import Assignment
from .rules import Finding, evaluate
from .selectors import ORGANIZATION_RULES
from .snapshot import AssignmentRow, FunctionRow, JourneyRow, OrgSnapshot, TouchpointRow, rule_settings_of
from .vocabulary import RULE_TEXT


class Badge(NamedTuple):
    """A finding as a touchpoint row or a map card shows it: the rule's badge in its severity."""

    rule: str
    label: str  # the rule's short badge (ownership/vocabulary.py)
    severity: str
    severity_label: str  # the word for the severity: colour is never the only signal
    message: str  # the finding's own sentence ("Till is contested: Sales, IT are all accountable")
    meaning: str  # what the rule means in general


def badge_of(finding: Finding) -> Badge:
    text = RULE_TEXT[finding.rule]
    return Badge(
        finding.rule.value,
        text.badge,
        finding.severity.value,
        text.severity_text.label,
        finding.message,
        text.meaning,
    )


def legend_badge(rule: Rule) -> Badge:
    """A rule's badge as a legend shows it: no finding, the rule's meaning as the message."""
    text = RULE_TEXT[rule]
    return Badge(rule.value, text.badge, text.severity.value, text.severity_text.label, text.meaning, text.meaning)


class TouchpointView(NamedTuple):
    """What a row shows of its touchpoint."""

    id: int
    stage_id: int
    name: str
    channel: str
    importance: int
    out_of_scope: bool
    out_of_scope_reason: str


VIEW_FIELDS = ("id", "stage_id", "name", "channel", "importance", "out_of_scope", "out_of_scope_reason")


@dataclass(frozen=True)
class MatrixRow:
    touchpoint: TouchpointView
    cells: tuple[tuple[int, str], ...]  # (function id, letters R A C I in order, "" when empty) per column
    findings: tuple[Finding, ...]  # the row's own findings (handoffs are on `handoff_in`)
    handoff_in: Finding | None  # a handoff gap from the previous in-scope touchpoint into this one
    accountable: tuple[str, ...]  # names of the functions holding A
    handoff_label: str = ""  # "IT → Finance": who hands over to whom

    @property
    def badges(self) -> list[Badge]:
        """One badge per rule found on the row, in the severity's colour, word and shape."""
        seen: dict[str, Badge] = {}
        for finding in self.findings:
            seen.setdefault(finding.rule.value, badge_of(finding))
        return list(seen.values())

    @property
    def handoff_badge(self) -> Badge | None:
        return badge_of(self.handoff_in) if self.handoff_in else None

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


class RowBuilder:
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


def touchpoint_views(ids: list[int]) -> dict[int, TouchpointView]:
    rows = Touchpoint.objects.filter(pk__in=ids).order_by().values_list(*VIEW_FIELDS) if ids else []
    return {row[0]: TouchpointView(*row) for row in rows}


def letters_of(*, journey: Journey, touchpoint_ids: list[int] | None) -> tuple[AssignmentRow, ...]:
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


def window_snapshot(journey, functions, roles, touchpoints: list[TouchpointView], assignments) -> OrgSnapshot:
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
