"""API views on the ownership side: functions, roles, letters, audits and export.

The matrix is in matrix.py, gaps in gaps.py, imports in imports.py, the history in changes.py.
Every write goes through the services of each capability.
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import (
    VersionedViewSet,
    requested_version,
)
from cxowner.orgs.api.conditional import ConditionalListMixin
from ownership.models import Function, Role
from ownership.structure import services
from ownership.structure.api_plans import FunctionMergeSerializer, FunctionPlanSerializer, plan_data
from ownership.structure.changes import PlanChanged, function_delete_plan, function_merge, function_merge_plan
from ownership.structure.filtersets import RoleFilterSet
from ownership.structure.serializers import FunctionSerializer, RoleSerializer


class FunctionViewSet(ConditionalListMixin, VersionedViewSet):
    """Functions (departments), the columns of the matrix."""

    serializer_class = FunctionSerializer
    ordering_fields = ["id", "name", "position"]
    ordering = ["position", "id"]

    def get_queryset(self):
        return Function.objects.filter(organization=self.organization)

    def service_create(self, data):
        return services.function_create(organization=self.organization, **data)

    def service_update(self, function, version, data):
        return services.function_update(function=function, version=version, **data)

    def service_delete(self, function):
        services.function_delete(function=function)

    @extend_schema(request=None, responses=FunctionPlanSerializer)
    @action(detail=True, methods=["get"], url_path="delete-preview")
    def delete_preview(self, request, org, pk):
        """What DELETE would do: the letters that go, touchpoint by touchpoint, and the gaps it opens and closes."""
        plan = function_delete_plan(function=self.get_object())
        return Response(plan_data(plan, dry_run=True))

    @extend_schema(request=FunctionMergeSerializer, responses=FunctionPlanSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, org, pk):
        """Move every letter and role to `into` and delete this function; `dry_run` only previews it.

        Where both hold letters on a touchpoint the cell becomes their union (A once). A real
        merge needs the version of this function (If-Match or `version`): 412 if it changed.
        """
        function = self.get_object()
        serializer = FunctionMergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target, dry_run = data["into"], data["dry_run"]
        version = None if dry_run else requested_version(request)
        plan = function_merge_plan(function=function, target=target)
        if not dry_run:
            try:
                with transaction.atomic():
                    function_merge(function=function, target=target, version=version, digest=data["digest"])
            except PlanChanged as changed:
                # What the merge would do now, to read before confirming again.
                body = {"detail": str(changed), "plan": plan_data(changed.plan, dry_run=True)}
                return Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
        return Response(plan_data(plan, dry_run=dry_run))


class RoleViewSet(ConditionalListMixin, VersionedViewSet):
    """Roles inside functions, optionally held by a named person (vacant otherwise)."""

    serializer_class = RoleSerializer
    filterset_class = RoleFilterSet
    ordering_fields = ["id", "title"]
    ordering = ["id"]

    def get_queryset(self):
        return Role.objects.filter(organization=self.organization)

    def service_create(self, data):
        return services.role_create(**data)

    def service_update(self, role, version, data):
        return services.role_update(role=role, version=version, **data)

    def service_delete(self, role):
        services.role_delete(role=role)
