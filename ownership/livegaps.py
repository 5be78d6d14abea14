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

Writes also bump Organization.matrix_version. That UPDATE takes the organization's row lock, so
writers refresh one after another and never while an audit (which holds the same lock) compares
its from-scratch result with this state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.dispatch import receiver
from django.utils import timezone

from cxowner.orgs.models import Organization
from cxowner.orgs.signals import MatrixScope, matrix_changed
from journeys.models import Stage, Touchpoint

from .constants import Rule
from .models import Assignment, AuditRun, Function, Gap, GapEvent
from .rules import (
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
from .snapshot import FunctionRow, rule_settings_of, snapshot_load, snapshot_of_touchpoints

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
_BATCH = 500


@dataclass
class GapChanges:
    """What one refresh (or audit) did to the Gap rows: (rule, message) of each change."""

    opened: list[tuple[str, str]] = field(default_factory=list)
    reopened: list[tuple[str, str]] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)
    updated: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.opened) + len(self.reopened) + len(self.resolved) + len(self.updated)


@receiver(matrix_changed, dispatch_uid="ownership.gaps_refresh")
def _gaps_on_matrix_change(sender, organization_id: int, scope: MatrixScope | None = None, **kwargs) -> None:
    # A sender that does not say what it touched gets the safe answer: everything.
    gaps_refresh(organization_id=organization_id, scope=scope or MatrixScope.of("change", organization_wide=True))


@transaction.atomic
def gaps_refresh(*, organization_id: int, scope: MatrixScope) -> GapChanges:
    """Bring the open gaps of `scope` up to date with the matrix, and bump the change counter."""
    now = timezone.now()
    Organization.objects.filter(pk=organization_id).update(
        matrix_version=F("matrix_version") + 1, matrix_changed_at=now
    )
    organization = Organization.objects.get(pk=organization_id)
    if scope.organization_wide:
        found = evaluate(snapshot_load(organization=organization, at=now))
        return gaps_reconcile(organization=organization, found=found, covered=None, cause=scope.cause, at=now)

    found: list[Finding] = []
    # Gaps whose journey and function were deleted can only be resolved; every refresh does it.
    covered = Q(journey__isnull=True, function__isnull=True)
    journeys, touchpoints = set(scope.journeys), set(scope.touchpoints)
    located: dict[int, tuple] = {}
    if touchpoints:
        rows = Touchpoint.objects.filter(organization_id=organization_id, pk__in=touchpoints)
        fields = ("pk", "stage_id", "position", "journey_id", "stage__position")
        located = {row[0]: row for row in rows.values_list(*fields) if row[3] not in journeys}
        touchpoints = set(located)
        if len(touchpoints) > WINDOW_LIMIT:
            journeys |= {row[3] for row in located.values()}
            touchpoints = set()
    if journeys:
        snapshot = snapshot_load(organization=organization, at=now, journey_ids=journeys)
        found += [f for rule, check in RULES.items() if rule not in FUNCTION_RULES for f in check(snapshot)]
        covered |= Q(journey_id__in=journeys) & ~Q(rule__in=FUNCTION_RULES)
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
        covered |= Q(touchpoint_id__in=touchpoints, rule__in=TOUCHPOINT_RULE_CODES)
        covered |= Q(touchpoint_id__in=handoff_starts, rule=Rule.HANDOFF_GAP)
    if scope.all_functions or scope.functions:
        function_ids = None if scope.all_functions else scope.functions
        found += function_findings(organization=organization, function_ids=function_ids)
        by_function = Q() if function_ids is None else Q(function_id__in=function_ids)
        covered |= Q(rule__in=FUNCTION_RULES) & by_function
    open_gaps = Gap.objects.filter(organization_id=organization_id, resolved_at__isnull=True).filter(covered)
    return gaps_reconcile(organization=organization, found=found, covered=open_gaps, cause=scope.cause, at=now)


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
        previous = _neighbour(*here, before=True)
        following = _neighbour(*here, before=False)
        window |= {t for t in (here[0], previous, following) if t is not None}
        starts |= {t for t in (here[0], previous) if t is not None}
    return window, starts


