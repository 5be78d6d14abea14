"""API views for journeys, stages and touchpoints: thin wrappers over journeys.services."""

from collections import defaultdict

import orjson
from drf_spectacular.utils import extend_schema
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from cxowner.orgs.api.answers import answer_get, answer_keep, answer_key
from cxowner.orgs.api.base import IdCursorPagination, VersionedViewSet
from cxowner.orgs.api.conditional import ConditionalListMixin
from journeys import services
from journeys.models import Journey, Stage, Touchpoint

from .filtersets import StageFilterSet, TouchpointFilterSet
from .serializers import JourneySerializer, StageSerializer, TouchpointSerializer

# The touchpoint list reads plain values, not model instances: it is the API's busiest list.
# Same fields as the serializer; the letters are added from one query per page.
TOUCHPOINT_FIELDS = tuple(name for name in TouchpointSerializer.Meta.fields if name != "assignments")


class JourneyViewSet(ConditionalListMixin, VersionedViewSet):
    """Customer journeys. Editors create, rename and delete them.

    /journeys/ serves ownership.editor.api_journeys.JourneyViewSet: this one, with the journey manager.
    """

    serializer_class = JourneySerializer
    ordering_fields = ["id", "name", "position"]
    ordering = ["position", "id"]

    def get_queryset(self):
        return Journey.objects.filter(organization=self.organization)

    def service_create(self, data):
        return services.journey_create(organization=self.organization, **data)

    def service_update(self, journey, version, data):
        return services.journey_update(journey=journey, version=version, **data)

    def service_delete(self, journey):
        services.journey_delete(journey=journey)


class StageViewSet(ConditionalListMixin, VersionedViewSet):
    """Ordered stages of a journey; `position` moves a stage and renumbers the others."""

    serializer_class = StageSerializer
    filterset_class = StageFilterSet
    ordering_fields = ["id", "name", "position"]
    ordering = ["journey_id", "position", "id"]

    def get_queryset(self):
        return Stage.objects.filter(organization=self.organization)

    def service_create(self, data):
        position = data.pop("position", None)
        stage = services.stage_create(journey=data["journey"], name=data["name"])
        if position is not None:
            stage = services.stage_move(stage=stage, position=position)
        return stage

    def service_update(self, stage, version, data):
        position = data.pop("position", None)
        data.pop("journey", None)
        stage = services.stage_update(stage=stage, version=version, **data)
        if position is not None:
            stage = services.stage_move(stage=stage, position=position)
        return stage

    def service_delete(self, stage):
        services.stage_delete(stage=stage)


class TouchpointViewSet(ConditionalListMixin, VersionedViewSet):
    """Touchpoints, each with its RACI letters. Keyset-paged: an organization may have 100k."""

    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilterSet
    pagination_class = IdCursorPagination
    ordering_fields = ["id", "name", "importance", "position"]
    ordering = ["id"]

    def get_queryset(self):
        queryset = Touchpoint.objects.filter(organization=self.organization)
        if self.action != "list":
            queryset = queryset.prefetch_related("assignments")
        return queryset

    def filter_queryset(self, queryset):
        # Building the filter form costs more than the page's two queries: skip it when the
        # request names no filter (the common case for integrations paging through everything).
        if self.action == "list" and not set(self.request.query_params) & set(TouchpointFilterSet.base_filters):
            return OrderingFilter().filter_queryset(self.request, queryset, self)
        return super().filter_queryset(queryset)

    @extend_schema(responses=TouchpointSerializer(many=True))
    def list(self, request, *args, **kwargs):
        # The page as written for the organization's current change counter, if this worker has
        # written it already: pollers ask for the same page until something changes.
        key = answer_key(request, "touchpoints", request.build_absolute_uri())
        if key is None:
            return self._page()
        written = answer_get(key)
        if written is None:
            written = request.accepted_renderer.render(self._page().data)
            answer_keep(key, written)
        return Response(orjson.Fragment(written))

    def _page(self):
        # Two queries whatever the page size: the page's rows, then all their letters.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*TOUCHPOINT_FIELDS))
        letters = defaultdict(list)
        assignments = Touchpoint._meta.get_field("assignments").related_model.objects.filter(
            organization=self.organization, touchpoint_id__in=[row["id"] for row in page]
        )
        for id_, touchpoint_id, function_id, letter, role_id in assignments.order_by(
            "touchpoint_id", "function_id", "letter"
        ).values_list("id", "touchpoint_id", "function_id", "letter", "role_id"):
            letters[touchpoint_id].append({"id": id_, "function": function_id, "letter": letter, "role": role_id})
        for row in page:
            row["assignments"] = letters[row["id"]]
        return self.get_paginated_response(page)

    def service_create(self, data):
        position = data.pop("position", None)
        touchpoint = services.touchpoint_create(**data)
        if position is not None:
            touchpoint = services.touchpoint_move(touchpoint=touchpoint, position=position)
        return touchpoint

    def service_update(self, touchpoint, version, data):
        position = data.pop("position", None)
        stage = data.pop("stage", None) if position is not None else None
        touchpoint = services.touchpoint_update(touchpoint=touchpoint, version=version, **data)
        if position is not None:
            touchpoint = services.touchpoint_move(touchpoint=touchpoint, stage=stage, position=position)
        return touchpoint

    def service_delete(self, touchpoint):
        services.touchpoint_delete(touchpoint=touchpoint)
