from django.contrib import admin
from django.db import models

from cxowner.orgs.admin import AddedElsewhere, AnnouncesMatrixChanges
from ownership.models import (
    Assignment,
    AuditNotice,
    AuditRun,
    Function,
    Gap,
    GapComment,
    GapEvent,
    ImportJob,
    InboxItem,
    InboxPreference,
    JourneyOwner,
    ReportDelivery,
    ReportJob,
    ReportSchedule,
    ReviewCampaign,
    ReviewItem,
    Role,
    Scenario,
    ScenarioOperation,
    ScimGroup,
    ScimGroupMember,
    ScimUser,
    Webhook,
    WebhookDelivery,
)

# A delivery attempt, as its log records it.
DELIVERY_FIELDS = ["run", "attempt", "attempted_at", "status_code", "succeeded", "duration_ms", "error"]


@admin.register(Function)
class FunctionAdmin(AnnouncesMatrixChanges, admin.ModelAdmin):
    list_display = ["name", "organization", "position"]
    list_filter = ["organization"]
    search_fields = ["name"]


@admin.register(Role)
class RoleAdmin(AnnouncesMatrixChanges, admin.ModelAdmin):
    list_display = ["title", "function", "holder_name", "holder_email"]
    list_filter = ["organization"]
    search_fields = ["title", "holder_name", "holder_email"]
    list_select_related = ["function"]
    raw_id_fields = ["function", "holder_member"]


@admin.register(JourneyOwner)
class JourneyOwnerAdmin(AnnouncesMatrixChanges, admin.ModelAdmin):
    list_display = ["journey", "role", "organization"]
    list_filter = ["organization"]
    search_fields = ["journey__name", "role__title"]
    list_select_related = ["journey", "role", "organization"]
    raw_id_fields = ["journey", "role"]
    exclude = ["organization"]  # the journey's; the database refuses a role of another one

    def save_model(self, request, obj, form, change):
        obj.organization_id = obj.journey.organization_id
        super().save_model(request, obj, form, change)


@admin.register(Assignment)
class AssignmentAdmin(AnnouncesMatrixChanges, admin.ModelAdmin):
    list_display = ["touchpoint", "function", "letter", "role", "created_at", "confirmed_at"]
    list_filter = ["organization", "letter"]
    search_fields = ["touchpoint__name", "function__name"]
    list_select_related = ["touchpoint", "function", "role"]
    raw_id_fields = ["touchpoint", "function", "role", "confirmed_by"]


class GapEventInline(admin.TabularInline):
    model = GapEvent
    extra = 0
    raw_id_fields = ["gap"]
    readonly_fields = ["gap", "kind", "at", "cause"]
    exclude = ["organization"]


@admin.register(AuditRun)
class AuditRunAdmin(admin.ModelAdmin):
    list_display = ["organization", "trigger", "status", "requested_at", "coverage", "opened_count", "resolved_count"]
    list_filter = ["organization", "status", "trigger"]
    readonly_fields = ["counts_by_rule", "counts_by_severity", "repaired", "events_after", "events_through"]
    inlines = [GapEventInline]


@admin.register(Gap)
class GapAdmin(admin.ModelAdmin):
    list_display = ["__str__", "rule", "severity", "score", "workflow_status", "assignee", "due_on", "resolved_at"]
    list_filter = ["organization", "rule", "severity", "workflow_status"]
    search_fields = ["fingerprint"]
    raw_id_fields = ["journey", "touchpoint", "next_touchpoint", "function", "first_seen_run", "assignee"]


@admin.register(GapComment)
class GapCommentAdmin(AddedElsewhere, admin.ModelAdmin):
    # Comments are written on the gap's page, where the workflow rules apply.
    list_display = ["__str__", "gap", "author", "created_at"]
    list_filter = ["organization"]
    raw_id_fields = ["gap", "author"]
    exclude = ["organization"]  # the gap's, set by the service
    readonly_fields = ["gap", "author", "body"]


@admin.register(InboxItem)
class InboxItemAdmin(AddedElsewhere, admin.ModelAdmin):
    # Items are made by what happens to a member (ownership.inbox); the admin only reads them.
    list_display = ["__str__", "kind", "recipient", "created_at", "read_at"]
    list_filter = ["organization", "kind"]
    raw_id_fields = ["recipient", "actor", "gap", "comment", "campaign", "role"]
    readonly_fields = ["organization", "recipient", "kind", "actor", "gap", "comment", "campaign", "role", "due_on"]


@admin.register(InboxPreference)
class InboxPreferenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "membership", "email"]
    raw_id_fields = ["membership"]


@admin.register(GapEvent)
class GapEventAdmin(admin.ModelAdmin):
    list_display = ["gap", "kind", "at", "cause", "run"]
    list_filter = ["kind", "cause"]
    raw_id_fields = ["gap", "run", "organization"]


