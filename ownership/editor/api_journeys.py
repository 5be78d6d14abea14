"""The journeys of the API, with their manager: the journeys app's resource plus `owner`.

The journey manager is ownership's (JourneyOwner: journeys never point up at ownership), so the
resource served under /journeys/ is built here on journeys.api. Same fields, filters, versions
and 412s as before: `owner` is read from the row's JourneyOwner and written through
ownership.structure.services.journey_owner_set, which bumps the journey's version like any other field.
"""

import django_filters
from django.db.models import F

from cxowner.orgs.api.base import IdFilter
from journeys.api import serializers as journey_serializers
from journeys.api import views as journey_views
from journeys.models import Journey
from ownership.models import Role
from ownership.structure.services import journey_owner_set


class JourneySerializer(journey_serializers.JourneySerializer):
    # Read from the `owner_id` that JourneyViewSet's queryset annotates; written as a Role of
    # the caller's organization, under the same name.
    owner = journey_serializers.OrganizationPrimaryKeyField(
        queryset=Role.objects.all(),
        source="owner_id",
        allow_null=True,
        required=False,
        help_text="The role that answers for the journey (the journey manager).",
    )

    class Meta(journey_serializers.JourneySerializer.Meta):
        fields = ["id", "name", "persona", "description", "owner", "position", "version"]


class JourneyFilterSet(django_filters.FilterSet):
    owner = IdFilter(field_name="owner_link__role_id")
    has_owner = django_filters.BooleanFilter(field_name="owner_link", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Journey
        fields = ["owner", "has_owner"]


class JourneyViewSet(journey_views.JourneyViewSet):
    """Customer journeys. Editors create, rename, re-own and delete them."""

    serializer_class = JourneySerializer
    filterset_class = JourneyFilterSet

    def get_queryset(self):
        return super().get_queryset().annotate(owner_id=F("owner_link__role"))

    def service_create(self, data):
        owner = data.pop("owner_id", None)
        journey = super().service_create(data)
        if owner is not None:
            journey = journey_owner_set(journey=journey, owner=owner, version=journey.version)
        return journey

    def service_update(self, journey, version, data):
        if "owner_id" not in data:
            return super().service_update(journey, version, data)
        return journey_owner_set(journey=journey, owner=data.pop("owner_id"), version=version, **data)
