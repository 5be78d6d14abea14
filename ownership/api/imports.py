"""The matrix file through the API: upload (all rows or nothing), and the worker's import jobs."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.base import ID_PATTERN, OrganizationScopedMixin, PagePagination
from cxowner.orgs.api.parsers import BoundedJSONParser
from cxowner.orgs.authentication import TokenUser
from ownership.import_jobs import import_job_confirm, import_job_create, import_runs_on_worker
from ownership.import_reading import PASTED_TEXT, as_matrix_file_name
from ownership.imports import matrix_import, matrix_read
from ownership.matrixfile import MatrixFileInvalid
from ownership.models import ImportJob

from .serializers import ImportJobSerializer, ImportSerializer, ImportSummarySerializer


def _user(request):
    return request.user if not isinstance(request.user, TokenUser) else None


def _job_response(request, job: ImportJob) -> Response:
    data = ImportJobSerializer(job).data
    location = reverse("api:import-job-detail", kwargs={"org": job.organization.slug, "pk": job.pk})
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class MatrixImportView(OrganizationScopedMixin, APIView):
    """Upload the matrix file (CSV or XLSX): all rows or nothing.

    A file of more than MATRIX_IMPORT_WORKER_ROWS rows is checked here and imported by a worker:
    the answer is 202 with the job, to follow at its Location.
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
            reading = matrix_read(data=data, filename=filename, max_bytes=max_bytes, options=options)
            if import_runs_on_worker(rows=len(reading.sheet.rows)):
                job = import_job_create(
                    organization=self.organization,
                    data=reading.matrix_file(),
                    filename=as_matrix_file_name(filename),
                    rows=len(reading.sheet.rows),
                    dry_run=dry_run,
                    created_by=_user(request),
                )
                return _job_response(request, job)
            summary = matrix_import(organization=self.organization, sheet=reading.sheet, dry_run=dry_run)
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
            job = import_job_confirm(job=dry_run, created_by=_user(request))
        except ValueError as error:
            raise ValidationError({"detail": str(error)}) from None
        return _job_response(request, job)
