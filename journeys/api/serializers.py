"""Serializers for journeys, stages and touchpoints.

Writable fields are explicit allow-lists; id, organization, version and timestamps are read-only.
Related objects are looked up inside the caller's organization only, so a reference to another
organization's row is a 400 ("does not exist"), never a leak.
"""

from rest_framework import serializers

from cxowner.orgs.api.fields import StrictModelSerializer
from cxowner.orgs.api.versions import VersionField
from journeys.models import TOUCHPOINT_DETAILS, Journey, Stage, Touchpoint

# The largest position a client may ask for; services clamp to the real end anyway.
MAX_POSITION = 100_000


def validate_position(value: int) -> int:
    # Not a field bound: rows written by imports and bulk loads may hold 0, and reading them back
    # must still match the schema. Only what a client asks for is checked.
    if not 1 <= value <= MAX_POSITION:
        raise serializers.ValidationError(f"A position is between 1 and {MAX_POSITION}.")
    return value


class OrganizationPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A reference to a row of the organization in the serializer's context."""

    def get_queryset(self):
        organization = self.context.get("organization")
        queryset = super().get_queryset()
        return queryset.filter(organization=organization) if organization else queryset.none()


# A journey's own fields; the API serves it with its manager (ownership/api/journeys.py).
class JourneySerializer(StrictModelSerializer):
    version = VersionField(read_only=True)

    class Meta:
        model = Journey
        fields = ["id", "name", "persona", "description", "position", "version"]
        read_only_fields = ["id", "position", "version"]


class StageSerializer(StrictModelSerializer):
    journey = OrganizationPrimaryKeyField(queryset=Journey.objects.all())
    position = serializers.IntegerField(required=False, help_text="1-based place among the journey's stages.")
    version = VersionField(read_only=True)

    class Meta:
        model = Stage
        fields = ["id", "journey", "name", "position", "version"]
        read_only_fields = ["id", "version"]

    def validate_position(self, value):
        return validate_position(value)

    def validate_journey(self, journey):
        if self.instance is not None and journey != self.instance.journey:
            raise serializers.ValidationError("A stage cannot move to another journey.")
        return journey


class TouchpointAssignmentSerializer(serializers.Serializer):
    """One letter on the touchpoint, as embedded in the touchpoint list."""

    id = serializers.IntegerField()
    function = serializers.IntegerField(source="function_id")
    letter = serializers.CharField()
    role = serializers.IntegerField(source="role_id", allow_null=True)


class TouchpointSerializer(StrictModelSerializer):
    stage = OrganizationPrimaryKeyField(queryset=Stage.objects.all())
    position = serializers.IntegerField(required=False, help_text="1-based place within the stage.")
    importance = serializers.IntegerField(min_value=1, max_value=5, required=False)
    assignments = TouchpointAssignmentSerializer(many=True, read_only=True)
    version = VersionField(read_only=True)

    class Meta:
        model = Touchpoint
        fields = ["id", "journey", "stage", "name", "position", *TOUCHPOINT_DETAILS, "version", "assignments"]
        read_only_fields = ["id", "journey", "version", "assignments"]

    def validate_position(self, value):
        return validate_position(value)

    def validate_stage(self, stage):
        if self.instance is not None and stage.journey_id != self.instance.journey_id:
            raise serializers.ValidationError("A touchpoint can only move to a stage of its own journey.")
        return stage
