"""Loading an organization's matrix as an OrgSnapshot (ownership.engine.snapshot), with a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxowner.orgs.models import Organization
    from journeys.models import Journey
from ownership.engine.snapshot import (
    AssignmentRow,
    FunctionRow,
    JourneyRow,
    OrgSnapshot,
    RoleRow,
    RuleSettings,
    TouchpointRow,
)


def snapshot_load(
    *,
    organization: Organization,
    at: datetime | None = None,
    journey: Journey | None = None,
    journey_ids: Iterable[int] | None = None,
) -> OrgSnapshot:
    """Read the organization's matrix in five queries, whatever its size.

    With `journey` (or `journey_ids`), only those journeys' touchpoints and letters: enough for
    the touchpoint, handoff and journey rules of those journeys (the browser's row badges, the
    API's matrix, the live gaps of a structural edit), not for the organization-wide rules
    (idle_function, accountability_bottleneck).
    """
    from journeys.models import Journey, Touchpoint
    from ownership.models import Assignment, Role

    org = organization
    journeys_rows = Journey.objects.filter(organization=org).order_by("position", "id")
    # Unordered: the touchpoints are sorted here, and the models' default orderings would
    # join and sort other tables (measured: 150 ms instead of 45 ms for 35k letters).
    touchpoint_rows = Touchpoint.objects.filter(organization=org).order_by()
    assignment_rows = Assignment.objects.filter(organization=org).order_by()
    if journey is not None:
        journey_ids = [journey.pk]
    if journey_ids is not None:
        journey_ids = list(journey_ids)
        journeys_rows = journeys_rows.filter(pk__in=journey_ids)
        touchpoint_rows = touchpoint_rows.filter(journey_id__in=journey_ids)
        assignment_rows = assignment_rows.filter(touchpoint__journey_id__in=journey_ids)
    role_rows = Role.objects.filter(organization=org).order_by()
    roles = tuple(RoleRow(*row) for row in role_rows.values_list("id", "function_id", "title", "holder_name"))
    journeys = tuple(JourneyRow(*row) for row in journeys_rows.values_list("id", "name", "owner_link__role"))
    return OrgSnapshot(
        organization=org.slug,
        taken_at=at or _now(),
        functions=_function_rows(org),
        roles=roles,
        journeys=journeys,
        touchpoints=_touchpoint_rows(touchpoint_rows),
        assignments=_assignment_rows(assignment_rows),
        settings=rule_settings_of(org),
    )


def snapshot_of_touchpoints(*, organization: Organization, touchpoint_ids: Iterable[int], at: datetime) -> OrgSnapshot:
    """A snapshot of a few touchpoints only (a cell edit's window), in journey order.

    Five queries whatever the organization's size; its journeys are the touchpoints' journeys
    and its roles the ones their letters name. Enough for the touchpoint and handoff rules of
    these touchpoints, nothing else.
    """
    from journeys.models import Journey, Touchpoint
    from ownership.models import Assignment, Role

    ids = list(touchpoint_ids)
    rows = Touchpoint.objects.filter(organization=organization, pk__in=ids).order_by()
    touchpoints = _touchpoint_rows(rows)
    assignments = _assignment_rows(
        # The organization through the touchpoint: on the letters' own column, SQLite (no
        # statistics) read every letter of the organization to find the window's.
        Assignment.objects.filter(touchpoint__organization=organization, touchpoint_id__in=ids).order_by()
    )
    role_ids = {a.role_id for a in assignments if a.role_id is not None}
    roles = Role.objects.filter(organization=organization, pk__in=role_ids).order_by()
    if not role_ids:
        roles = roles.none()  # no query
    journey_ids = {row.journey_id for row in touchpoints}
    journeys = Journey.objects.filter(pk__in=journey_ids).order_by("position", "id")
    return OrgSnapshot(
        organization=organization.slug,
        taken_at=at,
        functions=_function_rows(organization),
        roles=tuple(RoleRow(*row) for row in roles.values_list("id", "function_id", "title", "holder_name")),
        journeys=tuple(JourneyRow(*row) for row in journeys.values_list("id", "name", "owner_link__role")),
        touchpoints=touchpoints,
        assignments=assignments,
        settings=rule_settings_of(organization),
    )


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def _function_rows(organization: Organization) -> tuple[FunctionRow, ...]:
    from ownership.models import Function

    # The default ordering's first key, the organization, joins its table to sort by its name.
    rows = Function.objects.filter(organization=organization).order_by("position", "id")
    return tuple(FunctionRow(*row) for row in rows.values_list("id", "name"))


def _touchpoint_rows(touchpoints) -> tuple[TouchpointRow, ...]:
    """The touchpoints in journey order: journeys by position, stages by position, touchpoints
    by position, ids breaking ties. Sorted and cut here with itemgetter, which runs in C (100k
    touchpoints at the limit); the database's ordering would join and sort by the models'."""
    values = touchpoints.values_list(
        "id",
        "journey_id",
        "stage_id",
        "name",
        "importance",
        "out_of_scope",
        "journey__position",
        "stage__position",
        "position",
    )
    ordered = sorted(_fetched(values), key=itemgetter(6, 1, 7, 2, 8, 0))
    return tuple(map(partial(tuple.__new__, TouchpointRow), map(itemgetter(0, 1, 2, 3, 4, 5), ordered)))


def _assignment_rows(assignments) -> tuple[AssignmentRow, ...]:
    from django.db.models import Case, When
    from django.db.models.functions import Coalesce

    reviewed_at = Case(When(letter="A", then=Coalesce("confirmed_at", "created_at")), default=None)
    # tuple.__new__ is what AssignmentRow._make calls, without a Python call per row (350k at 100k).
    return tuple(
        map(
            partial(tuple.__new__, AssignmentRow),
            _fetched(assignments.values_list("touchpoint_id", "function_id", "letter", "role_id", reviewed_at)),
        )
    )


# Rows converted FETCHED_ROWS at a time rather than Django's 100 (GET_ITERATOR_CHUNK_SIZE): a
# matrix of 350k letters went through 3,500 rounds of the iterator's chunking, a quarter of
# reading them. The same query, the same converters (SQLite's dates); only the chunk differs.
FETCHED_ROWS = 10_000


def _fetched(values) -> Iterator[tuple]:
    """The rows of a values_list queryset, as tuples."""
    return values.query.get_compiler(values.db).results_iter(tuple_expected=True, chunk_size=FETCHED_ROWS)


def rule_settings_of(organization: Organization) -> RuleSettings:
    return RuleSettings(
        responsible_limit=organization.responsible_limit,
        consult_limit=organization.consult_limit,
        inform_limit=organization.inform_limit,
        bottleneck_min_touchpoints=organization.bottleneck_min_touchpoints,
        bottleneck_share=float(organization.bottleneck_share),
        review_period_days=organization.review_period_days,
    )
