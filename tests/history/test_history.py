"""The record of every change: who, when, through which surface, before and after — and never edited."""

import math

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.bulk import variables_per_statement
from cxowner.orgs.change_context import change_context, current_change_context
from cxowner.orgs.errors import StaleCells
from cxowner.orgs.history import AppendOnly, ChangeItem, ChangeSet
from cxowner.orgs.invitations import invitation_accept, invitation_create, invitation_revoke
from cxowner.orgs.models import Membership
from cxowner.orgs.services import (
    membership_remove,
    membership_set_role,
    organization_settings_update,
    token_create,
    token_revoke,
)
from journeys.services import journey_create, stage_create, touchpoint_delete, touchpoint_move, touchpoint_update
from ownership.editor.services import CellChange, cells_set
from ownership.imports.reading import import_options
from ownership.imports.services import matrix_import_file
from ownership.models import Function
from ownership.structure.services import function_create, function_delete, function_update, role_update
from tests.factories import (
    ApiTokenFactory,
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LIMIT = 10 * 1024 * 1024


@pytest.fixture
def stage(organization):
    return StageFactory(journey=JourneyFactory(organization=organization, name="Store visit"), name="Pay")


def history_writes(queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith('INSERT INTO "orgs_change'))


def insert_batches(items: int) -> int:
    """INSERTs for `items` change items: one on PostgreSQL; SQLite splits them under its variable limit."""
    if connection.vendor == "postgresql":
        return 1
    fields = [field for field in ChangeItem._meta.concrete_fields if not field.primary_key]
    return math.ceil(items / (variables_per_statement() // len(fields)))


def latest() -> ChangeSet:
    return ChangeSet.objects.order_by("-id").first()


# Who and through which surface ---------------------------------------------------------------


def test_a_cell_change_records_actor_surface_before_and_after(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="A")
    user = UserFactory(username="dana")
    with change_context(surface="browser", user=user):
        cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("AR"))])
    change_set = latest()
    assert (change_set.actor_user, change_set.actor_label, change_set.surface, change_set.kind) == (
        user,
        "dana",
        "browser",
        "cells",
    )
    assert change_set.journey_id == touchpoint.journey_id
    item = change_set.items.get()
    assert (item.touchpoint_id, item.function_id, item.field, item.before, item.after) == (
        touchpoint.pk,
        function.pk,
        "letters",
        "A",
        "RA",
    )


def test_a_write_outside_any_context_is_recorded_as_the_system(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("I"))])
    assert (latest().surface, latest().actor_user, latest().actor_label) == ("system", None, "")


def test_the_change_context_ends_with_its_block():
    with change_context(surface="cli"):
        with change_context(surface="task"):
            assert current_change_context().surface == "task"
        assert current_change_context().surface == "cli"
    assert current_change_context().surface == "system"


def test_a_cell_written_unchanged_records_nothing(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="A")
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"))])
    assert not ChangeSet.objects.exists()


def test_a_refused_stale_write_records_nothing(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="A")
    with pytest.raises(StaleCells):
        cells_set(
            organization=organization,
            changes=[CellChange(touchpoint.pk, function.pk, frozenset("R"), expected=frozenset())],
        )
    assert not ChangeSet.objects.exists()


def test_a_browser_cell_edit_is_the_signed_in_users(organization, stage, member, client):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    editor = member("editor")
    client.force_login(editor)
    response = client.post(
        reverse("journeys:cell", args=[organization.slug, stage.journey_id]),
        {"touchpoint": touchpoint.id, "function": function.id, "expected": "", "letters": "A"},
    )
    assert response.status_code == 200
    assert (latest().surface, latest().actor_user) == ("browser", editor)


