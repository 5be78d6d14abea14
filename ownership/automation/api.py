"""API for the organization's audit schedule and webhooks: members read, admins change.

The same services as the settings page (ownership.schedules, ownership.webhook_admin). Writes
name the version they change (If-Match or `version`); a stale one answers 412 with the current
version. A webhook's secret is in the response that makes it (create, rotate-secret) and in
no other.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.base import (
    OrganizationScopedMixin,
    PagePagination,
    VersionedViewSet,
    etag,
    requested_version,
)
from cxowner.orgs.api.fields import StrictCharField, StrictModelSerializer
from cxowner.orgs.api.versions import VersionField, VersionSerializer
from cxowner.orgs.models import Membership
from ownership.automation.schedules import (
    SchedulePreview,
    audit_schedule_get,
    audit_schedule_set,
    audit_schedule_version,
    crontab_fields,
    crontab_text,
    schedule_preview,
)
from ownership.automation.webhooks import (
    webhook_create,
    webhook_delete,
    webhook_secret_rotate,
    webhook_test_send,
    webhook_update,
)
from ownership.models import Webhook, WebhookDelivery


class WebhookSerializer(StrictModelSerializer):
    # Text, not a URLField: the service's URL checks say precisely what is wrong.
    url = StrictCharField(max_length=500)
    version = VersionField(read_only=True)

    class Meta:
        model = Webhook
        fields = ["id", "url", "description", "active", "created_at", "version"]
        read_only_fields = ["id", "created_at", "version"]


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown in this response only; keep it.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "run", "attempt", "attempted_at", "status_code", "succeeded", "duration_ms", "error"]
        read_only_fields = fields


def _with_secret(webhook: Webhook, secret: str) -> dict:
    webhook.secret = secret
    return WebhookWithSecretSerializer(webhook).data


class WebhookViewSet(VersionedViewSet):
    """Where audits are announced. Members read (never the secret); admins add, change, delete,
    test and rotate secrets."""

    serializer_class = WebhookSerializer
    write_role = Membership.Role.ADMIN
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        return Webhook.objects.filter(organization=self.organization)

    @extend_schema(responses={201: WebhookWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webhook, secret = webhook_create(organization=self.organization, **serializer.validated_data)
        return Response(_with_secret(webhook, secret), status=status.HTTP_201_CREATED, headers=etag(webhook.version))

    def service_update(self, webhook, version, data):
        return webhook_update(webhook=webhook, version=version, **data)

    def service_delete(self, webhook):
        webhook_delete(webhook=webhook)

    @extend_schema(request=None, responses={201: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        """Send a signed `ping` now; the answer is the delivery as recorded in the log."""
        delivery = webhook_test_send(webhook=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VersionSerializer, responses={200: WebhookWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        """A new signing secret, in this response only; the old one stops signing at once."""
        version = requested_version(request, required=False)
        webhook, secret = webhook_secret_rotate(webhook=self.get_object(), version=version)
        return Response(_with_secret(webhook, secret), headers=etag(webhook.version))

    @extend_schema(request=None, responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=PagePagination)
    def deliveries(self, request, *args, **kwargs):
        """The delivery log, newest first: event, outcome and response time of every attempt."""
        log = WebhookDelivery.objects.filter(webhook=self.get_object()).order_by("-id")
        page = self.paginate_queryset(log)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class AuditScheduleSerializer(VersionSerializer):
    cron = serializers.CharField(
        max_length=200,
        help_text="Five cron fields in UTC, e.g. “0 2 * * *”, or the schedule in words: “every weekday at 06:00”, "
        "“every week on Monday at 09:00”, “every month on day 1 at 02:00”, “every day at 02:00”.",
    )
    enabled = serializers.BooleanField(default=True)


AUDIT_SCHEDULE_RESPONSE = inline_serializer(
    "AuditSchedule",
    {
        "cron": serializers.CharField(),
        "enabled": serializers.BooleanField(),
        "description": serializers.CharField(),
        "words": serializers.CharField(help_text="As the settings page chooses it, or the cron when no form matches."),
        "next_runs": serializers.ListField(child=serializers.DateTimeField()),
        "timezone": serializers.CharField(),
        "version": VersionField(read_only=True, allow_null=True),
    },
)


def _schedule_document(preview: SchedulePreview, *, enabled: bool | None, version: int | None) -> dict:
    return {
        "cron": preview.cron,
        "enabled": enabled,
        "description": preview.description,
        "words": preview.words,
        "next_runs": [run.isoformat() for run in preview.next_runs],
        "timezone": preview.timezone,
        "version": version,
    }


class AuditScheduleView(OrganizationScopedMixin, APIView):
    """When the organization is audited, in words and as its next runs. `?cron=` previews another
    schedule without saving it; PUT changes it (admins, with the version read)."""

    write_role = Membership.Role.ADMIN

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "cron", str, description="A schedule (cron or words) to preview instead; nothing is saved."
            )
        ],
        responses=AUDIT_SCHEDULE_RESPONSE,
    )
    def get(self, request, org):
        candidate = request.query_params.get("cron")
        if candidate is not None:
            return Response(_schedule_document(schedule_preview(cron=candidate), enabled=None, version=None))
        return self._current()

    @extend_schema(request=AuditScheduleSerializer, responses=AUDIT_SCHEDULE_RESPONSE)
    def put(self, request, org):
        version = requested_version(request)
        serializer = AuditScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cron = serializer.validated_data["cron"]
        schedule_preview(cron=cron)  # the cron's errors under "cron", before anything is locked
        audit_schedule_set(
            organization=self.organization,
            enabled=serializer.validated_data["enabled"],
            version=version,
            **crontab_fields(cron),
        )
        return self._current()

    def _current(self) -> Response:
        task = audit_schedule_get(organization=self.organization)
        version = audit_schedule_version(task)
        preview = schedule_preview(cron=crontab_text(task.crontab))
        return Response(_schedule_document(preview, enabled=task.enabled, version=version), headers=etag(version))
