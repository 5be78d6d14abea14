"""POST /api/v1/orgs/{org}/changes/{id}/revert/ (admins): put the letters of a change set back, as the
history page's revert does (ownership.editor.reverts); with `dry_run` it only says what it would do.

The change sets are read through ownership.history.api; putting one back writes the matrix.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import ID_PATTERN, OrganizationScopedMixin
from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Membership
from ownership.editor.reverts import CellBack, RevertPlan, RevertRefused, change_set_revert, revert_plan


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
    kept = CellBackSerializer(
        source="plan.kept",
        many=True,
        help_text="Letters that stay: they came from a function deleted since, which cannot come back to hold them "
        "(letters_back is what the cell held before the change set).",
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


class ChangeSetRevertViewSet(OrganizationScopedMixin, viewsets.GenericViewSet):
    """The revert action of the change sets (`changes/{id}/revert/`); the sets themselves are history's."""

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return ChangeSet.objects.filter(organization=self.organization)

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
