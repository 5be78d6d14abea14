"""API serializers of functions and roles."""

from rest_framework import serializers

from cxowner.orgs.api.fields import StrictModelSerializer
from cxowner.orgs.api.versions import VersionField
from cxowner.orgs.models import Membership
from journeys.api.serializers import OrganizationPrimaryKeyField
from ownership.models import Function, Role


class FunctionSerializer(StrictModelSerializer):
    # No bounds in the schema: stored positions are only an order (they may start at 0); a
    # written one is a place, checked in validate_position.
    position = serializers.IntegerField(
        required=False, help_text="The column's place; write 1 for the first column (the others renumber)."
    )
    version = VersionField(read_only=True)

    class Meta:
        model = Function
        fields = ["id", "name", "position", "version"]
        read_only_fields = ["id", "version"]

    def validate_position(self, position: int) -> int:
        if not 1 <= position <= 100_000:
            raise serializers.ValidationError("A position is a column's place: 1 for the first column.")
        return position


class RoleSerializer(StrictModelSerializer):
    function = OrganizationPrimaryKeyField(queryset=Function.objects.all())
    holder_member = OrganizationPrimaryKeyField(
        queryset=Membership.objects.select_related("user"),
        allow_null=True,
        required=False,
        help_text="The membership of the holder, if a member holds the role: their name and e-mail fill in.",
    )
    is_vacant = serializers.BooleanField(read_only=True)
    version = VersionField(read_only=True)

    class Meta:
        model = Role
        fields = ["id", "function", "title", "holder_name", "holder_email", "holder_member", "is_vacant", "version"]
        read_only_fields = ["id", "is_vacant", "version"]

    def validate_function(self, function):
        if self.instance is not None and function != self.instance.function:
            raise serializers.ValidationError("A role cannot move to another function.")
        return function
