"""What if: an organization's matrix with a change applied in memory, and the gaps it would move.

Pure functions over an OrgSnapshot (no Django, no database): a transformation returns a new
snapshot, and `gaps_compare` runs the audit's own rules (rules.evaluate) on both sides. So a
preview ("deleting Finance opens these 4 gaps") can never disagree with what the audit will
find once the change is made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .rules import Finding, evaluate
from .snapshot import AssignmentRow, JourneyRow, OrgSnapshot, RoleRow


@dataclass(frozen=True)
class GapsCompared:
    """The findings a change would open and the ones it would close, in the audit's order."""

    opened: tuple[Finding, ...]
    closed: tuple[Finding, ...]


def gaps_compare(before: OrgSnapshot, after: OrgSnapshot) -> GapsCompared:
    """The findings of `after` that `before` lacks (opened) and the other way round (closed).

    Findings are matched by fingerprint, as the live gaps are: a gap whose subject stays keeps
    its identity even if its wording changes.
    """
    found_before, found_after = evaluate(before), evaluate(after)
    seen_before = {finding.fingerprint for finding in found_before}
    seen_after = {finding.fingerprint for finding in found_after}
    return GapsCompared(
        opened=tuple(f for f in found_after if f.fingerprint not in seen_before),
        closed=tuple(f for f in found_before if f.fingerprint not in seen_after),
    )


def function_removed(snapshot: OrgSnapshot, function_id: int) -> OrgSnapshot:
    """The matrix without the function: its column, its letters and its roles are gone.

    Journeys owned by one of its roles lose their owner, as the database's SET NULL does.
    """
    gone_roles = {role.id for role in snapshot.roles if role.function_id == function_id}
    return replace(
        snapshot,
        functions=tuple(f for f in snapshot.functions if f.id != function_id),
        roles=tuple(role for role in snapshot.roles if role.id not in gone_roles),
        journeys=_owners_cleared(snapshot.journeys, gone_roles),
        assignments=tuple(a for a in snapshot.assignments if a.function_id != function_id),
    )


def functions_merged(snapshot: OrgSnapshot, source_id: int, target_id: int) -> OrgSnapshot:
    """The matrix with every letter and role of `source` moved to `target`, and `source` gone.

    Where both hold the same letter on a touchpoint, the target's row stays (with its role and
    its confirmation) and the source's goes: the cell is the union of both, each letter once.
    """
    held = {(a.touchpoint_id, a.letter) for a in snapshot.assignments if a.function_id == target_id}
    assignments: list[AssignmentRow] = []
    for assignment in snapshot.assignments:
        if assignment.function_id != source_id:
            assignments.append(assignment)
        elif (assignment.touchpoint_id, assignment.letter) not in held:
            assignments.append(assignment._replace(function_id=target_id))
    roles = tuple(
        RoleRow(role.id, target_id, role.title, role.holder_name) if role.function_id == source_id else role
        for role in snapshot.roles
    )
    return replace(
        snapshot,
        functions=tuple(f for f in snapshot.functions if f.id != source_id),
        roles=roles,
        assignments=tuple(assignments),
    )


def _owners_cleared(journeys: tuple[JourneyRow, ...], role_ids: set[int]) -> tuple[JourneyRow, ...]:
    return tuple(j._replace(owner_id=None) if j.owner_id in role_ids else j for j in journeys)
