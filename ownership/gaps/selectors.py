"""Reads on the ownership side, shared by the browser, the API and the commands: lists of gaps
and audit runs. The figures (coverage, counts, their change) are in ownership.gaps.figures."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from journeys.models import Journey, Touchpoint
from ownership.engine.constants import Rule
from ownership.models import GAP_LIFE_EVENTS, Assignment, AuditRun, Gap, GapEvent

# Organization-wide rules say nothing about one journey's rows.
ORGANIZATION_RULES = frozenset({Rule.IDLE_FUNCTION, Rule.ACCOUNTABILITY_BOTTLENECK})


def journey_open_gaps(*, journey: Journey):
    """The journey's open gaps, worst first (the organization-wide rules name no journey)."""

    gaps = Gap.objects.filter(organization_id=journey.organization_id, journey=journey, resolved_at__isnull=True)
    return gaps.exclude(rule__in=[rule.value for rule in ORGANIZATION_RULES]).order_by("-score", "rule", "id")


def touchpoint_locator(organization) -> dict[tuple[int, str], tuple[int, int]]:
    """(journey id, touchpoint name) -> (touchpoint id, stage id): gaps name their touchpoints."""

    rows = Touchpoint.objects.filter(organization=organization).values_list("journey_id", "name", "id", "stage_id")
    return {(journey_id, name): (tp_id, stage_id) for journey_id, name, tp_id, stage_id in rows}


def open_gaps(*, organization):
    """The organization's unresolved gaps, accepted risks included (the figures count those apart)."""
    return Gap.objects.filter(organization=organization, resolved_at__isnull=True)


# The audit history lists this many of the gaps each run opened and resolved (the counts are whole).
HISTORY_GAPS_SHOWN = 20


def net_gap_changes(events: Iterable[tuple[int, str]]) -> tuple[list[int], list[int]]:
    """The gaps opened and resolved by a run of (gap id, kind) events in order, net.

    What counts is whether a gap was open before the first event and after the last: one opened
    and resolved again in between is in neither list, one resolved and reopened neither.
    """
    first: dict[int, str] = {}
    last: dict[int, str] = {}
    for gap_id, kind in events:
        first.setdefault(gap_id, kind)
        last[gap_id] = kind
    resolved = GapEvent.Kind.RESOLVED
    opened = [g for g, kind in last.items() if first[g] != resolved and kind != resolved]
    closed = [g for g, kind in last.items() if first[g] == resolved and kind == resolved]
    return opened, closed


def _events(organization_id: int, after: int, through: int):
    rows = GapEvent.objects.filter(
        organization_id=organization_id, id__gt=after, id__lte=through, kind__in=GAP_LIFE_EVENTS
    )
    return rows.order_by("id").values_list("id", "gap_id", "kind")


def gap_changes_between(*, organization, after: int, through: int) -> tuple[list[int], list[int]]:
    """The gap ids opened and resolved, net, by the events in (after, through] (one query)."""
    return net_gap_changes((gap_id, kind) for _, gap_id, kind in _events(organization.pk, after, through))


def audit_history(*, organization, limit: int = 25) -> list:
    """The latest audit runs, each with some of the gaps opened and resolved since the run before
    it, by edits or by the run itself: `opened_gaps`, `resolved_gaps` (three queries)."""

    runs = list(AuditRun.objects.filter(organization=organization).order_by("-requested_at", "-id")[:limit])
    windows = sorted((run for run in runs if run.events_through > run.events_after), key=lambda r: r.events_after)
    starts = [run.events_after for run in windows]
    events: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if windows:
        low, high = starts[0], max(run.events_through for run in windows)
        for event_id, gap_id, kind in _events(organization.pk, low, high):
            # Runs account for disjoint ranges of events: the run is the last one starting before.
            run = windows[bisect_left(starts, event_id) - 1]
            if event_id <= run.events_through:
                events[run.pk].append((gap_id, kind))
    shown: dict[int, tuple[list[int], list[int]]] = {}
    for run in runs:
        opened, resolved = net_gap_changes(events[run.pk])
        shown[run.pk] = (opened[:HISTORY_GAPS_SHOWN], resolved[:HISTORY_GAPS_SHOWN])
    gaps = Gap.objects.in_bulk([g for pair in shown.values() for ids in pair for g in ids])
    for run in runs:
        opened, resolved = shown[run.pk]
        run.opened_gaps = [gaps[g] for g in opened if g in gaps]
        run.resolved_gaps = [gaps[g] for g in resolved if g in gaps]
    return runs


def audit_run_changes(*, run) -> tuple[list, list]:
    """The gaps opened (or reopened) and resolved since the previous run, by edits or by this run,
    highest score first (one query)."""

    events = GapEvent.objects.filter(
        organization_id=run.organization_id,
        id__gt=run.events_after,
        id__lte=run.events_through,
        kind__in=GAP_LIFE_EVENTS,  # decisions about a gap are not the audit's news
    ).select_related("gap__assignee")
    gaps: dict[int, Gap] = {}
    steps: list[tuple[int, str]] = []
    for event in events.order_by("id"):
        gaps[event.gap_id] = event.gap
        steps.append((event.gap_id, event.kind))
    opened, resolved = net_gap_changes(steps)

    def ranked(gap_ids: list[int]) -> list:
        return sorted((gaps[g] for g in gap_ids), key=lambda gap: (-gap.score, gap.rule, gap.pk))

    return ranked(opened), ranked(resolved)


def open_gaps_by_touchpoint(
    *, journey=None, touchpoint_ids: Iterable[int] | None = None, organization_id: int | None = None
) -> dict[int, list]:
    """The journey's open gaps per touchpoint, for the matrix editor's row badges (one query);
    with `touchpoint_ids`, only the gaps naming those touchpoints (the rows drawn). Without a
    journey, the gaps naming `touchpoint_ids` in any journey of `organization_id` (the report
    draws the rows of several journeys at once).

    A handoff gap is listed under both its touchpoints; gaps about the journey as a whole are
    under no touchpoint.
    """

    by_touchpoint: dict[int, list] = defaultdict(list)
    if journey is not None:
        gaps = Gap.objects.filter(organization_id=journey.organization_id, journey=journey, resolved_at__isnull=True)
    else:
        if touchpoint_ids is None:
            raise ValueError("Without a journey, name the touchpoints.")
        gaps = Gap.objects.filter(organization_id=organization_id, resolved_at__isnull=True)
    if touchpoint_ids is not None:
        ids = list(touchpoint_ids)
        gaps = gaps.filter(Q(touchpoint_id__in=ids) | Q(next_touchpoint_id__in=ids))
    for gap in gaps.order_by("-score", "rule", "id"):
        for touchpoint_id in (gap.touchpoint_id, gap.next_touchpoint_id):
            if touchpoint_id is not None:
                by_touchpoint[touchpoint_id].append(gap)
    return dict(by_touchpoint)


def accountable_assignments(*, touchpoint) -> list:
    """The A letters held on one touchpoint: what its owner confirms still holds."""

    return list(Assignment.objects.filter(touchpoint=touchpoint, letter="A").select_related("function"))
