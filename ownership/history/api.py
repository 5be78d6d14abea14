"""GET /api/v1/orgs/{org}/changes/: the history of changes, newest first, cursor-paginated.

The list gives each change set with its number of items; one change set (`/changes/{id}/`)
gives its items too. Filters: actor, kind, surface, journey, touchpoint, function, since, until.

Putting a change set back (POST /changes/{id}/revert/) writes the matrix: ownership.editor.api_reverts.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from cxowner.orgs.api.base import ID_PATTERN, IdFilter, OrganizationScopedMixin
from cxowner.orgs.api.pagination import IdCursorPagination
from cxowner.orgs.history import MADE_WITH_CELLS, ChangeItem, ChangeSet, Surface, items_expanded
from ownership.history.selectors import ITEM_COLUMNS, change_set_summaries


class ChangeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeItem
        fields = ["id", "object_type", *ITEM_COLUMNS]


class ChangeSetSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)
    summary = serializers.SerializerMethodField(
        help_text="What the change did, in words; a one-cell change names its touchpoint, function and letters."
    )

    class Meta:
        model = ChangeSet
        fields = [
            "id",
            "created_at",
            "actor_user",
            "actor_token",
            "actor_label",
            "surface",
            "kind",
            "summary",
            "journey_id",
            "item_count",
        ]

    def get_summary(self, change_set: ChangeSet) -> str:
        return self.context.get("summaries", {}).get(change_set.pk, change_set.summary)


class ChangeSetDetailSerializer(ChangeSetSerializer):
    items = serializers.SerializerMethodField()

    class Meta(ChangeSetSerializer.Meta):
        fields = [*ChangeSetSerializer.Meta.fields, "items"]

    @extend_schema_field(ChangeItemSerializer(many=True))
    def get_items(self, change_set: ChangeSet) -> list[dict]:
        # A touchpoint the set made may carry its letters in its own item: given as cell items
        # (without an id of their own), as every other change gives its cells.
        return ChangeItemSerializer(items_expanded(change_set.items.all()), many=True).data


class ChangeSetFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_label")
    kind = django_filters.CharFilter(method="filter_kind")
    surface = django_filters.ChoiceFilter(choices=Surface.choices)
    journey = IdFilter(method="filter_journey")
    touchpoint = IdFilter(method="filter_touchpoint")
    function = IdFilter(method="filter_function")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ChangeSet
        fields = ["actor", "kind", "surface", "journey", "touchpoint", "function", "since", "until"]

    def filter_kind(self, queryset, name, value):
        return queryset.filter(Q(kind=value) | Q(kind__startswith=f"{value}."))

    def filter_journey(self, queryset, name, value):
        in_journey = ChangeItem.objects.filter(journey_id=value).values("change_set_id")
        return queryset.filter(Q(journey_id=value) | Q(pk__in=in_journey))

    def filter_touchpoint(self, queryset, name, value):
        return queryset.filter(pk__in=ChangeItem.objects.filter(touchpoint_id=value).values("change_set_id"))

    def filter_function(self, queryset, name, value):
        # A touchpoint an import made names its cells' functions in its own item (MADE_WITH_CELLS).
        made = ChangeItem.objects.filter(
            change_set__kind="import",
            object_type="touchpoint",
            field="",
            **{f"after__{MADE_WITH_CELLS}__has_key": str(value)},
        )
        return queryset.filter(
            Q(pk__in=ChangeItem.objects.filter(function_id=value).values("change_set_id"))
            | Q(pk__in=made.values("change_set_id"))
        )


class NewestFirst(IdCursorPagination):
    ordering = "-id"


class ChangeSetViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Every change made to the organization: who, when, through what, and each value before and after."""

    filterset_class = ChangeSetFilterSet
    pagination_class = NewestFirst
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        rows = ChangeSet.objects.filter(organization=self.organization).annotate(item_count=Count("items"))
        if self.action == "retrieve":
            rows = rows.prefetch_related("items")
        return rows

    def get_serializer_class(self):
        return ChangeSetDetailSerializer if self.action == "retrieve" else ChangeSetSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The page's one-cell changes named (ownership.history.selectors): a bounded number of queries.
        self.summaries = change_set_summaries(page or [], organization=self.organization)
        return page

    def get_object(self):
        change_set = super().get_object()
        self.summaries = change_set_summaries([change_set], organization=self.organization)
        return change_set

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "summaries": getattr(self, "summaries", {})}
