"""The live gap state: every write brings the open gaps it can have changed up to date.

A write announces what it touched (cxowner.orgs.signals.MatrixScope); gaps_refresh recomputes
the findings of exactly that part with the same rule functions the audit runs (rules.py), over
a smaller snapshot, and writes only the Gap rows that changed, in the write's transaction:

- touched touchpoints (a cell edit): the touchpoint rules for them, and the handoffs into and
  out of them, read from a window of the touchpoint and its in-scope neighbours in journey
  order. The cost does not grow with the journey or the organization;
- touched journeys (a structural edit): every journey rule over those journeys;
- functions: idle_function and accountability_bottleneck from two SQL aggregates, never the
  whole matrix;
- organization-wide changes (thresholds, a function renamed): everything, as an audit does.

Writes also bump Organization.matrix_version. That UPDATE takes the organization's row lock
until commit. A cell write (PostgreSQL) refreshes first, beside other cell writes, holding the
locks of exactly what it reads (`_cells_locked`), and bumps last: the row, which every writer
queues on, is held for the commit only. Any other write takes the organization's exclusive lock
and row first (cxowner/orgs/locks.py) and refreshes holding them, as an audit that repairs does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from cxowner.orgs.locks import organization_exclusive, organization_hold_noted, organization_shared, refresh_exclusive
from cxowner.orgs.models import Organization
from cxowner.orgs.signals import MatrixScope
from journeys.models import Stage, Touchpoint
from ownership.engine.constants import Rule
from ownership.engine.rules import (
    RULES,
    Finding,
    consult_overload,
    evaluate,
    function_bottleneck,
    function_idle,
    handoff_gap,
    inform_overload,
    multiple_accountable,
    no_accountable,
    no_responsible,
    stale_ownership,
    too_many_responsible,
    unassigned,
    vacant_owner,
)
from ownership.engine.snapshot import FunctionRow
from ownership.gaps.reconcile import GapChanges, gaps_reconcile
from ownership.gaps.snapshots import rule_settings_of, snapshot_load, snapshot_of_touchpoints
from ownership.models import Assignment, Function, Gap

FUNCTION_RULES = frozenset({Rule.IDLE_FUNCTION, Rule.ACCOUNTABILITY_BOTTLENECK})


# The rules that judge one touchpoint by its own letters (vacant_owner also judges journeys:
# only its touchpoint findings are kept on this path).
TOUCHPOINT_RULES = (
    unassigned,
    no_accountable,
    multiple_accountable,
    no_responsible,
    too_many_responsible,
    consult_overload,
    inform_overload,
    vacant_owner,
    stale_ownership,
)


TOUCHPOINT_RULE_CODES = frozenset(
    {
        Rule.UNASSIGNED,
        Rule.NO_ACCOUNTABLE,
        Rule.MULTIPLE_ACCOUNTABLE,
        Rule.NO_RESPONSIBLE,
        Rule.TOO_MANY_RESPONSIBLE,
        Rule.CONSULT_OVERLOAD,
        Rule.INFORM_OVERLOAD,
        Rule.VACANT_OWNER,
        Rule.STALE_OWNERSHIP,
    }
)


# A write touching more touchpoints than this recomputes their journeys whole: a few bulk reads
# beat four neighbour lookups per touchpoint.
WINDOW_LIMIT = 40


# No savepoint: the refresh runs inside the write's transaction, and a failure must undo the
# write too; a savepoint only cost two more round trips per edit.
@transaction.atomic(savepoint=False)
def gaps_refresh(*, organization_id: int, scope: MatrixScope) -> GapChanges:
    """Bring the open gaps of `scope` up to date with the matrix, and bump the change counter."""
    now = timezone.now()
    if side_by_side(scope):
        organization = _cells_locked(organization_id, scope)
        changes = _refreshed(organization, scope, now)
        # Last: the organization's row, which every writer's counter bump waits for, is held
        # for the commit only, not for the refresh (bench_load, issue 23).
        _change_counted(organization_id, now)
        return changes
    organization_exclusive(organization_id)
    return _refreshed(_change_counted(organization_id, now), scope, now)


# Letters and their confirmations. Not a role given to a letter, nor a touchpoint's fields: a role's
# holder judges every A it carries, and a role's update refreshes the A that carry it when it is
# written, which a letter given the role beside it would not be among.
SIDE_BY_SIDE_CAUSES = frozenset({"cells", "confirmation"})


def side_by_side(scope: MatrixScope) -> bool:
    """Whether this refresh can run beside other cell writes' (PostgreSQL): it reads touchpoints,
    their neighbours in their journeys and some functions' R and A, no thresholds, roles or
    structure."""
    if connection.vendor != "postgresql" or scope.cause not in SIDE_BY_SIDE_CAUSES:
        return False
    return not (scope.organization_wide or scope.journeys or scope.all_functions)


def _cells_locked(organization_id: int, scope: MatrixScope) -> Organization:
    """Lock what a cell write's refresh reads and others could change meanwhile; the organization.

    The touchpoints themselves are locked by their writer. A lock per journey serialises the
    writes whose handoff windows can overlap (a handoff never leaves its journey), one per
    function those counting the same function's R and A (idle, bottleneck); the shared lock keeps
    writers that change thresholds, roles or structure out (cxowner/orgs/locks.py).
    """
    organization_shared(organization_id)
    touched = Touchpoint.objects.filter(organization_id=organization_id, pk__in=scope.touchpoints).order_by()
    refresh_exclusive(journeys=touched.values_list("journey_id", flat=True), functions=scope.functions)
    return Organization.objects.get(pk=organization_id)


def _refreshed(organization: Organization, scope: MatrixScope, now: datetime) -> GapChanges:
    organization_id = organization.pk
    if scope.organization_wide:
        snapshot = snapshot_load(organization=organization, at=now)
        in_scope_count(organization, counted=len(snapshot.in_scope))
        found = evaluate(snapshot)
        return gaps_reconcile(organization=organization, found=found, covered=None, cause=scope.cause, at=now)

    found: list[Finding] = []
    # One query per part, each on its own index: an OR of them, or the organization's index,
    # would read every open gap. Ids of journeys, touchpoints and functions imply the organization.
    gaps = Gap.objects.filter(resolved_at__isnull=True)
    # Gaps whose journey and function were deleted can only be resolved; every refresh does it.
    covered = [gaps.filter(organization_id=organization_id, journey__isnull=True, function__isnull=True)]
    journeys, touchpoints = set(scope.journeys), set(scope.touchpoints)
    located: dict[int, tuple] = {}
    if touchpoints:
        rows = Touchpoint.objects.filter(organization_id=organization_id, pk__in=touchpoints).order_by()
        fields = ("pk", "stage_id", "position", "journey_id", "stage__position")
        located = {row[0]: row for row in rows.values_list(*fields) if row[3] not in journeys}
        touchpoints = set(located)
        if len(touchpoints) > WINDOW_LIMIT:
            journeys |= {row[3] for row in located.values()}
            touchpoints = set()
    if journeys:
        snapshot = snapshot_load(organization=organization, at=now, journey_ids=journeys)
        found += [f for rule, check in RULES.items() if rule not in FUNCTION_RULES for f in check(snapshot)]
        covered.append(gaps.filter(journey_id__in=journeys).exclude(rule__in=FUNCTION_RULES))
    if touchpoints:
        window, handoff_starts = _window(located.values())
        snapshot = snapshot_of_touchpoints(organization=organization, touchpoint_ids=window, at=now)
        found += [
            f
            for check in TOUCHPOINT_RULES
            for f in check(snapshot)
            if f.touchpoint_ids[:1] and f.touchpoint_ids[0] in touchpoints
        ]
        found += [f for f in handoff_gap(snapshot) if f.touchpoint_ids[0] in handoff_starts]
        own = Q(touchpoint_id__in=touchpoints, rule__in=TOUCHPOINT_RULE_CODES) | Q(rule=Rule.HANDOFF_GAP)
        covered.append(gaps.filter(own, touchpoint_id__in=handoff_starts))
    if scope.all_functions or scope.functions:
        function_ids = None if scope.all_functions else scope.functions
        in_scope = organization.in_scope_touchpoints
        if scope.all_functions or in_scope is None:
            in_scope = in_scope_count(organization)
        found += function_findings(organization=organization, function_ids=function_ids, in_scope=in_scope)
        function_gaps = gaps.filter(rule__in=FUNCTION_RULES)
        if function_ids is None:
            covered.append(function_gaps.filter(organization_id=organization_id))
        else:
            covered.append(function_gaps.filter(function_id__in=function_ids))
    return gaps_reconcile(organization=organization, found=found, covered=covered, cause=scope.cause, at=now)


def _change_counted(organization_id: int, now: datetime) -> Organization:
    """Bump the change counter and read the organization's thresholds, in one statement.

    UPDATE … RETURNING (PostgreSQL, SQLite 3.35+): it also takes the row lock that serialises
    writers with each other and with audits.
    """
    table = connection.ops.quote_name(Organization._meta.db_table)
    sql = f"UPDATE {table} SET matrix_version = matrix_version + 1, matrix_changed_at = %s WHERE id = %s RETURNING *"
    began = time.perf_counter()
    organization = next(iter(Organization.objects.raw(sql, [now, organization_id])))
    organization_hold_noted(began)
    return organization


def _window(touched: Iterable[tuple]) -> tuple[set[int], set[int]]:
    """The touchpoints to load for the touched ones, and where the handoffs to recompute start.

    A touched touchpoint t can change the handoffs (previous in-scope, t) and (t, next in-scope);
    if t is out of scope, the chain closes over it: (previous, next). Each handoff is named by
    where it starts, so the handoffs to recompute are those starting at t or at its previous one.
    `touched` holds (id, stage id, position, journey id, stage position) rows.
    """
    window: set[int] = set()
    starts: set[int] = set()
    for here in touched:
        previous = in_scope_neighbour(*here, before=True)
        following = in_scope_neighbour(*here, before=False)
        window |= {t for t in (here[0], previous, following) if t is not None}
        starts |= {t for t in (here[0], previous) if t is not None}
    return window, starts


def in_scope_neighbour(
    touchpoint_id: int, stage_id: int, position: int, journey_id: int, stage_position: int, *, before: bool
) -> int | None:
    """The nearest in-scope touchpoint before (or after) this one in journey order.

    First within its stage, then in the nearest stage that has one: a lookup by index, not a
    walk over the journey.
    """
    in_scope = Touchpoint.objects.filter(out_of_scope=False)
    if before:
        same_stage = Q(position__lt=position) | Q(position=position, pk__lt=touchpoint_id)
        order, stage_order = ("-position", "-id"), ("-position", "-id")
        other_stages = Q(position__lt=stage_position) | Q(position=stage_position, pk__lt=stage_id)
    else:
        same_stage = Q(position__gt=position) | Q(position=position, pk__gt=touchpoint_id)
        order, stage_order = ("position", "id"), ("position", "id")
        other_stages = Q(position__gt=stage_position) | Q(position=stage_position, pk__gt=stage_id)
    nearest = in_scope.filter(same_stage, stage_id=stage_id).order_by(*order).values_list("pk", flat=True).first()
    if nearest is not None:
        return nearest
    edge = in_scope.filter(stage_id=OuterRef("pk")).order_by(*order).values("pk")[:1]
    stages = Stage.objects.filter(other_stages, journey_id=journey_id).annotate(edge=Subquery(edge))
    return stages.filter(edge__isnull=False).order_by(*stage_order).values_list("edge", flat=True).first()


def in_scope_count(organization: Organization, *, counted: int | None = None) -> int:
    """Count the in-scope touchpoints (or take `counted`) and keep the figure on the organization."""
    if counted is None:
        counted = Touchpoint.objects.filter(organization=organization, out_of_scope=False).count()
    if organization.in_scope_touchpoints != counted:
        Organization.objects.filter(pk=organization.pk).update(in_scope_touchpoints=counted)
        organization.in_scope_touchpoints = counted
    return counted


def function_findings(
    *, organization: Organization, in_scope: int, function_ids: Iterable[int] | None = None
) -> list[Finding]:
    """idle_function and accountability_bottleneck for some (or all) functions, from aggregates.

    One query: per function whether it holds an R or an A on an in-scope touchpoint and how many
    A it holds at all (an index-only count). Only a function whose A could pass the bottleneck
    share of the `in_scope` touchpoints has them counted exactly, in scope.
    """
    settings = rule_settings_of(organization)
    functions = Function.objects.filter(organization=organization).order_by("position", "id")
    if function_ids is not None:
        functions = functions.filter(pk__in=list(function_ids))
    letters = Assignment.objects.filter(function_id=OuterRef("pk")).order_by()
    working = letters.filter(letter__in=["R", "A"]).alias(off=_touchpoint_out_of_scope()).filter(off=False)
    any_accountable = letters.filter(letter="A").values("function_id").annotate(n=Count("*")).values("n")
    functions = functions.annotate(working=Exists(working), accountable_at_most=Subquery(any_accountable))
    found: list[Finding] = []
    for function in functions:
        row = FunctionRow(function.pk, function.name)
        found += function_idle(row, working=function.working)
        count = function.accountable_at_most or 0
        if in_scope >= settings.bottleneck_min_touchpoints and count > settings.bottleneck_share * in_scope:
            accountable = Assignment.objects.filter(function=function, letter="A").order_by()
            count = accountable.alias(off=_touchpoint_out_of_scope()).filter(off=False).count()
        found += function_bottleneck(row, accountable=count, in_scope=in_scope, settings=settings)
    return found


def _touchpoint_out_of_scope() -> Subquery:
    """A letter's touchpoint's out_of_scope, looked up by primary key for each letter.

    Not a join: joined, PostgreSQL merged a function's letters with the touchpoints in id order
    and walked every touchpoint of the database below the first one the function holds (30–45 ms
    per edit in a 100k organization, EXPLAIN ANALYZE in issue 23). Probed per letter, "holds an R
    or A in scope" stops at the first such letter, and the count reads only the function's A.
    """
    return Subquery(Touchpoint.objects.filter(pk=OuterRef("touchpoint_id")).order_by().values("out_of_scope")[:1])
