"""Serializers for organizations, members and API tokens. Writable fields are explicit allow-lists."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxowner.orgs.api.fields import StrictCharField, StrictModelSerializer
from cxowner.orgs.api.versions import VersionField
from cxowner.orgs.models import ApiToken, Invitation, Membership, Organization
from cxowner.orgs.services import ORGANIZATION_SETTINGS, organization_settings_version


class OrganizationSerializer(StrictModelSerializer):
    role = serializers.SerializerMethodField(help_text="The caller's role in this organization.")
    # The settings' version is a fingerprint of their values, not a column: read through a method.
    version = serializers.SerializerMethodField()
    bottleneck_share = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("1")
    )

    class Meta:
        model = Organization
        fields = ["slug", "created_at", "role", "version", *ORGANIZATION_SETTINGS]
        read_only_fields = ["slug", "created_at", "role", "version"]
        extra_kwargs = {
            "responsible_limit": {"min_value": 0, "max_value": 1000},
            "consult_limit": {"min_value": 0, "max_value": 1000},
            "inform_limit": {"min_value": 0, "max_value": 1000},
            "bottleneck_min_touchpoints": {"min_value": 1, "max_value": 10_000_000},
            "review_period_days": {"min_value": 1, "max_value": 36500},
        }

    def get_role(self, organization) -> str | None:
        return self.context.get("roles", {}).get(organization.pk)

    @extend_schema_field(VersionField(read_only=True))
    def get_version(self, organization) -> int:
        return organization_settings_version(organization)


class MembershipSerializer(StrictModelSerializer):
    # No e-mail: an answer never carries another user's address.
    username = StrictCharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "role", "created_at"]
        read_only_fields = ["id", "username", "role", "created_at"]


class InvitationSerializer(StrictModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at"]
        read_only_fields = ["id", "created_at", "expires_at"]
        extra_kwargs = {"role": {"required": True}, "email": {"required": True}}


class InvitationCreatedSerializer(InvitationSerializer):
    accept_url = serializers.CharField(
        read_only=True, help_text="The one-time link, also sent by e-mail: shown once, never stored."
    )
    mail_sent = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="Whether the e-mail with the link went out; false: pass the link on yourself.",
    )

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "accept_url", "mail_sent"]
        read_only_fields = [*InvitationSerializer.Meta.fields, "accept_url", "mail_sent"]


class MembershipRoleSerializer(StrictModelSerializer):
    class Meta:
        model = Membership
        fields = ["role"]
        extra_kwargs = {"role": {"required": True}}


class ApiTokenSerializer(StrictModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "role", "scope", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
        read_only_fields = ["id", "prefix", "created_at", "revoked_at", "last_used_at"]
        extra_kwargs = {"role": {"required": True}}


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The key: shown once, never stored.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = [*ApiTokenSerializer.Meta.fields]


class PingSerializer(serializers.Serializer):
    status = serializers.CharField()
    version = serializers.CharField()
