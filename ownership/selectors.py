"""Reads on the ownership side, shared by the browser, the API and the commands."""

from __future__ import annotations

from dataclasses import dataclass

from journeys.models import Journey

from .constants import Rule
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
