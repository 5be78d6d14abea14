"""The journey manager gets its row on the ownership side: JourneyOwner (journey, role), one per
journey, kept in its journey's and its role's organization by the database (cxowner/orgs/sameorg.py).

0014 copies the owners into it. Apart, because PostgreSQL refuses to alter a table in the
transaction that has just written rows checked by deferred constraints.
"""

import django.db.models.deletion
from django.db import migrations, models

from cxowner.orgs.sameorg import SameParent


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0004_name_keys"),
        ("orgs", "0008_change_set_reverts"),
        ("ownership", "0012_merge"),
    ]

    operations = [
        migrations.CreateModel(
            name="JourneyOwner",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "journey",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="owner_link", to="journeys.journey"
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="orgs.organization"
                    ),
                ),
                (
                    "role",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="journey_owners",
                        to="ownership.role",
                    ),
                ),
            ],
        ),
        SameParent(
            name="journeyowner_journey_same_org",
            model="ownership.JourneyOwner",
            columns=["journey_id", "organization_id"],
            parent="journeys.Journey",
            parent_columns=["id", "organization_id"],
        ),
        SameParent(
            name="journeyowner_role_same_org",
            model="ownership.JourneyOwner",
            columns=["role_id", "organization_id"],
            parent="ownership.Role",
            parent_columns=["id", "organization_id"],
        ),
    ]
