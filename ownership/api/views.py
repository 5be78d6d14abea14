"""API views on the ownership side: functions, roles, letters, audits and export.

The matrix is in matrix.py, gaps in gaps.py, imports in imports.py, the history in changes.py.
Every write goes through ownership.services / imports / tasks.
"""

from __future__ import annotations

from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.base import (
    ID_PATTERN,
    IdCursorPagination,
    OrganizationScopedMixin,
    PagePagination,
    VersionedViewSet,
    etag,
    requested_int_version,
)
from cxowner.orgs.api.conditional import ConditionalListMixin
from cxowner.orgs.authentication import TokenUser
from journeys.models import Journey
from ownership import services
from ownership.function_changes import PlanChanged, function_delete_plan, function_merge, function_merge_plan
from ownership.imports import EXPORT_FORMATS, XLSX_CONTENT_TYPE, matrix_export
from ownership.models import Assignment, AuditRun, Function, Role
from ownership.tasks import audit_request_once

from .filtersets import AssignmentFilterSet, AuditRunFilterSet, RoleFilterSet
from .function_plans import FunctionMergeSerializer, FunctionPlanSerializer, plan_data
from .serializers import (
    AssignmentRoleSerializer,
    AssignmentSerializer,
    AuditRequestedSerializer,
    AuditRunDetailSerializer,
    AuditRunSerializer,
    FunctionSerializer,
    RoleSerializer,
)


def _user(request):
    """The person behind the request, or None for a token (it has no row in the user table)."""
    return None if isinstance(request.user, TokenUser) else request.user


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
        version = None if dry_run else requested_int_version(request)
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


class AssignmentViewSet(
    ConditionalListMixin,
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """RACI letters, one row per letter. Adding and removing letters is a compare-and-set on the
    cell (409 if it changed meanwhile); the matrix endpoint writes many cells at once."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    pagination_class = IdCursorPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["id"]
    ordering = ["id"]
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Assignment.objects.filter(organization=self.organization)

    def _set_cell(self, *, touchpoint_id: int, function_id: int, add: str | None = None, remove: str | None = None):
        cell = (touchpoint_id, function_id)
        current = services.cells_read(organization=self.organization, cells=[cell])[cell]
        if add is not None and add in current:
            raise serializers.ValidationError({"letter": [f"The function already holds {add} on this touchpoint."]})
        letters = (current | {add}) if add else (current - {remove})
        services.cells_set(
            organization=self.organization,
            changes=[services.CellChange(touchpoint_id, function_id, frozenset(letters), expected=current)],
        )

    def create(self, request, org):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            self._set_cell(touchpoint_id=data["touchpoint"].pk, function_id=data["function"].pk, add=data["letter"])
            assignment = Assignment.objects.get(
                touchpoint=data["touchpoint"], function=data["function"], letter=data["letter"]
            )
            if data.get("role") is not None:
                assignment = services.assignment_role_set(assignment=assignment, role=data["role"])
        return Response(self.get_serializer(assignment).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, org, pk):
        assignment = self.get_object()
        return Response(self.get_serializer(assignment).data, headers=etag(assignment.version))

    @extend_schema(request=AssignmentRoleSerializer, responses=AssignmentSerializer)
    def partial_update(self, request, org, pk):
        assignment = self.get_object()
        version = requested_int_version(request)
        serializer = AssignmentRoleSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_role_set(
            assignment=assignment, role=serializer.validated_data["role"], version=version
        )
        return Response(self.get_serializer(assignment).data, headers=etag(assignment.version))

    def destroy(self, request, org, pk):
        assignment = self.get_object()
        with transaction.atomic():
            self._set_cell(
                touchpoint_id=assignment.touchpoint_id, function_id=assignment.function_id, remove=assignment.letter
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, org, pk):
        """The owner confirms that an accountable (A) letter still holds: it is no longer stale."""
        assignment = self.get_object()
        if assignment.letter != "A":
            raise serializers.ValidationError({"letter": ["Only an accountable (A) letter is confirmed."]})
        assignment = services.assignment_confirm(assignment=assignment, user=_user(request))
        return Response(self.get_serializer(assignment).data)


class AuditRunViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Audit runs, newest first. POST asks for one: 202, done by a Celery worker."""

    serializer_class = AuditRunSerializer
    filterset_class = AuditRunFilterSet
    pagination_class = PagePagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return AuditRun.objects.filter(organization=self.organization).order_by("-requested_at", "-id")

    def get_serializer_class(self):
        return AuditRunDetailSerializer if self.action == "retrieve" else AuditRunSerializer

    @extend_schema(request=None, responses={202: AuditRequestedSerializer})
    def create(self, request, org):
        # A run already waiting for a worker is answered again: an eager client cannot stack runs.
        run = audit_request_once(organization=self.organization, trigger=AuditRun.Trigger.API).run
        url = request.build_absolute_uri(reverse("api:audit-run-detail", kwargs={"org": org, "pk": run.pk}))
        return Response(
            {"id": run.pk, "url": url, "status": run.status}, status=status.HTTP_202_ACCEPTED, headers={"Location": url}
        )


class MatrixExportView(OrganizationScopedMixin, APIView):
    """Download the matrix (or one journey's) as CSV or XLSX, in the layout the import reads."""

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="csv"),
            OpenApiParameter("journey", int, description="Only this journey."),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, org):
        kind = request.query_params.get("format", "csv")
        if kind not in EXPORT_FORMATS:
            raise serializers.ValidationError({"format": ["Choose csv or xlsx."]})
        journey = None
        if "journey" in request.query_params:
            field = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
            try:
                journey_id = field.run_validation(request.query_params["journey"])
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"journey": error.detail}) from None
            journey = get_object_or_404(Journey, organization=self.organization, pk=journey_id)
        export = matrix_export(organization=self.organization, fmt=kind, journey=journey)
        response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response
