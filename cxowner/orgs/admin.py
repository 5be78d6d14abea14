from django.contrib import admin

from .invitations import invitation_revoke
from .models import ApiToken, Invitation, Membership, Organization
from .services import token_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


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
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created through the members page or the API (the key is shown once there);
    the admin lists and revokes them, it cannot mint keys it would have to display."""

    list_display = ["name", "organization", "role", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["organization", "role"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "key_hash", "created_by", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the members page or the API (the link is e-mailed once there);
    the admin lists them and withdraws them."""

    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organization", "role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "created_at", "accepted_at", "accepted_by"]
    actions = ["withdraw"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Withdraw the selected invitations")
    def withdraw(self, request, queryset):
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True):
            invitation_revoke(invitation=invitation)
