"""Reads on the ownership side, shared by the browser, the API and the commands."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Prefetch, Q

from cxowner.orgs.models import Organization
from journeys.models import Journey, Touchpoint

from .constants import LETTERS, Rule
from .models import (
    GAP_LIFE_EVENTS,
    Assignment,
    AuditRun,
    Function,
    Gap,
    GapEvent,
    GapStatus,
    Role,
    Webhook,
    WebhookDelivery,
)

# Organization-wide rules say nothing about one journey's rows.
ORGANIZATION_RULES = frozenset({Rule.IDLE_FUNCTION, Rule.ACCOUNTABILITY_BOTTLENECK})


def journey_owner(*, journey: Journey) -> Role | None:
    """The journey manager (the role that answers for the whole journey), or None for nobody.

    Free when the journey was read with select_related("owner_link__role"), else one query.
    """
    if Journey.owner_link.is_cached(journey):
        link = getattr(journey, "owner_link", None)  # None when the select found no manager
        return link.role if link is not None else None
    return Role.objects.filter(journey_owners__journey=journey).order_by().first()


def journey_open_gaps(*, journey: Journey):
    """The journey's open gaps, worst first (the organization-wide rules name no journey)."""

    gaps = Gap.objects.filter(organization_id=journey.organization_id, journey=journey, resolved_at__isnull=True)
    return gaps.exclude(rule__in=[rule.value for rule in ORGANIZATION_RULES]).order_by("-score", "rule", "id")


class Coverage(NamedTuple):
    """How many in-scope touchpoints there are, and how many have one A and at least one R."""

    in_scope: int
    covered: int

    @property
    def share(self) -> float:
        # The same convention as rules.coverage: nothing in scope is nothing covered.
        return self.covered / self.in_scope if self.in_scope else 0.0


# One aggregate over the live matrix: per touchpoint its A and R holders, per journey the
# in-scope and covered counts. Letters are unique per (touchpoint, function), so counting A
# rows counts accountable functions.
_COVERAGE_SQL = """
SELECT t.journey_id,
       COUNT(*),
       SUM(CASE WHEN x.accountable = 1 AND x.responsible > 0 THEN 1 ELSE 0 END)
FROM {touchpoint} t
LEFT JOIN (
    SELECT touchpoint_id,
           SUM(CASE WHEN letter = 'A' THEN 1 ELSE 0 END) AS accountable,
           SUM(CASE WHEN letter = 'R' THEN 1 ELSE 0 END) AS responsible
    FROM {assignment}
    WHERE organization_id = %s {letters_filter}
    GROUP BY touchpoint_id
) x ON x.touchpoint_id = t.id
WHERE t.organization_id = %s AND NOT t.out_of_scope {journey_filter}
GROUP BY t.journey_id
"""


def coverage_by_journey(*, organization, journey_ids: Iterable[int] | None = None) -> dict[int, Coverage]:
    """Live coverage of every journey (or of `journey_ids`), in one query; journeys with no
    in-scope touchpoint are absent."""

    params: list = [organization.pk, organization.pk]
    journey_filter = letters_filter = ""
    touchpoint_table = Touchpoint._meta.db_table
    if journey_ids is not None:
        ids = [int(pk) for pk in journey_ids]
        if not ids:
            return {}
        marks = ", ".join(["%s"] * len(ids))
        journey_filter = f"AND t.journey_id IN ({marks})"
        # The letters of those journeys only: the cost follows the journeys, not the organization.
        letters_filter = f"AND touchpoint_id IN (SELECT id FROM {touchpoint_table} WHERE journey_id IN ({marks}))"
        params = [organization.pk, *ids, organization.pk, *ids]
    with connection.cursor() as cursor:
        sql = _COVERAGE_SQL.format(
            touchpoint=touchpoint_table,
            assignment=Assignment._meta.db_table,
            journey_filter=journey_filter,
            letters_filter=letters_filter,
        )
        cursor.execute(sql, params)
        return {journey_id: Coverage(in_scope, covered or 0) for journey_id, in_scope, covered in cursor.fetchall()}