def _neighbour(
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


def function_findings(*, organization: Organization, function_ids: Iterable[int] | None = None) -> list[Finding]:
    """idle_function and accountability_bottleneck for some (or all) functions, from aggregates.

    Two queries: the in-scope touchpoint count, and per function whether it holds any R or A
    and on how many in-scope touchpoints it holds the A.
    """
    settings = rule_settings_of(organization)
    functions = Function.objects.filter(organization=organization).order_by("position", "id")
    if function_ids is not None:
        functions = functions.filter(pk__in=list(function_ids))
    letters = Assignment.objects.filter(function_id=OuterRef("pk"), touchpoint__out_of_scope=False).order_by()
    functions = functions.annotate(working=Exists(letters.filter(letter__in=["R", "A"])))
    in_scope = Touchpoint.objects.filter(organization=organization, out_of_scope=False).count()
    # Below the threshold no function can be a bottleneck: the A counts are not even read.
    if in_scope >= settings.bottleneck_min_touchpoints:
        accountable = letters.filter(letter="A").values("function_id").annotate(n=Count("pk")).values("n")
        functions = functions.annotate(accountable=Subquery(accountable))
    found: list[Finding] = []
    for function in functions:
        row = FunctionRow(function.pk, function.name)
        found += function_idle(row, working=function.working)
        count = getattr(function, "accountable", None) or 0
        found += function_bottleneck(row, accountable=count, in_scope=in_scope, settings=settings)
    return found


def _gap_fields(finding: Finding) -> dict:
    ids = finding.touchpoint_ids
    return {
        "rule": finding.rule.value,
        "severity": finding.severity.value,
        "journey_id": finding.journey_id,
        "touchpoint_id": ids[0] if ids else None,
        "next_touchpoint_id": ids[1] if len(ids) > 1 else None,
        "function_id": finding.function_id,
        "finding": finding.as_dict(),
        "score": finding.score,
    }


_FIELDS = ("finding", "score", "journey_id", "touchpoint_id", "next_touchpoint_id", "function_id")
_COLUMNS = ("id", "fingerprint", "resolved_at", "times_reopened", "rule", *_FIELDS)


def gaps_reconcile(
    *,
    organization: Organization,
    found: Iterable[Finding],
    covered: QuerySet | None,
    cause: str,
    at: datetime,
    run: AuditRun | None = None,
) -> GapChanges:
    """Make the open gaps among `covered` (None: all of them) exactly the `found` findings.

    Opens new gaps, reopens resolved ones that came back, rewrites those whose text or score
    changed, resolves the rest, and records one GapEvent per opening, reopening and resolution.
    Rows that did not change are not written.
    """
    wanted = {f.fingerprint: f for f in found}
    gaps = Gap.objects.filter(organization=organization).order_by()
    if covered is None:
        # Everything: one read of every gap, open or resolved.
        known = {row[1]: row for row in gaps.values_list(*_COLUMNS)}
        open_known = {fp for fp, row in known.items() if row[2] is None}
    else:
        known = {row[1]: row for row in covered.order_by().values_list(*_COLUMNS)}
        open_known = set(known)
        missing = [fp for fp in wanted if fp not in known]
        for start in range(0, len(missing), _BATCH):
            known |= {
                row[1]: row
                for row in gaps.filter(fingerprint__in=missing[start : start + _BATCH]).values_list(*_COLUMNS)
            }

    changes = GapChanges()
    events: list[GapEvent] = []
    created: list[Gap] = []
    rewritten: list[Gap] = []

    def event(gap_id: int, kind: str) -> None:
        events.append(GapEvent(organization=organization, gap_id=gap_id, kind=kind, at=at, cause=cause, run=run))

    for fingerprint, finding in wanted.items():
        fields = _gap_fields(finding)
        label = (finding.rule.value, finding.message)
        row = known.get(fingerprint)
        if row is None:
            created.append(
                Gap(organization=organization, fingerprint=fingerprint, first_seen_at=at, first_seen_run=run, **fields)
            )
            changes.opened.append(label)
            continue
        gap_id, _, resolved_at, times_reopened = row[:4]
        stored = dict(zip(_FIELDS, row[5:], strict=True))
        if resolved_at is not None:
            rewritten.append(Gap(id=gap_id, resolved_at=None, times_reopened=times_reopened + 1, **fields))
            event(gap_id, GapEvent.Kind.REOPENED)
            changes.reopened.append(label)
        elif any(stored[name] != fields[name] for name in _FIELDS):
            # Names change (a touchpoint renamed): the gap keeps its history, its text follows.
            rewritten.append(Gap(id=gap_id, resolved_at=None, times_reopened=times_reopened, **fields))
            changes.updated.append(label)

    Gap.objects.bulk_create(created, batch_size=1000)
    # bulk_create returns ids on PostgreSQL and SQLite >= 3.35, both of which we run on.
    for gap in created:
        event(gap.id, GapEvent.Kind.OPENED)
    Gap.objects.bulk_update(rewritten, ["resolved_at", "times_reopened", "rule", "severity", *_FIELDS], batch_size=1000)
    gone = [known[fp] for fp in open_known if fp not in wanted]
    gone_ids = [row[0] for row in gone]
    for start in range(0, len(gone_ids), 1000):
        Gap.objects.filter(pk__in=gone_ids[start : start + 1000]).update(resolved_at=at)
    for row in gone:
        event(row[0], GapEvent.Kind.RESOLVED)
        changes.resolved.append((row[4], row[5].get("message", "")))
    GapEvent.objects.bulk_create(events, batch_size=1000)
    return changes
