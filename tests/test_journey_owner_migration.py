"""The journey manager moves from Journey.owner to ownership's JourneyOwner: no manager is lost,
no journey changes, and the database still keeps manager and journey in one organization."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from .test_name_migration import same_organization_checks

BEFORE = [("journeys", "0004_name_keys"), ("ownership", "0012_merge")]
AFTER = [("journeys", "0005_journey_owner_moved"), ("ownership", "0014_journey_owner_moved")]


def migrated(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def journey_columns() -> list[str]:
    with connection.cursor() as cursor:
        return [column.name for column in connection.introspection.get_table_description(cursor, "journeys_journey")]


@pytest.mark.usefixtures("latest_schema_afterwards")
def test_every_journey_keeps_its_manager_and_gets_it_back_backwards():
    apps = migrated(BEFORE)
    Organization = apps.get_model("orgs", "Organization")
    Function = apps.get_model("ownership", "Function")
    Role = apps.get_model("ownership", "Role")
    Journey = apps.get_model("journeys", "Journey")
    acme, other = (Organization.objects.create(name=name, slug=name.lower()) for name in ("Acme", "Other"))
    service = Function.objects.create(organization=acme, name="Service", name_key="service", position=1)
    sales = Function.objects.create(organization=other, name="Sales", name_key="sales", position=1)
    head = Role.objects.create(organization=acme, function=service, title="Head of Service")
    theirs = Role.objects.create(organization=other, function=sales, title="CSO")
    managed = Journey.objects.create(organization=acme, name="Onboarding", name_key="onboarding", owner=head, version=7)
    unmanaged = Journey.objects.create(organization=acme, name="Support", name_key="support", position=2)
    elsewhere = Journey.objects.create(organization=other, name="Buy", name_key="buy", owner=theirs)

    apps = migrated(AFTER)

    JourneyOwner = apps.get_model("ownership", "JourneyOwner")
    assert sorted(JourneyOwner.objects.values_list("journey_id", "role_id", "organization_id")) == [
        (managed.pk, head.pk, acme.pk),
        (elsewhere.pk, theirs.pk, other.pk),
    ]
    journeys = apps.get_model("journeys", "Journey").objects.order_by("id")
    assert [(j.name, j.version) for j in journeys] == [("Onboarding", 7), ("Support", 1), ("Buy", 1)]
    assert "owner_id" not in journey_columns()
    checks = same_organization_checks()
    assert not any(name.startswith("journey_owner_same_org") for name in checks)
    assert {"journeyowner_journey_same_org", "journeyowner_role_same_org"} <= {
        name.removesuffix("_insert").removesuffix("_update") for name in checks
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        JourneyOwner.objects.create(organization_id=acme.pk, journey_id=unmanaged.pk, role_id=theirs.pk)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    apps = migrated(BEFORE)

    owners = apps.get_model("journeys", "Journey").objects.values_list("pk", "owner_id")
    assert dict(owners) == {managed.pk: head.pk, unmanaged.pk: None, elsewhere.pk: theirs.pk}
    assert any(name.startswith("journey_owner_same_org") for name in same_organization_checks())
