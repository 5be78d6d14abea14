"""Function names unique as people read them, and as the matrix file's headers read them.

"Customer Service" and "customer-service" are one column of the matrix file: where both exist,
the younger is renamed "customer-service (2)"; its roles and letters stay with it.
"""

from django.db import migrations, models

from cxowner.orgs.names import names_deduplicated
from cxowner.orgs.sameorg import SqliteTriggersKept


def fill_name_keys(apps, schema_editor):
    model = apps.get_model("ownership", "Function")
    rows = list(model.objects.only("id", "name", "organization_id", "name_key"))
    names_deduplicated(rows, lambda row: row.organization_id)
    model.objects.bulk_update(rows, ["name", "name_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0005_assignment_version"),
    ]

    operations = SqliteTriggersKept("ownership_function").around(
        migrations.AddField(
            model_name="function",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="function", name="function_unique_name"),
        migrations.AddConstraint(
            model_name="function",
            constraint=models.UniqueConstraint(
                fields=("organization", "name_key"),
                name="function_unique_name_key",
                violation_error_code="duplicate_name",
                violation_error_message=(
                    "A function with this name already exists (names are compared ignoring case, spaces and hyphens)."
                ),
            ),
        ),
    )
