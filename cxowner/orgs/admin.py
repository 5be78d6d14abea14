from django.contrib import admin
from django.db import transaction

from .invitations import invitation_revoke
from .models import ApiToken, ChangeItem, ChangeSet, Invitation, LiveEvent, Membership, Organization
from .services import token_revoke
from .signals import MatrixScope, matrix_change_announce


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class AddedElsewhere:
    """Rows the product writes where its rules apply (a page, the API, the worker): the admin reads
    them and never adds one."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AnnouncesMatrixChanges:
    """For rows of the matrix (journeys, stages, touchpoints, functions, roles, letters) changed in
    the admin, behind the services: the write is announced to the whole organization in its
    transaction, as a service would announce it, so the live gaps are brought up to date and the
    organization's change counter moves. The API's 304s and kept answers are keyed on that counter
    (cxowner/orgs/api/answers.py): without it they would go on serving the matrix as it was."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _announce({form.instance.organization_id})

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            _announce({obj.organization_id})

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            organizations = set(queryset.values_list("organization_id", flat=True))
            super().delete_queryset(request, queryset)
            _announce(organizations)


def _announce(organizations: set[int]) -> None:
    scope = MatrixScope.of("admin", organization_wide=True)
    for organization_id in sorted(organizations):
        matrix_change_announce(organization_id=organization_id, scope=scope)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    autocomplete_fields = ["user", "organization"]


@admin.register(ApiToken)
class ApiTokenAdmin(AddedElsewhere, admin.ModelAdmin):
    """Tokens are created through the members page or the API (the key is shown once there);
    the admin lists and revokes them, it cannot mint keys it would have to display."""

    list_display = ["name", "organization", "role", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["organization", "role"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "key_hash", "created_by", "created_at", "last_used_at"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token)


@admin.register(Invitation)
class InvitationAdmin(AddedElsewhere, admin.ModelAdmin):
    """Invitations are sent from the members page or the API (the link is e-mailed once there);
    the admin lists them and withdraws them."""

    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organization", "role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "created_at", "accepted_at", "accepted_by"]
    actions = ["withdraw"]

    @admin.action(description="Withdraw the selected invitations")
    def withdraw(self, request, queryset):
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True):
            invitation_revoke(invitation=invitation)


class ReadOnlyAdmin(AddedElsewhere, admin.ModelAdmin):
    """The history is append-only: the admin shows it and changes nothing."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChangeItemInline(admin.TabularInline):
    model = ChangeItem
    extra = 0
    can_delete = False
    fields = ["object_type", "object_id", "field", "before", "after", "touchpoint_id", "function_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChangeSet)
class ChangeSetAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organization", "actor_label", "surface", "kind", "summary"]
    list_filter = ["surface", "kind", "organization"]
    search_fields = ["summary", "actor_label"]
    list_select_related = ["organization"]
    inlines = [ChangeItemInline]


@admin.register(ChangeItem)
class ChangeItemAdmin(ReadOnlyAdmin):
    list_display = ["change_set", "object_type", "object_id", "field", "before", "after"]
    list_select_related = ["change_set__organization"]


@admin.register(LiveEvent)
class LiveEventAdmin(ReadOnlyAdmin):
    """The live feed the open pages followed: read-only, like the history it mirrors."""

    list_display = ["id", "created_at", "organization", "message"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
