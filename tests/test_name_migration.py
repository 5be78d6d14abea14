"""The name-key migrations keep every row: names that differ only in case or spacing are renamed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Organizations as they were then too: later columns (the change counter) are not in that state.
BEFORE = [("orgs", "0003_cache_table"), ("journeys", "0003_keyset_indexes"), ("ownership", "0005_assignment_version")]
AFTER = [("orgs", "0003_cache_table"), ("journeys", "0004_name_keys"), ("ownership", "0006_function_name_key")]


def same_organization_checks() -> set[str]:
    """The database's same-organization checks (cxowner/orgs/sameorg.py): composite foreign
    keys on PostgreSQL, triggers on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' AND cardinality(conkey) > 1")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.usefixtures("latest_schema_afterwards")
def test_existing_case_variants_are_renamed_and_nothing_is_lost():
    checks = same_organization_checks()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    organization = apps.get_model("orgs", "Organization").objects.create(name="Acme", slug="acme")
    Journey = apps.get_model("journeys", "Journey")
    Stage = apps.get_model("journeys", "Stage")
    Touchpoint = apps.get_model("journeys", "Touchpoint")
    Function = apps.get_model("ownership", "Function")
    Assignment = apps.get_model("ownership", "Assignment")
    first = Journey.objects.create(organization=organization, name="Onboarding", position=1)
    Journey.objects.create(organization=organization, name="ONBOARDING", position=2)
    stage = Stage.objects.create(organization=organization, journey=first, name="Pay", position=1)
    till = Touchpoint.objects.create(organization=organization, journey=first, stage=stage, name="Cashier", position=1)
    Touchpoint.objects.create(organization=organization, journey=first, stage=stage, name="cashier", position=2)
    service = Function.objects.create(organization=organization, name="Customer Service", position=1)
    other = Function.objects.create(organization=organization, name="customer-service", position=2)
    Assignment.objects.create(organization=organization, touchpoint=till, function=other, letter="A")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    journeys = apps.get_model("journeys", "Journey").objects.order_by("id")
    assert [(j.name, j.name_key) for j in journeys] == [
        ("Onboarding", "onboarding"),
        ("ONBOARDING (2)", "onboarding (2)"),
    ]
    touchpoints = apps.get_model("journeys", "Touchpoint").objects.order_by("id")
    assert [t.name for t in touchpoints] == ["Cashier", "cashier (2)"]
    functions = apps.get_model("ownership", "Function").objects.order_by("id")
    assert [(f.pk, f.name) for f in functions] == [(service.pk, "Customer Service"), (other.pk, "customer-service (2)")]
    assert apps.get_model("ownership", "Assignment").objects.get().function_id == other.pk

    # Back to the latest migrations, every same-organization check is there again (on SQLite,
    # migrations that rebuild a table must keep the triggers that name it).
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert same_organization_checks() == checks