class WebhookDeliveryInline(AddedElsewhere, admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    ordering = ["-attempted_at", "-id"]
    raw_id_fields = ["run"]
    readonly_fields = DELIVERY_FIELDS


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "active", "created_at"]
    list_filter = ["organization", "active"]
    search_fields = ["url", "description"]
    inlines = [WebhookDeliveryInline]
    # Receivers are reached over TLS unless the admin writes http:// explicitly.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AddedElsewhere, admin.ModelAdmin):
    """The delivery log: read-only, it records what happened."""

    list_display = ["webhook", "run", "attempt", "attempted_at", "status_code", "succeeded", "duration_ms"]
    list_filter = ["succeeded", "webhook__organization"]
    list_select_related = ["webhook"]
    raw_id_fields = ["webhook", "run"]
    readonly_fields = ["webhook", *DELIVERY_FIELDS]


@admin.register(AuditNotice)
class AuditNoticeAdmin(admin.ModelAdmin):
    list_display = ["run", "sent_at", "webhooks"]
    raw_id_fields = ["run"]
    readonly_fields = ["run", "sent_at", "recipients", "webhooks"]


@admin.register(ImportJob)
class ImportJobAdmin(AddedElsewhere, admin.ModelAdmin):
    """Large imports run by the worker: listed to follow them; they start from the import page or the API."""

    list_display = ["filename", "organization", "dry_run", "status", "rows", "created_at", "finished_at"]
    list_filter = ["status", "dry_run", "organization"]
    exclude = ["data"]
    readonly_fields = [
        "organization",
        "created_by",
        "filename",
        "dry_run",
        "rows",
        "status",
        "summary",
        "errors",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")


@admin.register(ReportJob)
class ReportJobAdmin(AddedElsewhere, admin.ModelAdmin):
    """Report PDFs drawn by the worker: listed to follow them; people ask for them on the report
    page or through the API."""

    list_display = ["organization", "journey", "today", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "organization"]
    exclude = ["pdf"]
    readonly_fields = [
        "organization",
        "journey",
        "created_by",
        "key",
        "today",
        "status",
        "attempts",
        "filename",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")


@admin.register(ReportSchedule)
class ReportScheduleAdmin(AddedElsewhere, admin.ModelAdmin):
    """The monthly report mail: read here; admins change it on the report page or through the API,
    where the change is recorded."""

    list_display = ["organization", "monthly", "version"]
    list_filter = ["monthly"]
    readonly_fields = ["organization", "monthly", "recipients", "version"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(AddedElsewhere, admin.ModelAdmin):
    """Which month's report went to whom: written by the monthly mail, kept as its record."""

    list_display = ["organization", "month", "sent_at", "coverage"]
    list_filter = ["organization"]
    readonly_fields = ["organization", "month", "sent_at", "recipients", "coverage"]


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "journey", "started_at", "ends_on", "status", "last_reminded_on"]
    list_filter = ["organization", "status"]
    search_fields = ["name"]
    list_select_related = ["organization", "journey"]
    raw_id_fields = ["journey", "started_by"]


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ["campaign", "touchpoint", "function", "role", "outcome"]
    list_filter = ["organization", "outcome"]
    list_select_related = ["campaign", "touchpoint", "function", "role"]
    raw_id_fields = ["campaign", "assignment", "touchpoint", "function", "role"]


class ScenarioOperationInline(AddedElsewhere, admin.TabularInline):
    model = ScenarioOperation
    extra = 0
    can_delete = False
    readonly_fields = ["position", "kind", "arguments"]


@admin.register(Scenario)
class ScenarioAdmin(AddedElsewhere, admin.ModelAdmin):
    """What-if drafts, read-only: drawn, applied and discarded on their pages, where the checks apply."""

    list_display = ["name", "organization", "status", "created_by", "updated_at"]
    list_filter = ["status", "organization"]
    inlines = [ScenarioOperationInline]
    readonly_fields = [
        "organization",
        "name",
        "created_by",
        "base_matrix_version",
        "base",
        "status",
        "version",
        "created_at",
        "updated_at",
        "closed_at",
    ]


@admin.register(ScenarioOperation)
class ScenarioOperationAdmin(AddedElsewhere, admin.ModelAdmin):
    list_display = ["scenario", "position", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["scenario"]
    readonly_fields = ["scenario", "position", "kind", "arguments"]


class WrittenByTheProvider(AddedElsewhere):
    """What an identity provider keeps through SCIM (ownership.provisioning): read here, written
    only through SCIM and the members page, whose services make leavers' roles vacant."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScimUser)
class ScimUserAdmin(WrittenByTheProvider, admin.ModelAdmin):
    list_display = ["__str__", "organization", "external_id", "active", "updated_at"]
    list_filter = ["organization", "active"]


@admin.register(ScimGroup)
class ScimGroupAdmin(WrittenByTheProvider, admin.ModelAdmin):
    list_display = ["display_name", "organization", "role", "holds"]
    list_filter = ["organization"]


@admin.register(ScimGroupMember)
class ScimGroupMemberAdmin(WrittenByTheProvider, admin.ModelAdmin):
    list_display = ["__str__", "group", "user"]
