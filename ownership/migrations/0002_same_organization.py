"""Related rows stay inside one organization, checked by the database (see cxowner/orgs/sameorg.py)."""

from django.db import migrations

from cxowner.orgs.sameorg import SameParent


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0001_initial"),
        ("journeys", "0002_initial"),
    ]

    operations = [
        SameParent(
            name="role_function_same_org",
            model="ownership.Role",
            columns=["function_id", "organization_id"],
            parent="ownership.Function",
            parent_columns=["id", "organization_id"],
        ),
        SameParent(
            name="journey_owner_same_org",
            model="journeys.Journey",
            columns=["owner_id", "organization_id"],
            parent="ownership.Role",
            parent_columns=["id", "organization_id"],
        ),
        SameParent(
            name="stage_journey_same_org",
            model="journeys.Stage",
            columns=["journey_id", "organization_id"],
            parent="journeys.Journey",
            parent_columns=["id", "organization_id"],
        ),
        SameParent(
            name="touchpoint_journey_same_org",
            model="journeys.Touchpoint",
            columns=["journey_id", "organization_id"],
            parent="journeys.Journey",
            parent_columns=["id", "organization_id"],
        ),
        SameParent(
            name="touchpoint_stage_same_journey",
            model="journeys.Touchpoint",
            columns=["stage_id", "journey_id"],
            parent="journeys.Stage",
            parent_columns=["id", "journey_id"],
        ),
        SameParent(
            name="assignment_touchpoint_same_org",
            model="ownership.Assignment",
            columns=["touchpoint_id", "organization_id"],
            parent="journeys.Touchpoint",
            parent_columns=["id", "organization_id"],
        ),
        SameParent(
            name="assignment_function_same_org",
            model="ownership.Assignment",
            columns=["function_id", "organization_id"],
            parent="ownership.Function",
            parent_columns=["id", "organization_id"],
        ),
        SameParent(
            name="assignment_role_of_function",
            model="ownership.Assignment",
            columns=["role_id", "function_id"],
            parent="ownership.Role",
            parent_columns=["id", "function_id"],
        ),
    ]
