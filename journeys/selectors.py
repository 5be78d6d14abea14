"""Reads on the customer's side: the journeys of an organization and one journey's parts."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from cxowner.orgs.models import Organization

from .models import Journey, Stage, Touchpoint


def journeys_overview(*, organization: Organization) -> QuerySet[Journey]:
    """The organization's journeys in order, with their sizes (one query)."""
    return (
        Journey.objects.filter(organization=organization)
        .annotate(
            stage_count=Count("stages", distinct=True),
            touchpoint_count=Count("touchpoints", distinct=True),
            out_of_scope_count=Count("touchpoints", filter=Q(touchpoints__out_of_scope=True), distinct=True),
        )
        .order_by("position", "id")
    )


def journey_get(*, organization: Organization, journey_id: int, related: tuple[str, ...] = ()) -> Journey:
    """The journey, or 404 when it is not one of this organization's.

    `related` names relations to read in the same query, such as the apps above this one that
    attach rows to a journey (ownership's journey manager: "owner_link__role").
    """
    journeys = Journey.objects.select_related("organization", *related)
    return get_object_or_404(journeys, organization=organization, pk=journey_id)


def stage_get(*, organization: Organization, journey: Journey, stage_id: int) -> Stage:
    return get_object_or_404(Stage, organization=organization, journey=journey, pk=stage_id)


def touchpoint_get(*, organization: Organization, journey: Journey, touchpoint_id: int) -> Touchpoint:
    return get_object_or_404(
        Touchpoint.objects.select_related("stage"), organization=organization, journey=journey, pk=touchpoint_id
    )


def stages_of(*, journey: Journey) -> QuerySet[Stage]:
    return Stage.objects.filter(journey=journey).order_by("position", "id")
