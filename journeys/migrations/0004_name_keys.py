"""Names unique as people read them: a normalised key per journey, stage and touchpoint.

Existing rows whose names differ only in case or spacing ("Cashier" and "cashier" in one
journey) are kept, the younger renamed "Cashier (2)": no row and no letter is lost.
"""

from django.db import migrations, models

from cxowner.orgs.names import names_deduplicated
from cxowner.orgs.sameorg import SqliteTriggersKept


def fill_name_keys(apps, schema_editor):
    for model_name, scope in (("Journey", "organization_id"), ("Stage", "journey_id"), ("Touchpoint", "journey_id")):
        model = apps.get_model("journeys", model_name)
        rows = list(model.objects.only("id", "name", scope, "name_key"))
        names_deduplicated(rows, lambda row, scope=scope: getattr(row, scope))
        model.objects.bulk_update(rows, ["name", "name_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0003_keyset_indexes"),
    ]

    operations = SqliteTriggersKept("journeys_journey", "journeys_stage", "journeys_touchpoint").around(
        migrations.AddField(
            model_name="journey",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.AddField(
            model_name="stage",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.AddField(
            model_name="touchpoint",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="journey", name="journey_unique_name"),
        migrations.RemoveConstraint(model_name="stage", name="stage_unique_name"),
        migrations.RemoveConstraint(model_name="touchpoint", name="touchpoint_unique_name"),
        migrations.AddConstraint(
            model_name="journey",
            constraint=models.UniqueConstraint(
                fields=("organization", "name_key"),
                name="journey_unique_name_key",
                violation_error_code="duplicate_name",
                violation_error_message=(
                    "A journey with this name already exists (names are compared ignoring case, spaces and hyphens)."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="stage",
            constraint=models.UniqueConstraint(
                fields=("journey", "name_key"),
                name="stage_unique_name_key",
                violation_error_code="duplicate_name",
                violation_error_message=(
                    "A stage with this name already exists in this journey "
                    "(names are compared ignoring case, spaces and hyphens)."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="touchpoint",
            constraint=models.UniqueConstraint(
                fields=("journey", "name_key"),
                name="touchpoint_unique_name_key",
                violation_error_code="duplicate_name",
                violation_error_message=(
                    "A touchpoint with this name already exists in this journey "
                    "(names are compared ignoring case, spaces and hyphens)."
                ),
            ),
        ),
    )
