"""Writing under a version (cxowner.orgs.versions): one compare-and-set, one stale error that says
the current version and who changed the object last and when, one field in forms and the API."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework.test import APIClient

from cxowner.orgs.change_context import change_context
from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.forms import VersionForm
from cxowner.orgs.history import ChangeSet
from cxowner.orgs.versions import (
    MAX_VERSION,
    version_fingerprint,
    versioned_lock,
    versioned_update,
)
from journeys.services import touchpoint_update
from ownership.editor.services import CellChange, cells_set
from ownership.models import Function
from ownership.structure.services import function_update

from .factories import FunctionFactory, MembershipFactory, TouchpointFactory, UserFactory


@pytest.fixture
def function(organization):
    return FunctionFactory(organization=organization, name="Sales")


def renamed_by(user, function, name: str) -> ChangeSet:
    """`user` renames the function through its service, as the pages and the API do."""
    with change_context(surface="browser", user=user):
        function_update(function=Function.objects.get(pk=function.pk), version=None, name=name)
    return ChangeSet.objects.latest("id")


def test_a_write_at_the_current_version_moves_it_on_and_refreshes_the_row(function):
    written = versioned_update(function, version=1, name="Retail")

    assert written is function
    assert (function.name, function.version) == ("Retail", 2)
    assert Function.objects.values_list("name", "version").get(pk=function.pk) == ("Retail", 2)


def test_a_write_costs_one_update_and_one_read_back(function, django_assert_max_num_queries):
    # * UPDATE … WHERE id AND version  # * the row read back
    with django_assert_max_num_queries(2):
        versioned_update(function, version=1, name="Retail")


def test_a_stale_write_is_refused_with_the_current_version_and_who_changed_it_when(organization, function):
    alice = UserFactory(username="alice")
    change = renamed_by(alice, function, "Retail")

    with pytest.raises(StaleVersion) as refused:
        versioned_update(function, version=1, name="Shop")

    stale = refused.value
    assert (stale.version, stale.changed_by, stale.changed_at) == (2, "alice", change.created_at)
    assert stale.obj.name == "Retail"
    assert stale.message("“Retail”") == f"“Retail” was changed by alice at {change.created_at:%Y-%m-%d %H:%M} UTC"


def test_a_stale_write_writes_nothing(function):
    renamed_by(UserFactory(), function, "Retail")

    with pytest.raises(StaleVersion):
        versioned_update(function, version=1, name="Shop")

    assert Function.objects.values_list("name", "version").get(pk=function.pk) == ("Retail", 2)


def test_a_change_the_history_does_not_hold_is_told_as_someone_else_meanwhile(function):
    Function.objects.filter(pk=function.pk).update(version=2)  # no change set: not a service

    with pytest.raises(StaleVersion) as refused:
        versioned_update(function, version=1, name="Shop")

    assert (refused.value.changed_by, refused.value.changed_at) == ("", None)
    assert refused.value.message("This function") == "This function was changed by someone else meanwhile"


def test_a_cell_written_since_names_its_writer_as_the_touchpoints_last_changer(organization, function):
    touchpoint = TouchpointFactory(stage__journey__organization=organization, name="Cashier")
    bob = MembershipFactory(organization=organization, role="editor", user__username="bob").user
    with change_context(surface="browser", user=bob):
        cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"))])

    with pytest.raises(StaleVersion) as refused:
        touchpoint_update(touchpoint=touchpoint, version=1, name="Till")

    assert (refused.value.version, refused.value.changed_by) == (2, "bob")


def test_without_a_version_the_write_happens_whatever_the_version(function):
    Function.objects.filter(pk=function.pk).update(version=7)

    versioned_update(function, version=None, name="Retail")

    assert (function.name, function.version) == ("Retail", 8)


def test_a_row_deleted_meanwhile_is_a_validation_error(function):
    Function.objects.filter(pk=function.pk).delete()

    with pytest.raises(ValidationError, match="This function no longer exists."):
        versioned_update(function, version=1, name="Retail")


def test_a_row_outside_the_condition_is_explained_by_refuse_before_its_version(function):
    def refuse(current):
        raise ValidationError(f"{current.name} is not Marketing.")

    with pytest.raises(ValidationError, match="Sales is not Marketing."):
        versioned_update(function, version=99, where={"name": "Marketing"}, refuse=refuse, name="Retail")


def test_a_delete_locks_the_row_at_its_version_and_refuses_a_stale_one(function):
    assert versioned_lock(function, version=1).pk == function.pk

    Function.objects.filter(pk=function.pk).update(version=2)
    with pytest.raises(StaleVersion) as refused:
        versioned_lock(function, version=1)
    assert refused.value.version == 2


def test_a_fingerprint_is_a_whole_number_any_client_keeps_exactly():
    fingerprints = {version_fingerprint(f"0 {hour} * * *|True") for hour in range(24)}

    assert len(fingerprints) == 24
    assert all(1 <= fingerprint <= MAX_VERSION for fingerprint in fingerprints)
    assert version_fingerprint("0 2 * * *|True") == version_fingerprint("0 2 * * *|True")


@pytest.mark.parametrize("posted", ["", "0", "two", "1.5", str(MAX_VERSION + 1)])
def test_a_page_posting_no_whole_positive_version_is_refused(posted):
    assert not VersionForm({"version": posted}).is_valid()


def test_the_api_answers_a_stale_write_with_412_the_current_version_and_its_last_changer(organization, function):
    editor = MembershipFactory(organization=organization, role="editor").user
    change = renamed_by(editor, function, "Retail")
    client = APIClient()
    client.force_login(editor)

    response = client.patch(
        f"/api/v1/orgs/{organization.slug}/functions/{function.pk}/", {"name": "Shop", "version": 1}, format="json"
    )

    assert response.status_code == 412 and response["ETag"] == '"2"'
    body = response.json()
    assert (body["version"], body["changed_by"]) == (2, editor.username)
    assert body["changed_at"].startswith(change.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["detail"].startswith("Function “Retail” was changed by")


def test_every_version_in_the_api_schema_is_the_same_whole_number(db):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    versions = {
        name: component["properties"]["version"]
        for name, component in schema["components"]["schemas"].items()
        # Ping's `version` is the API's own version, not an object's.
        if "version" in component.get("properties", {}) and name != "Ping"
    }

    assert len(versions) >= 20
    shapes = {(v["type"], v["minimum"], v["maximum"]) for v in versions.values()}
    assert shapes == {("integer", 1, MAX_VERSION)}


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_the_same_version_one_wins_and_one_is_refused():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite writers take turns at the database lock")
    function = FunctionFactory(name="Sales")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def write(name: str) -> None:
        try:
            start.wait(timeout=10)
            versioned_update(Function.objects.get(pk=function.pk), version=1, name=name)
            outcomes.append("written")
        except StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(name,)) for name in ("Retail", "Shop")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=30)

    assert sorted(outcomes) == ["stale", "written"]
    assert Function.objects.get(pk=function.pk).version == 2
