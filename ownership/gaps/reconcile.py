"""Findings to Gap rows: the one write that the live gap state (ownership.gaps.live) and the
audit (ownership.gaps.audits) share. It makes the stored open gaps of a part of the matrix exactly
the findings of its rules, and records what happened to each gap as GapEvents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, QuerySet

from cxowner.orgs.bulk import columns_insert
from cxowner.orgs.live import LIVE_IDS_MAX, live_record
from cxowner.orgs.models import Organization
from ownership.engine.rules import Finding
from ownership.models import AuditRun, Gap, GapEvent, GapStatus

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


def _decisions_end(gap_ids: list[int]) -> list[int]:
    """A gap that comes back starts fresh: what people decided before it resolved (acknowledged,
    or a risk accepted until some day) was about the matrix then, so it ends now. Returns the
    gaps whose accepted risk ended, for the record (the reason stays, as after a withdrawal)."""
    decided = Gap.objects.filter(pk__in=gap_ids).exclude(workflow_status=GapStatus.OPEN)
    accepted = list(decided.filter(workflow_status=GapStatus.ACCEPTED).values_list("id", flat=True))
    decided.update(workflow_status=GapStatus.OPEN, version=F("version") + 1)
    return accepted


@dataclass
class _Events:
    """The GapEvents of one reconciliation, in the order they happened, written together at the end."""

    organization: Organization
    cause: str
    at: datetime
    run: AuditRun | None
    rows: list[tuple[int, str]] = field(default_factory=list)  # (gap id, kind)

    def add(self, gap_id: int, kind: str) -> None:
        self.rows.append((gap_id, kind))

    def write(self) -> None:
        # Column by column: an import into a large organization opens a hundred thousand gaps.
        count = len(self.rows)
        columns_insert(
            GapEvent,
            {
                "organization_id": [self.organization.pk] * count,
                "gap_id": [gap_id for gap_id, _ in self.rows],
                "kind": [kind for _, kind in self.rows],
                "at": [self.at] * count,
                "cause": [self.cause] * count,
                "run_id": [self.run.pk if self.run else None] * count,
            },
        )


def gaps_reconcile(
    *,
    organization: Organization,
    found: Iterable[Finding],
    covered: Iterable[QuerySet] | None,
    cause: str,
    at: datetime,
    run: AuditRun | None = None,
) -> GapChanges:
    """Make the open gaps in the `covered` querysets (None: all of them) exactly the `found` findings.

    Opens new gaps, reopens resolved ones that came back, rewrites those whose text or score
    changed, resolves the rest, and records one GapEvent per opening, reopening and resolution.
    Rows that did not change are not written.
    """
    wanted = {f.fingerprint: f for f in found}
    known, open_known = _gaps_known(organization=organization, covered=covered, wanted=wanted)
    changes = GapChanges()
    events = _Events(organization=organization, cause=cause, at=at, run=run)
    _gaps_write_found(wanted=wanted, known=known, changes=changes, events=events)
    _gaps_resolve(gone=[known[fp] for fp in open_known if fp not in wanted], changes=changes, events=events)
    events.write()
    if run is not None and (events.rows or changes.updated):
        _audit_live_record(events)
    return changes


def _audit_live_record(events: _Events) -> None:
    """An audit that repaired the gaps tells the open pages which (a write's own refresh is told
    with the write's change set)."""
    gap_ids = sorted({gap_id for gap_id, _ in events.rows})
    places = Gap.objects.filter(pk__in=gap_ids[: LIVE_IDS_MAX + 1]).values_list("journey_id", "touchpoint_id")
    places = list(places) if len(gap_ids) <= LIVE_IDS_MAX else []
    live_record(
        organization_id=events.organization.pk,
        kind="audit",
        journey_ids=[journey for journey, _ in places],
        touchpoint_ids=[touchpoint for _, touchpoint in places],
        gap_ids=gap_ids,
        run=events.run.pk,
    )


def _gaps_known(
    *, organization: Organization, covered: Iterable[QuerySet] | None, wanted: dict[str, Finding]
) -> tuple[dict[str, tuple], set[str]]:
    """The stored rows (_COLUMNS) of the covered gaps and of any gap a finding names, by
    fingerprint; and the fingerprints of those open in the covered part."""
    gaps = Gap.objects.filter(organization=organization).order_by()
    if covered is None:
        # Everything: one read of every gap, open or resolved.
        known = {row[1]: row for row in gaps.values_list(*_COLUMNS)}
        return known, {fp for fp, row in known.items() if row[2] is None}
    known = {row[1]: row for part in covered for row in part.order_by().values_list(*_COLUMNS)}
    open_known = set(known)
    missing = [fp for fp in wanted if fp not in known]
    for start in range(0, len(missing), _BATCH):
        known |= {
            row[1]: row for row in gaps.filter(fingerprint__in=missing[start : start + _BATCH]).values_list(*_COLUMNS)
        }
    return known, open_known


def _gaps_write_found(
    *,
    wanted: dict[str, Finding],
    known: dict[str, tuple],
    changes: GapChanges,
    events: _Events,
) -> None:
    """Open the findings never seen, reopen those that had resolved, rewrite those whose text changed."""
    created: list[tuple[str, dict]] = []  # (fingerprint, fields)
    rewritten: list[Gap] = []
    returned: list[int] = []
    for fingerprint, finding in wanted.items():
        fields = _gap_fields(finding)
        label = (finding.rule.value, finding.message)
        row = known.get(fingerprint)
        if row is None:
            created.append((fingerprint, fields))
            changes.opened.append(label)
            continue
        gap_id, _, resolved_at, times_reopened = row[:4]
        stored = dict(zip(_FIELDS, row[5:], strict=True))
        if resolved_at is not None:
            rewritten.append(Gap(id=gap_id, resolved_at=None, times_reopened=times_reopened + 1, **fields))
            events.add(gap_id, GapEvent.Kind.REOPENED)
            returned.append(gap_id)
            changes.reopened.append(label)
        elif any(stored[name] != fields[name] for name in _FIELDS):
            # Names change (a touchpoint renamed): the gap keeps its history, its text follows.
            rewritten.append(Gap(id=gap_id, resolved_at=None, times_reopened=times_reopened, **fields))
            changes.updated.append(label)

    for gap_id in _gaps_insert(created, events):
        events.add(gap_id, GapEvent.Kind.OPENED)
    Gap.objects.bulk_update(rewritten, ["resolved_at", "times_reopened", "rule", "severity", *_FIELDS], batch_size=1000)
    if returned:
        for gap_id in _decisions_end(returned):
            events.add(gap_id, GapEvent.Kind.RISK_ENDED)


def _gaps_insert(created: list[tuple[str, dict]], events: _Events) -> list[int]:
    """Insert new gaps column by column (no Gap instance per finding); their ids, in order."""
    count = len(created)
    columns = {name: [fields[name] for _, fields in created] for name in (created[0][1] if created else ())}
    columns |= {
        "organization_id": [events.organization.pk] * count,
        "fingerprint": [fingerprint for fingerprint, _ in created],
        "first_seen_at": [events.at] * count,
        "first_seen_run_id": [events.run.pk if events.run else None] * count,
    }
    return columns_insert(Gap, columns, returning=True)


def _gaps_resolve(*, gone: list[tuple], changes: GapChanges, events: _Events) -> None:
    """Resolve the open gaps no finding names any more (stored rows, _COLUMNS)."""
    gone_ids = [row[0] for row in gone]
    for start in range(0, len(gone_ids), 1000):
        Gap.objects.filter(pk__in=gone_ids[start : start + 1000]).update(resolved_at=events.at)
    for row in gone:
        events.add(row[0], GapEvent.Kind.RESOLVED)
        changes.resolved.append((row[4], row[5].get("message", "")))
