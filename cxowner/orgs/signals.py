"""Signals between the apps. Services send them; ownership listens (the live gaps, the audits).

Every write that can change a finding sends `matrix_changed` inside its own transaction, with
organization_id=… and scope=MatrixScope(…): what it touched. The live gap state
(ownership.gaps.live) brings exactly that part up to date before the write commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.dispatch import Signal

matrix_changed = Signal()


@dataclass(frozen=True)
class MatrixScope:
    """What one write touched, so the gaps it can have changed are recomputed, and no more.

    - touchpoints: letters, names, importance, scope or confirmations of these touchpoints
      changed, but not their order (a cell edit);
    - journeys: the structure of these journeys changed (moves, deletes, imports, owner, name);
    - functions: the letters of these functions changed (idle and bottleneck rules);
    - all_functions: the number of in-scope touchpoints changed, which every function's
      bottleneck share depends on;
    - organization_wide: names or thresholds used everywhere changed (a function renamed or
      deleted, the rule settings): everything is recomputed.

    `cause` names the kind of change; the gap events it opens or resolves record it.
    """

    cause: str
    touchpoints: frozenset[int] = frozenset()
    journeys: frozenset[int] = frozenset()
    functions: frozenset[int] = frozenset()
    all_functions: bool = False
    organization_wide: bool = False

    @classmethod
    def of(
        cls,
        cause: str,
        *,
        touchpoints: Iterable[int] = (),
        journeys: Iterable[int] = (),
        functions: Iterable[int] = (),
        all_functions: bool = False,
        organization_wide: bool = False,
    ) -> MatrixScope:
        return cls(
            cause=cause,
            touchpoints=frozenset(touchpoints),
            journeys=frozenset(journeys),
            functions=frozenset(functions),
            all_functions=all_functions,
            organization_wide=organization_wide,
        )


def matrix_change_announce(*, organization_id: int, scope: MatrixScope) -> None:
    """Tell the listeners what a write changed; call it inside the write's transaction."""
    from .models import Organization

    matrix_changed.send(sender=Organization, organization_id=organization_id, scope=scope)
