"""Assignments carry a version like every other writable row (the API's If-Match on a role change).

SQLite adds the column by rebuilding the table, which drops the table's triggers: the
same-organization checks of 0002 are created again there (PostgreSQL keeps its constraints).
"""

from django.db import migrations, models

from cxowner.orgs.sameorg import SameParent


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0004_keyset_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        SameParent(
            name="assignment_touchpoint_same_org",
            model="ownership.Assignment",
            columns=["touchpoint_id", "organization_id"],
            parent="journeys.Touchpoint",
            parent_columns=["id", "organization_id"],
            vendors=("sqlite",),
        ),
        SameParent(
            name="assignment_function_same_org",
            model="ownership.Assignment",
            columns=["function_id", "organization_id"],
            parent="ownership.Function",
            parent_columns=["id", "organization_id"],
            vendors=("sqlite",),
        ),
        SameParent(
            name="assignment_role_of_function",
            model="ownership.Assignment",
            columns=["role_id", "function_id"],
            parent="ownership.Role",
            parent_columns=["id", "function_id"],
            vendors=("sqlite",),
        ),
    ]