def test_an_api_write_with_a_token_is_the_tokens(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    token = ApiTokenFactory(organization=organization, name="HR sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    cells = [{"touchpoint": touchpoint.pk, "function": function.pk, "letters": "A", "expected": ""}]
    response = client.patch(
        f"/api/v1/orgs/{organization.slug}/journeys/{stage.journey_id}/matrix/", {"cells": cells}, format="json"
    )
    assert response.status_code == 200, response.content
    change_set = latest()
    assert (change_set.surface, change_set.actor_token, change_set.actor_user) == ("api", token, None)
    assert change_set.actor_label == "token “HR sync”"
    assert current_change_context().surface == "system"  # the request's context ended with it


# Bulk paths: one change set, its items in a constant number of INSERTs -----------------------


def test_a_200_cell_patch_is_one_change_set_written_in_bulk(organization, stage, member):
    touchpoints = [TouchpointFactory(stage=stage, position=n) for n in range(20)]
    functions = [FunctionFactory(organization=organization, position=n) for n in range(10)]
    client = APIClient()
    editor = member("editor")
    client.force_login(editor)
    cells = [
        {"touchpoint": t.pk, "function": f.pk, "letters": "A/R", "expected": ""} for t in touchpoints for f in functions
    ]
    with CaptureQueriesContext(connection) as queries:
        response = client.patch(
            f"/api/v1/orgs/{organization.slug}/journeys/{stage.journey_id}/matrix/", {"cells": cells}, format="json"
        )
    assert response.status_code == 200, response.content
    change_set = ChangeSet.objects.get()
    assert (change_set.surface, change_set.actor_user, change_set.items.count()) == ("api", editor, 200)
    assert set(change_set.items.values_list("before", "after")) == {("", "RA")}
    # * the change set  # * its items: one INSERT on PostgreSQL, SQLite's batches elsewhere
    assert history_writes(queries.captured_queries) == 1 + insert_batches(200)


def test_a_10k_row_import_is_one_change_set_you_can_open(organization):
    rows = 10_000
    lines = ["journey,stage,touchpoint,Sales"] + [f"Store visit,Stage {n % 4},Touchpoint {n},A/R" for n in range(rows)]
    data = ("\n".join(lines) + "\n").encode()
    user = UserFactory(username="importer")
    with change_context(surface="browser", user=user), CaptureQueriesContext(connection) as queries:
        matrix_import_file(organization=organization, data=data, filename="store.csv", max_bytes=LIMIT)
    change_set = ChangeSet.objects.get()
    assert (change_set.kind, change_set.actor_user) == ("import", user)
    assert change_set.summary == "Import of 10000 rows into Store visit"
    items = change_set.items
    made = items.filter(object_type="touchpoint", before__isnull=True)
    assert made.count() == rows
    assert not items.filter(object_type="cell").exists()  # a new touchpoint's letters are in its own item
    sales = Function.objects.get(organization=organization, name="Sales")
    assert {str(item.after["cells"]) for item in made} == {str({str(sales.pk): "RA"})}
    assert set(items.filter(object_type__in=["journey", "function"]).values_list("object_type", flat=True)) == {
        "journey",
        "function",
    }
    assert history_writes(queries.captured_queries) == 1 + insert_batches(items.count())


def test_an_import_records_cells_changed_and_touchpoints_gone(organization):
    first = "journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,A\nStore visit,Pay,Parking lot,R\n"
    second = "journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,R\n"
    matrix_import_file(organization=organization, data=first.encode(), filename="a.csv", max_bytes=LIMIT)
    replace = import_options(replace=True)
    matrix_import_file(
        organization=organization, data=second.encode(), filename="b.csv", max_bytes=LIMIT, options=replace
    )
    items = latest().items
    assert set(items.filter(object_type="cell").values_list("before", "after")) == {("A", "R"), ("R", "")}
    gone = items.get(object_type="touchpoint", after__isnull=True)
    assert gone.before["name"] == "Parking lot"


def test_an_import_dry_run_records_nothing(organization):
    data = b"journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,A\n"
    matrix_import_file(organization=organization, data=data, filename="a.csv", max_bytes=LIMIT, dry_run=True)
    assert not ChangeSet.objects.exists()


def test_the_import_command_records_the_command_line(organization, tmp_path):
    path = tmp_path / "store.csv"
    path.write_text("journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,A\n")
    call_command("import_matrix", organization.slug, str(path), stdout=None)
    assert (latest().kind, latest().surface) == ("import", "cli")


# Covered writes -----------------------------------------------------------------------------


def test_structure_changes_record_before_and_after(organization, stage):
    with change_context(surface="browser"):
        journey = journey_create(organization=organization, name="Onboarding")
        new_stage = stage_create(journey=journey, name="Welcome")
    assert list(ChangeSet.objects.order_by("id").values_list("kind", "journey_id")) == [
        ("journey.create", journey.pk),
        ("stage.create", journey.pk),
    ]
    assert ChangeItem.objects.get(object_type="stage", object_id=new_stage.pk).after["name"] == "Welcome"
    touchpoint = TouchpointFactory(stage=stage, name="Cashier", importance=3)
    touchpoint_update(touchpoint=touchpoint, version=touchpoint.version, importance=5, name="Till")
    assert set(latest().items.values_list("field", "before", "after")) == {
        ("importance", 3, 5),
        ("name", "Cashier", "Till"),
    }
    assert latest().summary == "Touchpoint “Till” updated"


def test_a_touchpoint_move_records_its_old_and_new_place(organization, stage):
    first, second = TouchpointFactory(stage=stage, position=1), TouchpointFactory(stage=stage, position=2)
    touchpoint_move(touchpoint=second, position=1)
    assert latest().kind == "touchpoint.move"
    assert set(latest().items.values_list("object_id", "field", "before", "after")) == {(second.pk, "position", 2, 1)}
    assert first.pk  # the other row is renumbered, not itself moved


def test_a_deleted_touchpoint_keeps_its_history_with_its_cells_emptied(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage, name="Cashier"), FunctionFactory(organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="A")
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="R")
    touchpoint_id = touchpoint.pk
    touchpoint_delete(touchpoint=touchpoint)
    items = ChangeItem.objects.filter(touchpoint_id=touchpoint_id)
    assert set(items.values_list("object_type", "field", "after")) == {
        ("touchpoint", "", None),
        ("cell", "letters", ""),
    }
    assert items.get(object_type="cell").before == "RA"


def test_functions_and_roles_record_create_rename_holder_and_delete(organization):
    function = function_create(organization=organization, name="Finance")
    function = function_update(function=function, version=function.version, name="Finance & Risk")
    assert set(latest().items.values_list("field", "before", "after")) == {("name", "Finance", "Finance & Risk")}
    role = RoleFactory(function=function, holder_name="")
    role_update(role=role, version=role.version, holder_name="Kim Lee")
    assert set(latest().items.values_list("function_id", "field", "before", "after")) == {
        (function.pk, "holder_name", "", "Kim Lee")
    }
    function_delete(function=function)
    assert (latest().kind, latest().items.get().before["name"]) == ("function.delete", "Finance & Risk")


def test_settings_members_tokens_and_invitations_are_recorded(organization):
    organization_settings_update(organization=organization, version=None, review_period_days=90)
    assert set(latest().items.values_list("field", "before", "after")) == {("review_period_days", 180, 90)}
    admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN)
    member = MembershipFactory(organization=organization, role=Membership.Role.VIEWER)
    membership_set_role(membership=member, role=Membership.Role.EDITOR)
    assert set(latest().items.values_list("field", "before", "after")) == {("role", "viewer", "editor")}
    membership_remove(membership=member)
    assert latest().kind == "membership.remove"
    token, _key = token_create(organization=organization, name="BI tool", role="viewer", created_by=admin.user)
    assert "key_hash" not in latest().items.get().after
    token_revoke(token=token)
    assert (latest().kind, latest().items.get().field) == ("apitoken.revoke", "revoked_at")
    invitation, link_token = invitation_create(
        organization=organization, email="new@example.com", role="editor", accept_url="/i/{token}"
    )
    assert "token_hash" not in latest().items.get().after
    newcomer = UserFactory(username="newcomer")
    invitation_accept(token=link_token, user=newcomer)
    assert (latest().kind, latest().actor_user) == ("membership.create", newcomer)
    other, _ = invitation_create(organization=organization, email="x@example.com", role="viewer", accept_url="/{token}")
    invitation_revoke(invitation=other)
    assert latest().kind == "invitation.revoke"
    assert invitation.pk != other.pk


