"""The journey manager moves to the ownership side: every Journey.owner is copied into a
JourneyOwner row (0013), and journey_owner_same_org, the check that kept it in the journey's
organization from a journeys table naming an ownership table, goes. Backwards, the owners are
copied back and the check comes back.

Journey.owner pointed up from journeys at ownership.Role, so each app's migrations needed the
other's; now ownership points down at journeys. journeys 0005 drops the old column. It must
run after this copy, yet a journeys migration must not name ownership: `run_before` orders it
from this side. The older migrations keep their dependencies (journeys 0002 created the column
pointing at ownership 0001): existing databases have applied them as they are.
"""

from django.db import migrations

from cxowner.orgs.sameorg import SameParentRemoved


def owners_copied(apps, schema_editor):
    Journey = apps.get_model("journeys", "Journey")
    JourneyOwner = apps.get_model("ownership", "JourneyOwner")
    rows = Journey.objects.filter(owner__isnull=False).order_by("id")
    JourneyOwner.objects.bulk_create(
        [
            JourneyOwner(journey_id=journey_id, organization_id=organization_id, role_id=role_id)
            for journey_id, organization_id, role_id in rows.values_list("id", "organization_id", "owner_id")
        ],
        batch_size=1000,
    )


def owners_copied_back(apps, schema_editor):
    Journey = apps.get_model("journeys", "Journey")
    JourneyOwner = apps.get_model("ownership", "JourneyOwner")
    journeys = [
        Journey(pk=journey_id, owner_id=role_id)
        for journey_id, role_id in JourneyOwner.objects.order_by("journey_id").values_list("journey_id", "role_id")
    ]
    Journey.objects.bulk_update(journeys, ["owner"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0004_name_keys"),
        ("ownership", "0013_journey_owner"),
    ]
    run_before = [
        ("journeys", "0005_journey_owner_moved"),
    ]

    operations = [
        migrations.RunPython(owners_copied, owners_copied_back, elidable=False),
        SameParentRemoved(
            name="journey_owner_same_org",
            model="journeys.Journey",
            columns=["owner_id", "organization_id"],
            parent="ownership.Role",
            parent_columns=["id", "organization_id"],
        ),
    ]
