"""The matrix file through the API: upload (all rows or nothing), and the worker's import jobs."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.base import (
    ID_PATTERN,
    OrganizationScopedMixin,
    PagePagination,
)
from cxowner.orgs.api.parsers import BoundedJSONParser
from cxowner.orgs.authentication import acting_user
from journeys.models import Journey
from ownership.imports.jobs import import_job_confirm, import_job_create, import_runs_on_worker
from ownership.imports.matrixfile.sheet import MatrixFileInvalid, upload_size_check
from ownership.imports.reading import PASTED_TEXT
from ownership.imports.serializers import ImportJobSerializer, ImportSerializer, ImportSummarySerializer
from ownership.imports.services import (
    EXPORT_FORMATS,
    XLSX_CONTENT_TYPE,
    matrix_export,
    matrix_import,
    matrix_limits,
    matrix_read,
)
from ownership.imports.sources import source_rows_estimate
from ownership.models import ImportJob


def _job_response(request, job: ImportJob) -> Response:
    data = ImportJobSerializer(job).data
    location = reverse("api:import-job-detail", kwargs={"org": job.organization.slug, "pk": job.pk})
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class MatrixImportView(OrganizationScopedMixin, APIView):
    """Upload the matrix file (CSV or XLSX): all rows or nothing.

    A file of more than MATRIX_IMPORT_WORKER_ROWS rows (counted roughly: its lines) is read,
    checked and imported by a worker: the answer is 202 with the job at once, to follow at its
    Location; a file the worker refuses ends the job failed with every problem.
    """

    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={
            200: ImportSummarySerializer,
            202: ImportJobSerializer,
            400: OpenApiResponse(description="Every row error; nothing changed"),
        },
    )
    def post(self, request, org):
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("file")
        dry_run = serializer.validated_data["dry_run"]
        max_bytes = settings.MATRIX_UPLOAD_MAX_BYTES
        if upload is not None:
            data, filename = upload.read(max_bytes + 1), upload.name
        else:
            data, filename = serializer.validated_data["text"].encode(), PASTED_TEXT
        options = serializer.validated_data["options"]
        try:
            # Only the size is checked before a large file goes to the worker, which reads it.
            upload_size_check(data, matrix_limits(max_bytes=max_bytes))
            rows = source_rows_estimate(data, filename)
            if import_runs_on_worker(rows=rows):
                job = import_job_create(
                    organization=self.organization,
                    data=data,
                    filename=filename,
                    rows=rows,
                    dry_run=dry_run,
                    created_by=acting_user(request),
                    options=serializer.option_values(),
                )
                return _job_response(request, job)
            reading = matrix_read(data=data, filename=filename, max_bytes=max_bytes, options=options)
            summary = matrix_import(
                organization=self.organization, sheet=reading.sheet, dry_run=dry_run, replace=reading.replace
            )
        except MatrixFileInvalid as invalid:
            errors = [{"row": e.row, "column": e.column, "value": e.value, "reason": e.reason} for e in invalid.errors]
            body = {"detail": "The file was not imported.", "errors": errors}
            body["unknown_letters"] = list(getattr(invalid, "unknown_letters", ()))
            return Response(body, status=400)
        return Response({"dry_run": dry_run, **asdict(summary.read_from(reading))})


class ImportJobViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Imports run by a worker, newest first: status, rows done, then the summary or every row error."""

    serializer_class = ImportJobSerializer
    pagination_class = PagePagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return ImportJob.objects.filter(organization=self.organization).defer("data").order_by("-created_at", "-id")

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, org, pk):
        """Import for real the file a finished dry run checked."""
        dry_run = ImportJob.objects.select_related("organization").get(pk=self.get_object().pk)
        try:
            job = import_job_confirm(job=dry_run, created_by=acting_user(request))
        except ValueError as error:
            raise ValidationError({"detail": str(error)}) from None
        return _job_response(request, job)


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
