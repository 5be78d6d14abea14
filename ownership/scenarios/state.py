"""A scenario as it stands today: its operations replayed on the live matrix and compared with it.

What the scenario page and the API show of a scenario (ownership.scenarios.services writes them):
the comparison of its matrix with today's, what it would open and close, what is skipped, and
whether what it touches changed since it was drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxowner.orgs.models import Organization
from ownership.engine.constants import Rule
from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.whatif import (
    Comparison,
    Operation,
    Replay,
    Skipped,
    compare,
    operation_describe,
    replay,
)
from ownership.gaps.audits import collector_paused
from ownership.gaps.figures import WhatIf, live_gaps_read
from ownership.gaps.selectors import open_gaps
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Scenario
from ownership.scenarios.conflicts import Conflict, conflicts_named, touched_changes
from ownership.scenarios.operations import operation_from_data


def scenario_operations(scenario: Scenario) -> list[Operation]:
    """The scenario's steps in order (from its prefetched rows when the caller prefetched them)."""
    return [operation_from_data(row.kind, row.arguments) for row in scenario.operations.all()]


# --- reading a scenario ----------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioState:
    """A scenario read against today's matrix: its steps, its matrix, and what it changes."""

    scenario: Scenario
    live: OrgSnapshot
    replayed: Replay
    comparison: Comparison
    steps: tuple[str, ...]  # each operation in words, with today's names
    matrix_version: int  # the live matrix's, now
    figures: WhatIf  # today's figures, as every page shows them, and with the scenario
    conflicts: tuple[Conflict, ...]  # what it touches that changed since it was drawn (the first few)
    more_conflicts: int  # how many more

    @property
    def stale(self) -> bool:
        """Whether applying is refused until a rebase: something it touches changed, or a step no longer applies."""
        return bool(self.conflicts or self.replayed.skipped)

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        return self.replayed.skipped


def scenario_state(*, scenario: Scenario) -> ScenarioState:
    """Today's matrix, the scenario's, and their comparison by the audit's rules.

    The rules run only where the two matrices differ (ownership/engine/region.py), and on
    today's matrix only where a gap closes: what a full audit finds today comes from the live
    gaps (their totals, read once for the figures too, and the fingerprints of the gaps about
    touchpoints). Queries: the snapshot's five, the live gaps twice, the matrix version, the
    conflicts named.
    """
    organization = scenario.organization
    # A large matrix is hundreds of thousands of small tuples, none in a cycle (audits.py).
    with collector_paused():
        live = snapshot_load(organization=organization)
        operations = scenario_operations(scenario)
        replayed = replay(live, operations)
        gaps_today = live_gaps_read(organization=organization)
        comparison = compare(
            live,
            replayed.snapshot,
            found_before=gaps_today.audit_totals(live),
            known_before=_touchpoint_gaps_open(organization),
            columns=replayed.columns,
        )
        matrix_version = Organization.objects.values_list("matrix_version", flat=True).get(pk=organization.pk)
        changes = touched_changes(scenario, live, operations, matrix_version=matrix_version)
    conflicts = conflicts_named(scenario, changes)
    return ScenarioState(
        scenario=scenario,
        live=live,
        replayed=replayed,
        comparison=comparison,
        steps=tuple(operation_describe(live, operation) for operation in operations),
        matrix_version=matrix_version,
        conflicts=tuple(conflicts),
        more_conflicts=len(changes) - len(conflicts),
        figures=WhatIf.of(gaps_today, comparison),
    )


def _touchpoint_gaps_open(organization: Organization) -> dict[str, tuple[int, ...]]:
    """The live gaps about touchpoints, stale ownership apart, by fingerprint: what a fresh audit
    finds there (ownership/gaps/live.py keeps them so on every write). Stale ownership is left
    out: time opens it with no write, until the next audit."""
    rows = open_gaps(organization=organization).filter(touchpoint__isnull=False).exclude(rule=Rule.STALE_OWNERSHIP)
    return {
        fingerprint: (touchpoint_id,) if next_id is None else (touchpoint_id, next_id)
        for fingerprint, touchpoint_id, next_id in rows.order_by().values_list(
            "fingerprint", "touchpoint_id", "next_touchpoint_id"
        )
    }
