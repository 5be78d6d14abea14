"""GET /api/v1/orgs/{org}/changes/: the history of changes, newest first, cursor-paginated.

The list gives each change set with its number of items; one change set (`/changes/{id}/`)
gives its items too. Filters: actor, kind, surface, journey, touchpoint, function, since, until.

POST /changes/{id}/revert/ (admins): put the letters of a change set back, as the history
page's revert does (ownership.reverts); with `dry_run` it only says what it would do.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import ID_PATTERN, IdFilter, OrganizationScopedMixin
from cxowner.orgs.api.pagination import IdCursorPagination
from cxowner.orgs.history import ChangeItem, ChangeSet, Surface
from cxowner.orgs.models import Membership
from ownership.history.reverts import CellBack, RevertPlan, RevertRefused, change_set_revert, revert_plan
from ownership.history.selectors import ITEM_COLUMNS


class ChangeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeItem
        fields = ["id", "object_type", *ITEM_COLUMNS]


class ChangeSetSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)

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


class ChangeSetDetailSerializer(ChangeSetSerializer):
    items = ChangeItemSerializer(many=True, read_only=True)

    class Meta(ChangeSetSerializer.Meta):
        fields = [*ChangeSetSerializer.Meta.fields, "items"]


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
        return queryset.filter(pk__in=ChangeItem.objects.filter(function_id=value).values("change_set_id"))


class RevertRequestSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text="Only say what the revert would do.")


class CellBackSerializer(serializers.Serializer):
    touchpoint = serializers.IntegerField(source="touchpoint_id")
    function = serializers.IntegerField(source="function_id")
    subject = serializers.CharField(help_text="Touchpoint × function, by name.")
    letters_back = serializers.CharField(source="back_shown", help_text="What the revert writes (or wrote).")
    letters_written = serializers.CharField(source="wrote_shown", help_text="What the change set wrote.")
    letters_now = serializers.CharField(source="now_shown", help_text="What the cell held when the plan was read.")


class StructureItemSerializer(serializers.Serializer):
    subject = serializers.CharField()
    field = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class RevertSerializer(serializers.Serializer):
    change_set = serializers.IntegerField(source="plan.change_set.pk", help_text="The change set put back.")
    dry_run = serializers.BooleanField()
    revert = serializers.IntegerField(allow_null=True, help_text="The change set the revert wrote; null for a dry run.")
    cells = CellBackSerializer(source="plan.cells", many=True, help_text="Cells that go (or went) back.")
    changed_since = CellBackSerializer(
        source="plan.changed_since", many=True, help_text="Cells someone changed since: left as they are."
    )
    gone = serializers.ListField(
        source="plan.gone", child=serializers.CharField(), help_text="Cells whose touchpoint or function is deleted."
    )
    not_reverted = StructureItemSerializer(
        source="plan.structure", many=True, help_text="Changes that are not letters (structure): never reverted."
    )
    not_reverted_count = serializers.IntegerField(source="plan.structure_count")


def _revert_answer(plan: RevertPlan, *, dry_run: bool, revert: int | None) -> dict:
    return RevertSerializer({"plan": plan, "dry_run": dry_run, "revert": revert}).data


def _cells(cells: tuple[CellBack, ...]) -> list:
    return CellBackSerializer(cells, many=True).data


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

    @extend_schema(request=RevertRequestSerializer, responses=RevertSerializer)
    @action(detail=True, methods=["post"], write_role=Membership.Role.ADMIN)
    def revert(self, request, *args, **kwargs):
        """Put back the letters this change set wrote; cells changed since stay and are listed."""
        change_set = self.get_object()
        asked = RevertRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        if asked.validated_data["dry_run"] or request.query_params.get("dry_run") in {"1", "true"}:
            plan = revert_plan(organization=self.organization, change_set=change_set)
            return Response(_revert_answer(plan, dry_run=True, revert=None))
        try:
            done = change_set_revert(organization=self.organization, change_set=change_set, all_or_nothing=False)
        except RevertRefused as refused:
            return Response(
                {"detail": refused.message, "changed_since": _cells(refused.cells)}, status=status.HTTP_409_CONFLICT
            )
        return Response(_revert_answer(done.plan, dry_run=False, revert=done.change_set.pk))
