"""The matrix endpoint: one journey's RACI matrix with its gaps, read whole or written in bulk.

Reads answer ETag (the matrix's version, then the organization's change counter) and 304 to
If-None-Match; writes take If-Match (the matrix's version) and are compare-and-set per cell.
"""

from __future__ import annotations

import orjson
from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.answers import answer_get, answer_keep, answer_key
from cxowner.orgs.api.base import (
    ID_PATTERN,
    IdCursorPagination,
    OrganizationScopedMixin,
    etag,
    requested_version,
)
from cxowner.orgs.api.conditional import ConditionalListMixin, conditional_headers, etag_matches
from cxowner.orgs.authentication import acting_user
from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.history import ChangeSet
from cxowner.orgs.locks import rows_locked
from journeys.models import Journey, Touchpoint
from ownership.editor import services
from ownership.editor.filtersets import AssignmentFilterSet
from ownership.editor.matrix_reads import matrix_answer, matrix_rows, matrix_version, open_gap_findings
from ownership.editor.serializers import (
    AssignmentRoleSerializer,
    AssignmentSerializer,
    MatrixSerializer,
    MatrixWriteSerializer,
    MatrixWrittenSerializer,
)
from ownership.gaps.figures import coverage_read
from ownership.models import Assignment, Function


class MatrixView(OrganizationScopedMixin, APIView):
    """One journey's RACI matrix: read it with its gaps, or write many cells at once."""

    def _journey(self, pk: int) -> Journey:
        journey = get_object_or_404(Journey, organization=self.organization, pk=pk)
        journey.organization = self.organization  # the snapshot reads its thresholds
        return journey

    def _current_version(self, journey: Journey) -> int:
        versions = list(Touchpoint.objects.filter(journey=journey).values_list("id", "version"))
        functions = list(Function.objects.filter(organization=self.organization).values_list("id", flat=True))
        return matrix_version(versions, functions)

    def _gaps(self, journey: Journey) -> list[dict]:
        return open_gap_findings(journey=journey)

    def _coverage(self, journey: Journey) -> float | None:
        # The journey's coverage as every surface shows it: null when nothing is in scope.
        return coverage_read(organization=self.organization, journey_ids=[journey.pk]).organization.share

    def _read_tag(self, version: int) -> str:
        # The matrix's version (what If-Match on a write compares), then the organization's change
        # counter: names, holders and thresholds elsewhere change the gaps shown here too.
        return f'"{version}-{self.organization.matrix_version}"'

    @extend_schema(responses={200: MatrixSerializer, 304: OpenApiResponse(description="Not modified")})
    def get(self, request, org, pk):
        # The answer as written for the organization's current change counter, if this worker
        # has written it already (cxowner/orgs/api/answers.py): its tag, and its JSON once read whole.
        key = answer_key(request, "matrix", pk)
        tag, written = answer_get(key) or (None, None)
        if tag is None or (written is None and not etag_matches(request, tag)):
            journey = self._journey(pk)
            rows = matrix_rows(journey=journey)
            tag = self._read_tag(rows.version)
            if not etag_matches(request, tag):
                data = matrix_answer(journey=journey, rows=rows, coverage=self._coverage(journey))
                if key is None:
                    return Response(data, headers=conditional_headers(request, tag))
                written = request.accepted_renderer.render(data)
            answer_keep(key, (tag, written))
        if etag_matches(request, tag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=conditional_headers(request, tag))
        return Response(orjson.Fragment(written), headers=conditional_headers(request, tag))

    @extend_schema(
        request=MatrixWriteSerializer,
        responses=MatrixWrittenSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="The matrix's ETag (optional)."
            )
        ],
    )
    def patch(self, request, org, pk):
        journey = self._journey(pk)
        serializer = MatrixWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cells = serializer.validated_data["cells"]
        wanted = {cell["touchpoint"] for cell in cells}
        # A read's ETag also carries the change counter after a "-": only the matrix version counts here.
        if_match = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"').split("-")[0]
        with transaction.atomic():
            # Lock the journey's rows first: the version compared below cannot move until commit.
            # NO KEY, as every cell write (ownership.editor.services.cells_set): see cxowner/orgs/locks.py.
            touchpoints = Touchpoint.objects.filter(journey=journey)
            rows = set(rows_locked(touchpoints, no_key=True).values_list("id", flat=True))
            outside = sorted(wanted - rows)
            if outside:
                raise serializers.ValidationError(
                    {"cells": [f"Touchpoint {t} is not in this journey." for t in outside[:20]]}
                )
            if if_match and if_match != "*" and if_match != str(current := self._current_version(journey)):
                raise matrix_stale(journey=journey, version=current)
            written = services.cells_set(
                organization=self.organization,
                changes=[
                    services.CellChange(cell["touchpoint"], cell["function"], cell["letters"], cell["expected"])
                    for cell in cells
                ],
            )
        version = self._current_version(journey)
        data = {
            "version": version,
            "cells": [
                {"touchpoint": t, "function": f, "letters": "".join(x for x in "RACI" if x in letters)}
                for (t, f), letters in sorted(written.items())
            ],
            "coverage": self._coverage(journey),
            "gaps": self._gaps(journey),
        }
        return Response(data, headers=etag(version))


def matrix_stale(*, journey: Journey, version: int) -> StaleVersion:
    """412 for a matrix write under an old ETag, naming the journey's last change: who and when."""
    last = (
        ChangeSet.objects.filter(organization_id=journey.organization_id, journey_id=journey.pk).order_by("-id").first()
    )
    return StaleVersion(
        journey,
        version=version,
        subject=f"The matrix of “{journey.name}”",
        changed_by=last.actor_label if last else "",
        changed_at=last.created_at if last else None,
    )


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
        version = requested_version(request)
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
        assignment = services.assignment_confirm(assignment=assignment, user=acting_user(request))
        return Response(self.get_serializer(assignment).data)
