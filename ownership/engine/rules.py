"""The gap rules of docs/gap-rules.md: pure functions from an OrgSnapshot to findings.

No Django here. Each rule reads like its line in the table of docs/gap-rules.md; RULES lists them all.
Out-of-scope touchpoints are skipped by every rule: someone else runs them (the landlord's
parking lot), so they can neither lack an owner nor break a handoff chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from itertools import compress
from operator import itemgetter

from ownership.engine.constants import DEFAULT_IMPORTANCE, RULE_SEVERITY, SEVERITY_WEIGHT, Rule, Severity
from ownership.engine.snapshot import FunctionRow, OrgSnapshot, RuleSettings, TouchpointRow


@dataclass(frozen=True)
class Finding:
    """One gap found by one rule. `as_dict()` is its JSON shape (docs/gap-rules.md, "A finding as JSON")."""

    rule: Rule
    journey: str | None
    touchpoints: tuple[str, ...]
    functions: tuple[str, ...]
    roles: tuple[str, ...]
    message: str
    importance: int
    # Ids of what the gap is about: stable across renames, so the gap keeps its history.
    subject: tuple[object, ...]
    journey_id: int | None = None
    touchpoint_ids: tuple[int, ...] = ()
    function_id: int | None = None  # the subject of a function rule

    @property
    def severity(self) -> Severity:
        return RULE_SEVERITY[self.rule]

    @property
    def score(self) -> int:
        return SEVERITY_WEIGHT[self.severity] * self.importance

    @cached_property
    def fingerprint(self) -> str:
        identity = "|".join([self.rule.value, *map(str, self.subject)])
        return hashlib.sha256(identity.encode()).hexdigest()

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.value,
            "severity": self.severity.value,
            "journey": self.journey,
            "touchpoints": list(self.touchpoints),
            "functions": list(self.functions),
            "roles": list(self.roles),
            "message": self.message,
        }


def _names(snapshot: OrgSnapshot, function_ids: Iterable[int]) -> tuple[str, ...]:
    return tuple(sorted(snapshot.function_by_id[f].name for f in function_ids))


def _touchpoint_finding(
    snapshot: OrgSnapshot,
    rule: Rule,
    touchpoint: TouchpointRow,
    message: str,
    function_ids: Iterable[int] = (),
    roles: tuple[str, ...] = (),
    subject: tuple[object, ...] = (),
) -> Finding:
    return Finding(
        rule=rule,
        journey=snapshot.journey_by_id[touchpoint.journey_id].name,
        touchpoints=(touchpoint.name,),
        functions=_names(snapshot, function_ids),
        roles=roles,
        message=message,
        importance=touchpoint.importance,
        subject=(touchpoint.id, *subject),
        journey_id=touchpoint.journey_id,
        touchpoint_ids=(touchpoint.id,),
    )


def _assigned_in_scope(snapshot: OrgSnapshot) -> Iterator[TouchpointRow]:
    return (t for t in snapshot.in_scope if t.id in snapshot.holders)


def unassigned(snapshot: OrgSnapshot) -> Iterator[Finding]:
    for t in snapshot.in_scope:
        if t.id not in snapshot.holders:
            yield _touchpoint_finding(
                snapshot, Rule.UNASSIGNED, t, f"Nobody owns {t.name}: no function holds any letter"
            )


def no_accountable(snapshot: OrgSnapshot) -> Iterator[Finding]:
    for t in _assigned_in_scope(snapshot):
        if not snapshot.holders_of(t.id, "A"):
            yield _touchpoint_finding(snapshot, Rule.NO_ACCOUNTABLE, t, f"No function is accountable for {t.name}")


def multiple_accountable(snapshot: OrgSnapshot) -> Iterator[Finding]:
    for t in _assigned_in_scope(snapshot):
        accountable = snapshot.holders_of(t.id, "A")
        if len(accountable) >= 2:
            names = _names(snapshot, accountable)
            yield _touchpoint_finding(
                snapshot,
                Rule.MULTIPLE_ACCOUNTABLE,
                t,
                f"{t.name} is contested: {', '.join(names)} are all accountable",
                accountable,
            )


def no_responsible(snapshot: OrgSnapshot) -> Iterator[Finding]:
    for t in _assigned_in_scope(snapshot):
        if not snapshot.holders_of(t.id, "R"):
            yield _touchpoint_finding(
                snapshot, Rule.NO_RESPONSIBLE, t, f"No function is responsible for doing {t.name}"
            )


def _overload(snapshot: OrgSnapshot, rule: Rule, letter: str, limit: int, what: str) -> Iterator[Finding]:
    for t in _assigned_in_scope(snapshot):
        holders = snapshot.holders_of(t.id, letter)
        if len(holders) > limit:
            yield _touchpoint_finding(
                snapshot, rule, t, f"{len(holders)} functions {what} on {t.name} (more than {limit})", holders
            )


def too_many_responsible(snapshot: OrgSnapshot) -> Iterator[Finding]:
    limit = snapshot.settings.responsible_limit
    return _overload(snapshot, Rule.TOO_MANY_RESPONSIBLE, "R", limit, "are responsible")


def consult_overload(snapshot: OrgSnapshot) -> Iterator[Finding]:
    return _overload(snapshot, Rule.CONSULT_OVERLOAD, "C", snapshot.settings.consult_limit, "are consulted")


def inform_overload(snapshot: OrgSnapshot) -> Iterator[Finding]:
    return _overload(snapshot, Rule.INFORM_OVERLOAD, "I", snapshot.settings.inform_limit, "are informed")


def handoffs(snapshot: OrgSnapshot) -> Iterator[tuple[TouchpointRow, TouchpointRow]]:
    """Consecutive in-scope touchpoints of each journey, across stage boundaries."""
    previous: TouchpointRow | None = None
    for t in snapshot.in_scope:
        if previous is not None and previous.journey_id == t.journey_id:
            yield previous, t
        previous = t


def handoff_gap(snapshot: OrgSnapshot, *, touching: Container[int] | None = None) -> Iterator[Finding]:
    """`touching`: only the handoffs into or out of these touchpoints are looked at (a comparison
    over what differs: the other handoffs of its window would be built only to be dropped)."""
    for t, u in handoffs(snapshot):
        if touching is not None and t.id not in touching and u.id not in touching:
            continue
        accountable_t, accountable_u = snapshot.holders_of(t.id, "A"), snapshot.holders_of(u.id, "A")
        if len(accountable_t) != 1 or len(accountable_u) != 1 or accountable_t == accountable_u:
            continue
        (f,), (g,) = accountable_t, accountable_u
        if f in snapshot.parties_of(u.id) or g in snapshot.parties_of(t.id):
            continue
        f_name, g_name = snapshot.function_by_id[f].name, snapshot.function_by_id[g].name
        yield Finding(
            rule=Rule.HANDOFF_GAP,
            journey=snapshot.journey_by_id[t.journey_id].name,
            touchpoints=(t.name, u.name),
            functions=_names(snapshot, (f, g)),
            roles=(),
            message=f"Handoff from {t.name} ({f_name}) to {u.name} ({g_name}) has no bridge",
            importance=max(t.importance, u.importance),
            subject=(t.id, u.id, f, g),
            journey_id=t.journey_id,
            touchpoint_ids=(t.id, u.id),
        )


def journey_without_owner(snapshot: OrgSnapshot) -> Iterator[Finding]:
    for journey in snapshot.journeys:
        if journey.owner_id is None:
            yield Finding(
                rule=Rule.JOURNEY_WITHOUT_OWNER,
                journey=journey.name,
                touchpoints=(),
                functions=(),
                roles=(),
                message=f"Journey {journey.name} has no journey manager",
                importance=DEFAULT_IMPORTANCE,
                subject=(journey.id,),
                journey_id=journey.id,
            )


def vacant_owner(snapshot: OrgSnapshot) -> Iterator[Finding]:
    for journey in snapshot.journeys:
        role = snapshot.role_by_id.get(journey.owner_id) if journey.owner_id else None
        if role is not None and role.is_vacant:
            yield Finding(
                rule=Rule.VACANT_OWNER,
                journey=journey.name,
                touchpoints=(),
                functions=_names(snapshot, (role.function_id,)),
                roles=(role.title,),
                message=f"Journey {journey.name} is owned by {role.title}, a role nobody holds",
                importance=DEFAULT_IMPORTANCE,
                subject=("journey", journey.id, role.id),
                journey_id=journey.id,
            )
    in_scope = {t.id: t for t in snapshot.in_scope}
    for assignment in snapshot.assignments:
        t = in_scope.get(assignment.touchpoint_id)
        role = snapshot.role_by_id.get(assignment.role_id) if assignment.role_id else None
        if t is None or assignment.letter != "A" or role is None or not role.is_vacant:
            continue
        yield _touchpoint_finding(
            snapshot,
            Rule.VACANT_OWNER,
            t,
            f"{t.name} is accountable to {role.title}, a role nobody holds",
            (assignment.function_id,),
            roles=(role.title,),
            subject=("touchpoint", role.id),
        )


def idle_function(snapshot: OrgSnapshot) -> Iterator[Finding]:
    in_scope = {t.id for t in snapshot.in_scope}
    working = {a.function_id for a in snapshot.assignments if a.letter in "RA" and a.touchpoint_id in in_scope}
    for function in snapshot.functions:
        yield from function_idle(function, working=function.id in working)


def function_idle(function: FunctionRow, *, working: bool) -> Iterator[Finding]:
    """idle_function for one function, given whether it holds an R or an A on an in-scope touchpoint.

    Split out so the live gap state can decide it from an SQL aggregate instead of the whole matrix.
    """
    if not working:
        yield _function_finding(
            Rule.IDLE_FUNCTION,
            function.id,
            function.name,
            f"{function.name} is neither responsible nor accountable for any touchpoint",
        )


def accountability_bottleneck(snapshot: OrgSnapshot) -> Iterator[Finding]:
    total = len(snapshot.in_scope)
    accountable_for: dict[int, int] = {}
    for t in snapshot.in_scope:
        for f in snapshot.holders_of(t.id, "A"):
            accountable_for[f] = accountable_for.get(f, 0) + 1
    for function in snapshot.functions:
        yield from function_bottleneck(
            function, accountable=accountable_for.get(function.id, 0), in_scope=total, settings=snapshot.settings
        )


def function_bottleneck(
    function: FunctionRow, *, accountable: int, in_scope: int, settings: RuleSettings
) -> Iterator[Finding]:
    """accountability_bottleneck for one function holding A on `accountable` of `in_scope` touchpoints."""
    if in_scope < settings.bottleneck_min_touchpoints or accountable <= settings.bottleneck_share * in_scope:
        return
    yield _function_finding(
        Rule.ACCOUNTABILITY_BOTTLENECK,
        function.id,
        function.name,
        f"{function.name} is accountable for {accountable} of {in_scope} touchpoints ({accountable / in_scope:.0%})",
    )


def stale_ownership(snapshot: OrgSnapshot) -> Iterator[Finding]:
    oldest_fresh = snapshot.taken_at - timedelta(days=snapshot.settings.review_period_days)
    in_scope = {t.id: t for t in snapshot.in_scope}
    for assignment in snapshot.assignments:
        t = in_scope.get(assignment.touchpoint_id)
        if t is None or assignment.letter != "A" or assignment.reviewed_at >= oldest_fresh:
            continue
        name = snapshot.function_by_id[assignment.function_id].name
        days = (snapshot.taken_at - assignment.reviewed_at).days
        yield _touchpoint_finding(
            snapshot,
            Rule.STALE_OWNERSHIP,
            t,
            f"{name}'s accountability for {t.name} was last confirmed {days} days ago",
            (assignment.function_id,),
            subject=(assignment.function_id,),
        )


def stale_ownership_count(snapshot: OrgSnapshot) -> int:
    """How many findings stale_ownership yields, without building them (the whole matrix's count
    is read on every scenario comparison: ten thousand findings built only to be counted)."""
    oldest_fresh = snapshot.taken_at - timedelta(days=snapshot.settings.review_period_days)
    rows = snapshot.assignments
    # Column by column in C (map, compress): the A rows, then those reviewed too long ago.
    accountable = list(compress(rows, map("A".__eq__, map(itemgetter(2), rows))))
    stale = compress(map(itemgetter(0), accountable), map(oldest_fresh.__gt__, map(itemgetter(4), accountable)))
    return sum(map(snapshot.in_scope_position.__contains__, stale))


def _function_finding(rule: Rule, function_id: int, function_name: str, message: str) -> Finding:
    return Finding(
        rule=rule,
        journey=None,
        touchpoints=(),
        functions=(function_name,),
        roles=(),
        message=message,
        importance=DEFAULT_IMPORTANCE,
        subject=(function_id,),
        function_id=function_id,
    )


# In the order of the table in docs/gap-rules.md; findings are reported in this order within a touchpoint.
RULES: dict[Rule, Callable[[OrgSnapshot], Iterable[Finding]]] = {
    Rule.UNASSIGNED: unassigned,
    Rule.NO_ACCOUNTABLE: no_accountable,
    Rule.MULTIPLE_ACCOUNTABLE: multiple_accountable,
    Rule.NO_RESPONSIBLE: no_responsible,
    Rule.TOO_MANY_RESPONSIBLE: too_many_responsible,
    Rule.CONSULT_OVERLOAD: consult_overload,
    Rule.INFORM_OVERLOAD: inform_overload,
    Rule.HANDOFF_GAP: handoff_gap,
    Rule.JOURNEY_WITHOUT_OWNER: journey_without_owner,
    Rule.VACANT_OWNER: vacant_owner,
    Rule.IDLE_FUNCTION: idle_function,
    Rule.ACCOUNTABILITY_BOTTLENECK: accountability_bottleneck,
    Rule.STALE_OWNERSHIP: stale_ownership,
}


def evaluate(snapshot: OrgSnapshot) -> list[Finding]:
    """Every finding of every rule, journeys in order, then touchpoints in order, then functions."""
    return in_audit_order(snapshot, [finding for rule in RULES.values() for finding in rule(snapshot)])


def in_audit_order(snapshot: OrgSnapshot, findings: Iterable[Finding]) -> list[Finding]:
    """Findings (listed rule by rule, in RULES' order) in the audit's order over `snapshot`."""
    touchpoint_order = {t.id: index for index, t in enumerate(snapshot.touchpoints)}
    journey_order = {j.id: index for index, j in enumerate(snapshot.journeys)}
    rule_order = {rule: index for index, rule in enumerate(RULES)}

    def position(finding: Finding) -> tuple[float, float, int]:
        journey = journey_order.get(finding.journey_id, float("inf"))
        touchpoint = touchpoint_order[finding.touchpoint_ids[0]] if finding.touchpoint_ids else -1
        return journey, touchpoint, rule_order[finding.rule]

    return sorted(findings, key=position)


def coverage_counts(snapshot: OrgSnapshot) -> tuple[int, int]:
    """(in-scope touchpoints, those with exactly one accountable and at least one responsible)."""
    covered = sum(
        1 for t in snapshot.in_scope if len(snapshot.holders_of(t.id, "A")) == 1 and snapshot.holders_of(t.id, "R")
    )
    return len(snapshot.in_scope), covered


def coverage(snapshot: OrgSnapshot) -> float | None:
    """Share of in-scope touchpoints with exactly one accountable and at least one responsible;
    None when no touchpoint is in scope: no figure, neither 0 % nor 100 % (docs/figures.md)."""
    in_scope, covered = coverage_counts(snapshot)
    return covered / in_scope if in_scope else None
