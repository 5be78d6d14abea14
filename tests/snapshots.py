"""Build an OrgSnapshot from a compact description of a RACI matrix, with generated ids.

    snapshot = matrix(
        {"Buy": [[tp("Ad", {"Sales": "AR", "IT": "C"}), tp("Call", {"IT": "A"})], [tp("Pay")]]},
        owners={"Buy": "CX lead"},
        roles={"CX lead": ("Sales", "Ann")},
    )

Journeys map to stages, stages are lists of touchpoints, a touchpoint maps function names to
letter strings ("AR" = two assignments, A and R). Ids are generated in the order things appear,
so two descriptions of the same shape get the same ids whatever their names.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from ownership.engine.snapshot import (
    AssignmentRow,
    FunctionRow,
    JourneyRow,
    OrgSnapshot,
    RoleRow,
    RuleSettings,
    TouchpointRow,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class tp:  # lower case: reads like a call in matrix descriptions
    name: str
    letters: dict[str, str] = field(default_factory=dict)
    importance: int = 3
    out_of_scope: bool = False
    roles: dict[str, str] = field(default_factory=dict)  # function -> role title on its assignments here
    reviewed: dict[str, datetime] = field(default_factory=dict)  # function -> reviewed_at of its assignments


def matrix(
    journeys: dict[str, list[list[tp]]],
    *,
    owners: dict[str, str] | None = None,  # journey -> owner role title
    roles: dict[str, tuple[str, str]] | None = None,  # role title -> (function, holder name; "" = vacant)
    functions: tuple[str, ...] = (),  # functions beyond those named in roles and letters
    settings: RuleSettings | None = None,
    taken_at: datetime = NOW,
) -> OrgSnapshot:
    owners, roles = owners or {}, roles or {}
    names = [*functions, *(f for f, _ in roles.values())]
    names += [f for stages in journeys.values() for stage in stages for t in stage for f in t.letters]
    function_id = {name: 1 + i for i, name in enumerate(dict.fromkeys(names))}
    role_id = {title: 100 + i for i, title in enumerate(roles)}
    stage_ids, touchpoint_ids = count(300), count(1000)
    journey_rows, touchpoint_rows, assignment_rows = [], [], []
    for j, (journey, stages) in enumerate(journeys.items(), start=200):
        owner = owners.get(journey)
        journey_rows.append(JourneyRow(j, journey, role_id[owner] if owner else None))
        for stage in stages:
            stage_id = next(stage_ids)
            for t in stage:
                t_id = next(touchpoint_ids)
                touchpoint_rows.append(TouchpointRow(t_id, j, stage_id, t.name, t.importance, t.out_of_scope))
                for f, letters in t.letters.items():
                    role = role_id[t.roles[f]] if f in t.roles else None
                    reviewed = t.reviewed.get(f, taken_at)
                    assignment_rows += [AssignmentRow(t_id, function_id[f], x, role, reviewed) for x in letters]
    return OrgSnapshot(
        organization="acme",
        taken_at=taken_at,
        functions=tuple(FunctionRow(i, name) for name, i in function_id.items()),
        roles=tuple(RoleRow(role_id[title], function_id[f], title, holder) for title, (f, holder) in roles.items()),
        journeys=tuple(journey_rows),
        touchpoints=tuple(touchpoint_rows),
        assignments=tuple(assignment_rows),
        settings=settings or RuleSettings(),
    )


def journey(*touchpoints: tp, **kwargs) -> OrgSnapshot:
    """One journey "J" with one stage holding `touchpoints`."""
    return matrix({"J": [list(touchpoints)]}, **kwargs)
