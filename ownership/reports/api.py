"""The ownership report for integrations: its PDF (drawn by a worker, ownership.reports.jobs), and
the monthly mail setting.

The PDF is the same document the browser downloads;
the mail setting is changed through ownership.report_mail with the version it was read at.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.base import MAX_ID, OrganizationScopedMixin, etag, requested_version
from cxowner.orgs.api.versions import VersionSerializer
from cxowner.orgs.authentication import acting_user
from cxowner.orgs.models import Membership
from journeys.models import Journey
from ownership.models import ReportJob
from ownership.reports.jobs import ReportBusy, report_job_ask, report_job_pdf
from ownership.reports.mail import recipients_parse, report_recipients, report_schedule_get, report_schedule_set


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the view hands over the document itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ReportBusyError(exceptions.APIException):
    status_code = 429
    default_code = "reports_busy"


class ReportJobSerializer(serializers.ModelSerializer):
    pdf = serializers.SerializerMethodField(help_text="Where the PDF is once the job is done; null before.")

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "kind",
            "status",
            "journey",
            "today",
            "step",
            "pages_done",
            "pages_expected",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "pdf",
        ]
        read_only_fields = fields

    def get_pdf(self, job) -> str | None:
        if job.status != ReportJob.Status.DONE:
            return None
        return reverse("api:report-job-pdf", kwargs={"org": job.organization.slug, "pk": job.pk})


def _pdf_response(job: ReportJob) -> HttpResponse:
    response = HttpResponse(report_job_pdf(job), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


class _JsonAnswers:
    """Everything but the PDF itself is JSON, even for a client that asked for the PDF only."""

    renderer_classes = [JSONRenderer, PDFRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ReportPdfView(_JsonAnswers, OrganizationScopedMixin, APIView):
    """The organization's (or one journey's) ownership report as a PDF, as of today.

    A worker draws it: the answer is the PDF when the organization has not changed since it was
    last drawn, else 202 with the job, to follow at its Location (its `pdf` link once done).
    Asking again while it is drawn joins the same job; 429 when the organization already has
    five reports under way.
    """

    @extend_schema(
        parameters=[OpenApiParameter("journey", int, description="Only this journey.")],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: ReportJobSerializer,
            429: OpenApiResponse(description="Too many reports of the organization under way"),
        },
    )
    def get(self, request, org):
        journey = None
        if "journey" in request.query_params:
            field = serializers.IntegerField(min_value=1, max_value=MAX_ID)
            try:
                journey_id = field.run_validation(request.query_params["journey"])
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"journey": error.detail}) from None
            journey = get_object_or_404(Journey, organization=self.organization, pk=journey_id)
        job = _job_asked(self, request, journey=journey, kind=ReportJob.Kind.FULL)
        if job.status == ReportJob.Status.DONE:
            return _pdf_response(job)
        location = reverse("api:report-job", kwargs={"org": org, "pk": job.pk})
        return Response(ReportJobSerializer(job).data, status=202, headers={"Location": location})


def _job_asked(view, request, *, journey, kind) -> ReportJob:
    """The report job a request asks for (a new one, or the same one already under way or drawn);
    429 when the organization has too many under way."""
    try:
        return report_job_ask(
            organization=view.organization,
            journey=journey,
            today=timezone.localdate(),
            created_by=acting_user(request),
            kind=kind,
        )
    except ReportBusy as busy:
        raise ReportBusyError(str(busy)) from None


class ReportJobAskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ReportJob.Kind.choices,
        default=ReportJob.Kind.FULL,
        help_text='"full": the whole report (of the organization, or of `journey`); "summary": the '
        "organization's executive summary, five pages at most.",
    )
    journey = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Only this journey (the full report only)."
    )

    def validate(self, data):
        if data.get("journey") is not None and data["kind"] != ReportJob.Kind.FULL:
            raise serializers.ValidationError(
                {"journey": ["The executive summary is always the whole organization's."]}
            )
        return data


class ReportJobsView(OrganizationScopedMixin, APIView):
    """Ask for a PDF — the full report or the executive summary — drawn by a worker: 202 with the
    job while it waits or is drawn (follow its Location), 200 with the job when the same PDF is
    already drawn (its `pdf` link). Any member may ask; 429 when the organization already has five
    reports under way."""

    write_role = Membership.Role.VIEWER

    @extend_schema(
        request=ReportJobAskSerializer,
        responses={
            200: ReportJobSerializer,
            202: ReportJobSerializer,
            429: OpenApiResponse(description="Too many reports of the organization under way"),
        },
    )
    def post(self, request, org):
        asked = ReportJobAskSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        journey = None
        if asked.validated_data.get("journey") is not None:
            journey_id = asked.validated_data["journey"]
            journey = Journey.objects.filter(organization=self.organization, pk=journey_id).first()
            if journey is None:
                raise serializers.ValidationError({"journey": [f"No journey {journey_id} in this organization."]})
        job = _job_asked(self, request, journey=journey, kind=asked.validated_data["kind"])
        location = reverse("api:report-job", kwargs={"org": org, "pk": job.pk})
        status = 200 if job.status == ReportJob.Status.DONE else 202
        return Response(ReportJobSerializer(job).data, status=status, headers={"Location": location})


class ReportJobView(_JsonAnswers, OrganizationScopedMixin, APIView):
    """A report PDF being drawn: its status, then where its PDF is (or why it failed)."""

    @extend_schema(responses=ReportJobSerializer)
    def get(self, request, org, pk):
        job = get_object_or_404(ReportJob.objects.defer("pdf"), organization=self.organization, pk=pk)
        return Response(ReportJobSerializer(job).data)


class ReportJobPdfView(_JsonAnswers, OrganizationScopedMixin, APIView):
    """A finished report job's PDF; 409 while it is drawn or when it failed."""

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 409: OpenApiResponse(description="Not done")}
    )
    def get(self, request, org, pk):
        job = get_object_or_404(ReportJob.objects.defer("pdf"), organization=self.organization, pk=pk)
        if job.status != ReportJob.Status.DONE:
            return Response({"detail": job.error or "The PDF is not done yet.", "status": job.status}, status=409)
        return _pdf_response(job)


