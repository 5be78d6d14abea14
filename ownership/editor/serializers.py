"""Serializers for functions, roles, assignments, the matrix, audit runs, gaps and imports.

Writable fields are explicit allow-lists; references resolve inside the caller's organization.
"""

from rest_framework import serializers

from cxowner.orgs.api.base import MAX_ID
from cxowner.orgs.api.fields import StrictModelSerializer
from cxowner.orgs.api.versions import VersionField, VersionSerializer
from journeys.api.serializers import OrganizationPrimaryKeyField
from journeys.models import Touchpoint
from ownership.engine.constants import LETTERS, parse_letters
from ownership.gaps.serializers import FindingSerializer
from ownership.models import Assignment, Function, Role

# One matrix PATCH writes at most this many cells: a whole 500 × 12 journey fits.
MAX_CELLS_PER_REQUEST = 10_000


class AssignmentSerializer(StrictModelSerializer):
    touchpoint = OrganizationPrimaryKeyField(queryset=Touchpoint.objects.all())
    function = OrganizationPrimaryKeyField(queryset=Function.objects.all())
    role = OrganizationPrimaryKeyField(queryset=Role.objects.all(), allow_null=True, required=False)
    letter = serializers.ChoiceField(choices=LETTERS)
    version = VersionField(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "touchpoint",
            "function",
            "letter",
            "role",
            "created_at",
            "confirmed_at",
            "confirmed_by",
            "version",
        ]
        read_only_fields = ["id", "created_at", "confirmed_at", "confirmed_by", "version"]
        # Uniqueness is the service's to check, with a clear message.
        validators: list = []


class AssignmentRoleSerializer(VersionSerializer):
    role = OrganizationPrimaryKeyField(queryset=Role.objects.all(), allow_null=True)


class LettersField(serializers.CharField):
    """A cell's letters as a string in any of the file's spellings ("A/R", "ar", "A + R"); "" is empty."""

    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, max_length=20, trim_whitespace=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        # CharField answers "" for a blank value without calling to_internal_value.
        return frozenset() if value == "" else value

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return parse_letters(text)
        except ValueError as error:
            raise serializers.ValidationError(str(error).capitalize() + ".") from None

    def to_representation(self, value):
        return "".join(letter for letter in LETTERS if letter in value)


class CellSerializer(serializers.Serializer):
    touchpoint = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    function = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    letters = LettersField(help_text="The letters the cell holds now, in canonical order R, A, C, I.")


class CellWriteSerializer(CellSerializer):
    expected = LettersField(
        help_text="What the cell held when you read it; a cell that changed meanwhile refuses the write (409)."
    )


class MatrixWriteSerializer(serializers.Serializer):
    cells = CellWriteSerializer(many=True, allow_empty=False, max_length=MAX_CELLS_PER_REQUEST)

    def validate_cells(self, cells):
        seen = set()
        for cell in cells:
            key = (cell["touchpoint"], cell["function"])
            if key in seen:
                raise serializers.ValidationError(f"Cell (touchpoint {key[0]}, function {key[1]}) appears twice.")
            seen.add(key)
        return cells


class MatrixStageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()


class MatrixTouchpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    importance = serializers.IntegerField()
    out_of_scope = serializers.BooleanField()
    version = VersionField(read_only=True)


class MatrixFunctionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MatrixSerializer(serializers.Serializer):
    """A journey's matrix: its rows, columns, the non-empty cells and the gaps found now."""

    journey = serializers.IntegerField()
    version = VersionField(
        read_only=True, help_text="The matrix's version (its ETag): If-Match on PATCH refuses a stale write (412)."
    )
    stages = MatrixStageSerializer(many=True)
    touchpoints = MatrixTouchpointSerializer(many=True)
    functions = MatrixFunctionSerializer(many=True)
    cells = CellSerializer(many=True)
    coverage = serializers.FloatField(allow_null=True, help_text="0–1; null when no touchpoint is in scope.")
    gaps = FindingSerializer(many=True)


class MatrixWrittenSerializer(serializers.Serializer):
    version = VersionField(read_only=True)
    cells = CellSerializer(many=True)
    coverage = serializers.FloatField(allow_null=True, help_text="0–1; null when no touchpoint is in scope.")
    gaps = FindingSerializer(many=True)
