"""One organization's matrix as plain immutable data, loaded with a constant number of queries.

The gap rules (rules.py) read only this, never the ORM: they stay pure functions that tests can
run without a database, and an audit's cost is a few bulk reads whatever the matrix's size.
Rows are NamedTuples, not model instances: building 350k model instances costs 50x more.
"""

from __future__ import annotations

from collections.abc import Container, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import compress
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    pass


class FunctionRow(NamedTuple):
    id: int
    name: str


class RoleRow(NamedTuple):
    id: int
    function_id: int
    title: str
    holder_name: str

    @property
    def is_vacant(self) -> bool:
        return not self.holder_name


class JourneyRow(NamedTuple):
    id: int
    name: str
    owner_id: int | None


class TouchpointRow(NamedTuple):
    id: int
    journey_id: int
    stage_id: int
    name: str
    importance: int
    out_of_scope: bool


class AssignmentRow(NamedTuple):
    touchpoint_id: int
    function_id: int
    letter: str
    role_id: int | None
    # For an A: when its owner last confirmed it, or when it was created if never confirmed.
    # Only accountability is reviewed, so other letters carry None (and cost no date parsing).
    reviewed_at: datetime | None


_NOBODY: frozenset[int] = frozenset()


_NO_LETTERS: dict[str, Set[int]] = {}


@dataclass(frozen=True)
class RuleSettings:
    """Per-organization thresholds of the gap rules (docs/gap-rules.md), with its defaults."""

    responsible_limit: int = 3
    consult_limit: int = 3
    inform_limit: int = 5
    bottleneck_min_touchpoints: int = 10
    bottleneck_share: float = 0.5
    review_period_days: int = 180


@dataclass(frozen=True)
class OrgSnapshot:
    """The matrix of one organization at one instant.

    `touchpoints` is in journey order: journeys by position, then stages by position, then
    touchpoints by position within their stage.
    """

    organization: str
    taken_at: datetime
    functions: tuple[FunctionRow, ...]
    roles: tuple[RoleRow, ...]
    journeys: tuple[JourneyRow, ...]
    touchpoints: tuple[TouchpointRow, ...]
    assignments: tuple[AssignmentRow, ...]
    settings: RuleSettings = field(default_factory=RuleSettings)

    @cached_property
    def function_by_id(self) -> dict[int, FunctionRow]:
        return {function.id: function for function in self.functions}

    @cached_property
    def role_by_id(self) -> dict[int, RoleRow]:
        return {role.id: role for role in self.roles}

    @cached_property
    def journey_by_id(self) -> dict[int, JourneyRow]:
        return {journey.id: journey for journey in self.journeys}

    @cached_property
    def in_scope(self) -> tuple[TouchpointRow, ...]:
        return tuple(t for t in self.touchpoints if not t.out_of_scope)

    @cached_property
    def in_scope_position(self) -> dict[int, int]:
        """touchpoint id -> its index in `in_scope`, for the in-scope touchpoints."""
        return {t.id: index for index, t in enumerate(self.in_scope)}

    @cached_property
    def holders(self) -> dict[int, dict[str, Set[int]]]:
        """touchpoint id -> letter -> ids of the functions holding that letter there.

        Only touchpoints with letters appear, and only the letters they hold. The sets are left
        as built, not frozen (a copy of every set of the matrix costs as much as building them):
        read them, never change them.
        """
        collected: dict[int, dict[str, set[int]]] = {}
        # Every field named: a starred target builds a list per row (a quarter of this loop).
        for touchpoint_id, function_id, letter, _role_id, _reviewed_at in self.assignments:
            letters = collected.get(touchpoint_id)
            if letters is None:
                collected[touchpoint_id] = {letter: {function_id}}
            elif letter in letters:
                letters[letter].add(function_id)
            else:
                letters[letter] = {function_id}
        return collected

    def holders_of(self, touchpoint_id: int, letter: str) -> Set[int]:
        return self.holders.get(touchpoint_id, _NO_LETTERS).get(letter, _NOBODY)

    def parties_of(self, touchpoint_id: int) -> frozenset[int]:
        """The functions holding any letter on the touchpoint."""
        return frozenset().union(*self.holders.get(touchpoint_id, _NO_LETTERS).values())


def of_touchpoints(rows: Sequence[TouchpointRow] | Sequence[AssignmentRow], touchpoint_ids: Container[int]) -> tuple:
    """The touchpoints, or letters, of `touchpoint_ids` (their rows' first field), picked out in C."""
    return tuple(compress(rows, map(touchpoint_ids.__contains__, map(itemgetter(0), rows))))