def coverage_live(*, organization, journey_ids: Iterable[int] | None = None) -> Coverage:
    """The organization's (or some journeys') coverage now, from the live matrix."""

    by_journey = coverage_by_journey(organization=organization, journey_ids=journey_ids).values()
    return Coverage(sum(c.in_scope for c in by_journey), sum(c.covered for c in by_journey))


def touchpoint_locator(organization) -> dict[tuple[int, str], tuple[int, int]]:
    """(journey id, touchpoint name) -> (touchpoint id, stage id): gaps name their touchpoints."""

    rows = Touchpoint.objects.filter(organization=organization).values_list("journey_id", "name", "id", "stage_id")
    return {(journey_id, name): (tp_id, stage_id) for journey_id, name, tp_id, stage_id in rows}


def open_gaps(*, organization):

    return Gap.objects.filter(organization=organization, resolved_at__isnull=True)


@dataclass(frozen=True)
class FunctionSummary:
    function: object  # Function
    counts: dict[str, int]  # letter -> in-scope touchpoints holding it
    roles: list  # Role
    flags: list  # open Gap rows that name this function


def functions_overview(*, organization) -> list[FunctionSummary]:
    """Each function's R/A/C/I counts over in-scope touchpoints, its roles and its open gaps (four queries)."""

    functions = list(Function.objects.filter(organization=organization).order_by("position", "id"))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LETTERS, 0))
    for function_id, letter, n in (
        Assignment.objects.filter(organization=organization, touchpoint__out_of_scope=False)
        .values_list("function_id", "letter")
        .annotate(n=Count("id"))
    ):
        counts[function_id][letter] = n
    roles: dict[int, list] = defaultdict(list)
    for role in Role.objects.filter(organization=organization).order_by("title", "id"):
        roles[role.function_id].append(role)
    flags: dict[str, list] = defaultdict(list)
    for gap in open_gaps(organization=organization).order_by("-score", "rule", "id"):
        for name in gap.finding.get("functions") or []:
            flags[name].append(gap)
    return [FunctionSummary(function=f, counts=counts[f.id], roles=roles[f.id], flags=flags[f.name]) for f in functions]


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


def webhooks_with_deliveries(*, organization: Organization, deliveries: int = 10) -> list[Webhook]:
    """The organization's webhooks, each with its latest deliveries as `recent_deliveries`.

    Two queries however many webhooks: the deliveries come per webhook, newest first, cut at
    `deliveries` each by the database (a window function), not in Python.
    """
    recent = WebhookDelivery.objects.order_by("-id")[:deliveries]
    return list(
        Webhook.objects.filter(organization=organization)
        .order_by("id")
        .prefetch_related(Prefetch("deliveries", queryset=recent, to_attr="recent_deliveries"))
    )


# Each open gap once per function it names: the finding's JSON list, unnested by the database,
# so the count is whole however many gaps there are and only functions × severities come back.
_FUNCTIONS_UNNESTED = {
    "postgresql": ("f.name", "jsonb_array_elements_text(g.finding -> 'functions') AS f(name)"),
    "sqlite": ("f.value", "json_each(g.finding, '$.functions') AS f"),
}


def open_gaps_by_function(*, organization, journey=None) -> dict[str, dict[str, int]]:
    """Function name -> severity -> open gaps naming it, accepted risks apart; a gap naming two
    functions counts for each. One aggregate query; with `journey`, that journey's gaps only."""
    name, unnested = _FUNCTIONS_UNNESTED[connection.vendor]
    sql = (
        f"SELECT {name}, g.severity, COUNT(*) FROM {Gap._meta.db_table} g, {unnested} "
        "WHERE g.organization_id = %s AND g.resolved_at IS NULL AND g.workflow_status <> %s"
    )
    params: list = [organization.pk, GapStatus.ACCEPTED.value]
    if journey is not None:
        sql += " AND g.journey_id = %s"
        params.append(journey.pk)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY 1, 2", params)
        for function, severity, n in cursor.fetchall():
            counts[function][severity] = n
    return dict(counts)