class ReportScheduleSerializer(VersionSerializer):
    monthly = serializers.BooleanField(help_text="Mail the report as a PDF at the start of every month.")
    recipients = serializers.ListField(
        child=serializers.CharField(max_length=254),
        max_length=200,
        help_text="E-mail addresses; empty: the organization's admins.",
    )
    sends_to = serializers.ListField(child=serializers.EmailField(), read_only=True)

    def validate_recipients(self, value: list[str]) -> list[str]:
        try:
            return recipients_parse(",".join(value))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["recipients"]) from None


class ReportScheduleView(OrganizationScopedMixin, APIView):
    """The monthly report mail: admins read and change it (PATCH with the version: If-Match or `version`)."""

    read_role = Membership.Role.ADMIN
    write_role = Membership.Role.ADMIN

    def _answer(self, schedule):
        data = {
            "monthly": schedule.monthly,
            "recipients": schedule.recipients,
            "sends_to": report_recipients(organization=self.organization, schedule=schedule),
            "version": schedule.version,
        }
        return Response(ReportScheduleSerializer(data).data, headers=etag(schedule.version))

    @extend_schema(responses=ReportScheduleSerializer)
    def get(self, request, org):
        return self._answer(report_schedule_get(organization=self.organization))

    @extend_schema(request=ReportScheduleSerializer, responses=ReportScheduleSerializer)
    def patch(self, request, org):
        version = requested_version(request)
        current = report_schedule_get(organization=self.organization)
        serializer = ReportScheduleSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        schedule = report_schedule_set(
            organization=self.organization,
            monthly=data.get("monthly", current.monthly),
            recipients=data.get("recipients", current.recipients),
            version=version,
        )
        return self._answer(schedule)
