"""API serializers of imports and import jobs."""

from rest_framework import serializers

from ownership.imports.jobs import import_job_rows_done
from ownership.imports.reading import IMPORT_OPTION_FIELDS, LAYOUT_CHOICES, import_options
from ownership.models import ImportJob


class ImportSerializer(serializers.Serializer):
    """A RACI chart to import and how to read it (docs/import.md)."""

    file = serializers.FileField(
        required=False, help_text="The matrix file, or a published chart: CSV, XLSX, Markdown (.md) or HTML (.html)."
    )
    text = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="Instead of a file: a Markdown, HTML, CSV or tab-separated table.",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Check and summarise without changing anything.")
    layout = serializers.ChoiceField(
        choices=["", *LAYOUT_CHOICES], default="", help_text="standard, activity or transposed; empty: detected."
    )
    journey = serializers.CharField(
        default="",
        max_length=200,
        help_text="The journey of a table without one; default: named from its title, sheet or file.",
    )
    stage = serializers.CharField(default="", max_length=200, help_text="The stage of rows above any heading.")
    letter_map = serializers.CharField(
        default="", max_length=200, help_text='Other letters as R, A, C, I: "S=R,W=I,V=C,O=" (empty: left out).'
    )
    table = serializers.IntegerField(
        required=False, min_value=1, help_text="Read only the Nth table; default: every RACI table, one stage each."
    )
    touchpoint_column = serializers.CharField(default="", max_length=200, help_text="The activity column's header.")
    keep_remarks = serializers.BooleanField(
        default=False, help_text='Keep "(…)" after function names in transposed cells.'
    )
    heading_rows = serializers.BooleanField(default=True, help_text="Read one-cell rows as stage headings.")
    replace = serializers.BooleanField(
        default=False,
        help_text="Replace the file's journeys: delete their touchpoints and stages the file does not list "
        "(default: kept).",
    )

    OPTION_FIELDS = IMPORT_OPTION_FIELDS

    def option_values(self) -> dict:
        """The reading options as import_options takes them: kept with a job that reads the file later."""
        return {name: self.validated_data.get(name) for name in self.OPTION_FIELDS}

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("text", "").strip():
            raise serializers.ValidationError({"file": "Send a file, or the table as text."})
        try:
            attrs["options"] = import_options(
                **{name: attrs.get(name) for name in ("layout", "journey", "stage", "letter_map", "table")},
                touchpoint_column=attrs["touchpoint_column"],
                keep_remarks=attrs["keep_remarks"],
                heading_rows=attrs["heading_rows"],
                replace=attrs["replace"],
            )
        except ValueError as error:
            raise serializers.ValidationError(
                {"letter_map" if "letter map" in str(error) else "layout": str(error)}
            ) from None
        return attrs


class ImportJobSerializer(serializers.ModelSerializer):
    rows_done = serializers.SerializerMethodField(help_text="Rows applied so far (of `rows`).")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "dry_run",
            "status",
            "rows",
            "rows_done",
            "summary",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_rows_done(self, job) -> int:
        return import_job_rows_done(job)


class ImportSummarySerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    journeys_created = serializers.ListField(child=serializers.CharField())
    journeys_replaced = serializers.ListField(child=serializers.CharField())
    functions_created = serializers.ListField(child=serializers.CharField())
    names_matched = serializers.ListField(
        child=serializers.CharField(),
        help_text="Names in the file that are a stored journey or function spelled differently (case, spaces).",
    )
    touchpoints_created = serializers.IntegerField()
    touchpoints_updated = serializers.IntegerField()
    touchpoints_deleted = serializers.IntegerField()
    stages_deleted = serializers.IntegerField()
    letters_added = serializers.IntegerField()
    letters_removed = serializers.IntegerField()
    layout = serializers.CharField(help_text="How the table was read: standard, activity or transposed.")
    table = serializers.CharField(help_text="Which table of the source was read.")
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="Columns ignored, headings, letters mapped …"
    )
    journey_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The journeys imported (not in a dry run)."
    )
