"""Whether a scenario may be applied today: the three-way check of what its steps touch.

The scenario keeps the state of the cells, functions and roles its steps touch as they were
drawn (Scenario.base, ownership/engine/footprint.py). Applying compares that base with today's
state, row by row; the scenario's result is written only where nothing it touches changed, so
edits elsewhere in the organization never block it. What did change is named, with who changed
it and when, from the history of changes (cxowner.orgs.history) — the history only words the
refusal: the check itself reads the base and today's matrix, so a write the history does not
itemize (a touchpoint deleted with its cells) is still caught.

Why a recorded base rather than the history alone: the base is exactly what the person compared
against, whatever wrote to the matrix since; reading it back from the history would rely on
every write itemizing every row it changes, in commit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.timezone import localtime

from cxowner.orgs.history import ChangeItem
from ownership.engine.footprint import Base, base_record, changed_since, footprint
from ownership.engine.footprint_words import Changed
from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.whatif import Operation, Skipped
from ownership.models import Scenario

# A refusal names this many changes, then says how many more.
NAMED_CHANGES = 10


@dataclass(frozen=True)
class Conflict:
    """A touched row that changed since the scenario was drawn, with who changed it and when."""

    changed: Changed
    changed_by: str = ""
    changed_at: datetime | None = None

    @property
    def text(self) -> str:
        """“the cell Buy › Ad × Sales was changed by alice at 2026-05-04 14:02 UTC (A → R)”."""
        who = f" by {self.changed_by}" if self.changed_by else ""
        when = f" at {localtime(self.changed_at):%Y-%m-%d %H:%M %Z}" if self.changed_at else ""
        detail = f" ({self.changed.detail})" if self.changed.detail else ""
        return f"{self.changed.subject} {self.changed.verb}{who}{when}{detail}"

    def data(self) -> dict:
        kind, *ids = self.changed.key
        names = {"cell": ("touchpoint", "function"), "function": ("function",), "role": ("role",)}[kind]
        return {
            "object": kind,
            **dict(zip(names, ids, strict=True)),
            "description": self.text,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at,
        }


class ScenarioStale(Exception):
    """Something the scenario touches changed since it was drawn: rebase it before applying."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        matrix_version: int,
        conflicts: Sequence[Conflict] = (),
        more: int = 0,
        skipped: Sequence[str] = (),
    ):
        self.scenario, self.matrix_version = scenario, matrix_version
        self.conflicts, self.more, self.skipped = tuple(conflicts), more, tuple(skipped)
        super().__init__(
            f"Nothing was applied: since “{scenario.name}” was drawn, {stale_reasons(self.conflicts, more, skipped)}. "
            "Rebase the scenario on today's matrix, check the comparison again, then apply."
        )


def stale_reasons(conflicts: Sequence[Conflict], more: int, skipped: Sequence[str]) -> str:
    reasons = [conflict.text for conflict in conflicts]
    if more:
        reasons.append(f"{more} more of the cells, functions and roles it touches changed")
    reasons += [f"step {step} no longer applies" for step in skipped]
    return "; ".join(reasons) or "the live matrix changed"


def scenario_base(snapshot: OrgSnapshot, operations: Sequence[Operation], previous: dict | None = None) -> dict:
    """The base to store for these steps: `previous`'s state of the rows it knows, today's of the rest."""
    return base_record(snapshot, footprint(snapshot, operations), Base.of(previous)).data()


def touched_changes(
    scenario: Scenario, live: OrgSnapshot, operations: Sequence[Operation], *, matrix_version: int
) -> list[Changed]:
    """The rows the scenario touches whose state today differs from the state it was drawn against.

    A scenario drawn before bases were kept has none: it is current only while the organization's
    matrix has not changed at all since (the rule it was drawn under)."""
    return changed_since(
        Base.of(scenario.base),
        live,
        footprint(live, operations),
        unknown_is_today=bool(scenario.base) or matrix_version == scenario.base_matrix_version,
    )


def conflicts_named(scenario: Scenario, changes: Sequence[Changed], *, limit: int = NAMED_CHANGES) -> list[Conflict]:
    """The first `limit` changes, each with the last change the history records of its row since
    the scenario was drawn (an earlier one cannot be it: the refusal then names no one)."""
    return [Conflict(changed, *_last_change(changed.key, scenario.created_at)) for changed in changes[:limit]]


def _last_change(key: tuple, since: datetime) -> tuple[str, datetime | None]:
    kind, *ids = key
    if kind == "cell":
        # A cell also goes with its touchpoint or its function, which the history records as gone.
        wanted = (
            Q(object_type="cell", touchpoint_id=ids[0], function_id=ids[1])
            | Q(object_type="touchpoint", object_id=ids[0], field="")
            | Q(object_type="function", object_id=ids[1], field="")
        )
    else:
        wanted = Q(object_type=kind, object_id=ids[0])
    items = ChangeItem.objects.filter(wanted, change_set__created_at__gte=since)
    item = items.select_related("change_set").order_by("-id").first()
    if item is None:
        return "", None
    return item.change_set.actor_label or "someone", item.change_set.created_at


def stale_refusal(
    scenario: Scenario,
    changes: Sequence[Changed],
    skipped: Sequence[Skipped],
    steps: Sequence[str],
    matrix_version: int,
) -> ScenarioStale:
    """The refusal naming what changed (the first few, with who and when) and the steps that no longer apply."""
    return ScenarioStale(
        scenario=scenario,
        matrix_version=matrix_version,
        conflicts=conflicts_named(scenario, changes),
        more=max(0, len(changes) - NAMED_CHANGES),
        skipped=[f"{s.index + 1} (“{steps[s.index]}”: {s.reason})" for s in skipped],
    )