# Append-only ----------------------------------------------------------------------------------


@pytest.fixture
def recorded(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"))])
    return latest()


def test_the_orm_refuses_to_update_or_delete_the_history(recorded):
    item = recorded.items.get()
    for attempt in (
        lambda: ChangeSet.objects.update(summary="nothing happened"),
        lambda: ChangeSet.objects.filter(pk=recorded.pk).delete(),
        lambda: ChangeItem.objects.update(after="I"),
        lambda: ChangeItem.objects.all().delete(),
        lambda: ChangeItem.objects.bulk_update([item], ["after"]),
        lambda: recorded.save(),
        lambda: recorded.delete(),
        lambda: item.delete(),
    ):
        with pytest.raises(AppendOnly):
            attempt()
    item.refresh_from_db()
    assert (ChangeSet.objects.count(), item.after) == (1, "A")


def test_the_admin_shows_the_history_and_changes_nothing(recorded, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change_url = reverse("admin:orgs_changeset_change", args=[recorded.pk])
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"summary": "edited"}).status_code == 403
    assert client.post(reverse("admin:orgs_changeset_delete", args=[recorded.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:orgs_changeset_add")).status_code == 403
    changelist = reverse("admin:orgs_changeitem_changelist")
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": [recorded.items.get().pk]})
    assert ChangeItem.objects.count() == 1
    assert response.status_code in (200, 302)
    recorded.refresh_from_db()
    assert recorded.summary == "1 cell changed"


def test_a_deleted_user_leaves_the_history_with_their_name(recorded, organization, stage):
    user = UserFactory(username="leaver")
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    with change_context(surface="browser", user=user):
        cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("R"))])
    user.delete()
    assert (latest().actor_user, latest().actor_label) == (None, "leaver")


