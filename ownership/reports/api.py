"""The ownership report for integrations: its PDF, and the monthly mail setting.

The PDF is the same document the browser downloads (ownership.report → ownership.report_render);
the mail setting is changed through ownership.report_mail with the version it was read at.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.base import MAX_ID, OrganizationScopedMixin, etag, requested_version
from cxowner.orgs.api.versions import VersionSerializer
from cxowner.orgs.models import Membership
from journeys.models import Journey
from ownership.reports.mail import recipients_parse, report_recipients, report_schedule_get, report_schedule_set
from ownership.reports.render import PdfUnavailable, report_filename, report_pdf
from ownership.reports.selectors import report_build


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the view hands over the document itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PdfServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "pdf_unavailable"


class ReportPdfView(OrganizationScopedMixin, APIView):
    """The organization's (or one journey's) ownership report as a PDF, as of today."""

    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("journey", int, description="Only this journey.")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
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
        report = report_build(organization=self.organization, journey=journey, today=timezone.localdate())
        try:
            pdf = report_pdf(report=report)
        except PdfUnavailable as error:
            raise PdfServiceUnavailable(str(error)) from None
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report_filename(report=report)}"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even for a client that asked for the PDF only.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


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
