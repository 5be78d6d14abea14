"""Audit services: evaluate every rule from scratch, check the live gaps, record the run.

Every surface (the command line, the API, the Celery tasks, the browser's button) goes
through audit_run_create and audit_run_execute.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.models import Organization
from journeys.models import Journey, Stage, Touchpoint
from ownership.engine.constants import RULE_SEVERITY, Rule
from ownership.engine.rules import Finding, coverage, evaluate, stale_ownership
from ownership.gaps.audit_locks import audit_exclusive
from ownership.gaps.live import in_scope_count
from ownership.gaps.reconcile import gaps_reconcile
from ownership.gaps.selectors import gap_changes_between
from ownership.gaps.snapshots import snapshot_load, snapshot_of_touchpoints
from ownership.models import Assignment, AuditRun, Function, Gap, GapEvent, GapStatus, Role

# An audit re-evaluates every rule at least this often, however unchanged the organization looks:
# a write around the services (a database console, the admin) is caught within a day. A little
# under a day, so that the nightly scheduled audit, which may start a moment earlier than the
# night before, is always a full recomputation.
FULL_CHECK_EVERY = timedelta(hours=23)


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditResult:
    run: AuditRun
    findings: list[Finding]


def audit_run_create(*, organization: Organization, trigger: str) -> AuditRun:
    """Record that an audit was asked for; audit_run_execute does the work."""
    return AuditRun.objects.create(organization=organization, trigger=trigger)


@transaction.atomic
def audit_organization(*, organization: Organization, trigger: str, full: bool = False) -> AuditResult:
    """Create and execute an audit at once, in this process: the command line's path.

    It waits for the organization's audit lock (ownership.gaps.audit_locks), so it never
    overlaps an audit running on a worker, then holds the organization's row as it audits.
    `full` always re-evaluates every rule (the command line prints the findings).
    """
    audit_exclusive(organization.pk, wait=True)
    organization_locked(organization.pk)
    return audit_run_execute(run=audit_run_create(organization=organization, trigger=trigger), full=full)


@transaction.atomic
def audit_run_execute(*, run: AuditRun, full: bool = False) -> AuditResult:
    """Check the live gap state and record a trend point.

    A full check recomputes every rule from scratch: the live state (ownership.gaps.live) should
    already hold every finding, so any difference is a bug or a write that bypassed the services;
    it is repaired here, counted on the run and logged as an error. Only stale_ownership may change
    with no write at all (time passes), so its changes are ordinary.

    Within FULL_CHECK_EVERY of a full check, an organization whose matrix and gaps are unchanged
    since (the change counter and the tables' checksums say so) gets the quick check: what time
    changes (stale ownership) is re-checked, the rest is known. An unchanged organization's audit
    writes no Gap row either way.

    The run turns `done` in the same transaction that repairs the gaps: a worker killed half-way
    leaves the run pending, with no gap touched, so the audit can simply be redone.
    """
    run = rows_locked(AuditRun.objects.select_related("organization").filter(pk=run.pk)).get()
    if run.status == AuditRun.Status.DONE:
        return AuditResult(run=run, findings=[])
    organization = run.organization
    run.started_at = timezone.now()
    run.checksum = matrix_checksum(organization)
    previous = _last_done(organization, exclude=run)
    if not full and _unchanged_since(previous, organization, run.checksum, now=run.started_at):
        findings: list[Finding] = []
        changed = _quick_check(run, previous)
    else:
        findings, changed = _full_check(run)
    if changed:  # the run's own repairs: the next run compares with what this one leaves
        run.checksum = matrix_checksum(organization)
    run.accepted_risks = Gap.objects.filter(
        organization=organization, resolved_at__isnull=True, workflow_status=GapStatus.ACCEPTED
    ).count()
    run.matrix_version = Organization.objects.values_list("matrix_version", flat=True).get(pk=organization.pk)
    run.events_after = previous.events_through if previous else 0
    run.events_through = (
        GapEvent.objects.filter(organization=organization).aggregate(last=Max("id"))["last"] or run.events_after
    )
    opened, resolved = [], []
    if run.events_through > run.events_after:
        window = {"after": run.events_after, "through": run.events_through}
        opened, resolved = gap_changes_between(organization=organization, **window)
    run.status = AuditRun.Status.DONE
    run.opened_count, run.resolved_count = len(opened), len(resolved)
    run.error = ""
    run.finished_at = timezone.now()
    run.save()
    return AuditResult(run=run, findings=findings)


def _full_check(run: AuditRun) -> tuple[list[Finding], bool]:
    organization = run.organization
    with collector_paused():
        snapshot = snapshot_load(organization=organization, at=run.started_at)
        findings = evaluate(snapshot)
        changes = gaps_reconcile(
            organization=organization, found=findings, covered=None, cause="audit", at=run.started_at, run=run
        )
    drift = [
        (kind, rule, message)
        for kind, labels in (
            ("opened", changes.opened),
            ("reopened", changes.reopened),
            ("resolved", changes.resolved),
            ("rewritten", changes.updated),
        )
        for rule, message in labels
        if rule != Rule.STALE_OWNERSHIP
    ]
    if drift:
        logger.error(
            "Audit of %s repaired %s gap(s) the live state had wrong, e.g. %s",
            organization.slug,
            len(drift),
            "; ".join(f"{kind} {rule}: {message}" for kind, rule, message in drift[:5]),
        )
    if len(changes):
        _count_change(organization, run.started_at)
    in_scope_count(organization, counted=len(snapshot.in_scope))  # kept by the edits, checked here
    run.full = True
    run.repaired = len(drift)
    run.coverage = coverage(snapshot)
    run.in_scope_touchpoints = len(snapshot.in_scope)
    run.counts_by_rule = dict(Counter(f.rule.value for f in findings))
    run.counts_by_severity = dict(Counter(f.severity.value for f in findings))
    return findings, bool(len(changes))


def _quick_check(run: AuditRun, previous: AuditRun) -> bool:
    """Nothing but time changed since `previous`: the A that aged past the review period since
    then turn stale; everything else is carried over from `previous`.

    The day counts in older stale gaps' messages move on at the next full check (within a day).
    """
    organization = run.organization
    period = timedelta(days=organization.review_period_days)
    reviewed = Coalesce("confirmed_at", "created_at")
    aged = Assignment.objects.filter(organization=organization, letter="A").annotate(reviewed=reviewed)
    aged = aged.filter(reviewed__gte=previous.started_at - period, reviewed__lt=run.started_at - period)
    touchpoints = set(aged.values_list("touchpoint_id", flat=True))
    opened = resolved = 0
    if touchpoints:
        snapshot = snapshot_of_touchpoints(organization=organization, touchpoint_ids=touchpoints, at=run.started_at)
        stale_gaps = Gap.objects.filter(
            resolved_at__isnull=True, rule=Rule.STALE_OWNERSHIP, touchpoint_id__in=touchpoints
        )
        changes = gaps_reconcile(
            organization=organization,
            found=stale_ownership(snapshot),
            covered=[stale_gaps],
            cause="audit",
            at=run.started_at,
            run=run,
        )
        opened, resolved = len(changes.opened) + len(changes.reopened), len(changes.resolved)
        if len(changes):
            _count_change(organization, run.started_at)
    run.full = False
    run.repaired = 0
    run.coverage, run.in_scope_touchpoints = previous.coverage, previous.in_scope_touchpoints
    run.counts_by_rule = _counted(previous.counts_by_rule, Rule.STALE_OWNERSHIP.value, opened - resolved)
    severity = RULE_SEVERITY[Rule.STALE_OWNERSHIP].value
    run.counts_by_severity = _counted(previous.counts_by_severity, severity, opened - resolved)
    return bool(opened or resolved)


def _counted(counts: dict[str, int], key: str, delta: int) -> dict[str, int]:
    counted = {**counts, key: counts.get(key, 0) + delta}
    return {name: n for name, n in counted.items() if n}


def _count_change(organization: Organization, at) -> None:
    Organization.objects.filter(pk=organization.pk).update(matrix_version=F("matrix_version") + 1, matrix_changed_at=at)


def _last_done(organization: Organization, *, exclude: AuditRun) -> AuditRun | None:
    runs = AuditRun.objects.filter(organization=organization, status=AuditRun.Status.DONE).exclude(pk=exclude.pk)
    return runs.order_by("-events_through", "-finished_at", "-id").first()


def _unchanged_since(previous: AuditRun | None, organization: Organization, checksum: str, *, now) -> bool:
    if previous is None or not previous.checksum or previous.checksum != checksum:
        return False
    if previous.matrix_version != organization.matrix_version:
        return False
    last_full = (
        AuditRun.objects.filter(organization=organization, status=AuditRun.Status.DONE, full=True)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return last_full is not None and now - last_full < FULL_CHECK_EVERY


def matrix_checksum(organization: Organization) -> str:
    """A digest of the organization's matrix and gaps from one aggregate per table.

    Rows counted and their ids summed: an insert or a delete around the services moves it (the
    services' own writes, updates included, move the change counter).
    """
    parts: list[object] = [
        organization.responsible_limit,
        organization.consult_limit,
        organization.inform_limit,
        organization.bottleneck_min_touchpoints,
        float(organization.bottleneck_share),
        organization.review_period_days,
    ]
    for model in (Assignment, Touchpoint, Stage, Journey, Function, Role):
        rows = model.objects.filter(organization=organization).order_by()
        # Count and ids: an index-only scan of the (organization, id) indexes of the big tables.
        parts.append(tuple(rows.aggregate(n=Count("id"), ids=Sum("id")).values()))
    gaps = Gap.objects.filter(organization=organization, resolved_at__isnull=True).order_by()
    parts.append(tuple(gaps.aggregate(n=Count("id"), ids=Sum("id"), scores=Sum("score")).values()))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a matrix is loaded and evaluated.

    A big matrix allocates hundreds of thousands of small tuples and sets, none in a cycle;
    the collector would sweep them again and again (measured at 100k touchpoints: 2.6 s of
    the 2.9 s spent building the letter index).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def finding_as_record(finding: Finding) -> dict:
    """A finding as JSON (docs/gap-rules.md) plus what ranking and linking need."""
    return {**finding.as_dict(), "score": finding.score, "fingerprint": finding.fingerprint}