def test_deleting_the_organization_takes_its_history_with_it(recorded, organization):
    organization.delete()
    assert not ChangeSet.objects.exists() and not ChangeItem.objects.exists()


def test_a_deleted_stage_records_its_touchpoints_and_their_cells_emptied(organization, stage):
    from journeys.services import stage_delete

    touchpoint, function = TouchpointFactory(stage=stage, name="Cashier"), FunctionFactory(organization=organization)
    TouchpointFactory(stage=stage, name="Till")
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="A")
    stage_delete(stage=stage)
    items = latest().items
    assert latest().kind == "stage.delete"
    assert sorted(i.before["name"] for i in items.filter(object_type="touchpoint")) == ["Cashier", "Till"]
    assert list(items.filter(object_type="cell").values_list("touchpoint_id", "before", "after")) == [
        (touchpoint.pk, "A", "")
    ]


def test_a_deleted_function_records_its_cells_emptied(organization, stage):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization, name="Finance")
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="R")
    function_id = function.pk
    function_delete(function=function)
    cell = latest().items.get(object_type="cell")
    assert (cell.touchpoint_id, cell.function_id, cell.before, cell.after) == (touchpoint.pk, function_id, "R", "")


def test_an_import_job_on_the_worker_is_recorded_as_its_creators_task(organization):
    from ownership.imports.jobs import import_job_create, matrix_import_job_task

    creator = UserFactory(username="uploader")
    data = b"journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,A\n"
    job = import_job_create(
        organization=organization, data=data, filename="a.csv", rows=1, dry_run=False, created_by=creator
    )
    assert matrix_import_job_task(job.pk) == "done"
    assert (latest().kind, latest().surface, latest().actor_user) == ("import", "task", creator)


def test_the_changes_api_query_count_does_not_grow_with_the_history(
    organization, stage, member, django_assert_max_num_queries
):
    touchpoint, function = TouchpointFactory(stage=stage), FunctionFactory(organization=organization)
    for letters in ["A", "R", "C", "I"] * 10:
        cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset(letters))])
    client = APIClient()
    client.force_login(member("viewer"))
    # session, user, membership; the page of change sets with their item counts; the one-cell
    # changes' items; their touchpoints', functions' and journeys' names
    with django_assert_max_num_queries(9):
        response = client.get(f"/api/v1/orgs/{organization.slug}/changes/")
    assert len(response.json()["results"]) == 40
    assert response.json()["results"][0]["summary"] == f"{touchpoint.name} × {function.name}: C → I"


def test_the_changes_api_gives_a_new_touchpoints_letters_as_cell_items(organization, member):
    data = b"journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,A/R\n"
    matrix_import_file(organization=organization, data=data, filename="a.csv", max_bytes=LIMIT)
    client = APIClient()
    client.force_login(member("viewer"))
    items = client.get(f"/api/v1/orgs/{organization.slug}/changes/{latest().pk}/").json()["items"]
    made = next(item for item in items if item["object_type"] == "touchpoint")
    cells = [item for item in items if item["object_type"] == "cell"]
    assert "cells" not in made["after"] and made["after"]["name"] == "Cashier"
    assert [(c["touchpoint_id"], c["field"], c["before"], c["after"]) for c in cells] == [
        (made["object_id"], "letters", "", "RA")
    ]


def test_the_changes_api_filtered_by_function_finds_the_import_that_gave_it_letters(organization, member):
    sales = FunctionFactory(organization=organization, name="Sales")
    data = b"journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,A\n"
    matrix_import_file(organization=organization, data=data, filename="a.csv", max_bytes=LIMIT)
    client = APIClient()
    client.force_login(member("viewer"))
    found = client.get(f"/api/v1/orgs/{organization.slug}/changes/?function={sales.pk}").json()["results"]
    assert [change_set["kind"] for change_set in found] == ["import"]
