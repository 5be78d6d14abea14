"""The API's resources: validation, mass assignment, filters, ordering, audits, gaps and files."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from cxowner.orgs.history import ChangeSet
from journeys.models import Journey, Touchpoint
from ownership.gaps.audits import audit_organization
from ownership.gaps.selectors import journey_open_gaps
from ownership.models import Assignment, AuditRun, Gap, JourneyOwner

from .factories import (
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    OrganizationFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
)


@pytest.fixture
def client(api_as):
    return api_as("editor")


@pytest.fixture
def api(organization):
    return f"/api/v1/orgs/{organization.slug}"


@pytest.fixture
def stage(organization):
    return StageFactory(journey=JourneyFactory(organization=organization, name="Store visit"), name="Buy")


# Validation: every malformed body is a 400 with field messages ----------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 12}, None),
        ({"name": "x" * 201}, "name"),
        ({"name": "Till", "importance": 9}, "importance"),
        ({"name": "Till", "importance": "high"}, "importance"),
        ({"name": "Till", "position": -3}, "position"),
        ({"name": "Till", "position": 10**12}, "position"),
        ({"name": "Till", "out_of_scope": "maybe"}, "out_of_scope"),
        ({"name": "Till", "stage": "one"}, "stage"),
    ],
)
def test_touchpoint_create_with_a_malformed_body_is_400(client, api, stage, body, field):
    payload = {"stage": stage.pk, **body}
    response = client.post(f"{api}/touchpoints/", payload, format="json")
    assert response.status_code == 400
    if field:
        assert field in response.json()


def test_touchpoint_create_with_a_stage_of_another_organization_is_400(client, api):
    foreign = StageFactory(journey=JourneyFactory(organization=OrganizationFactory()))
    response = client.post(f"{api}/touchpoints/", {"stage": foreign.pk, "name": "Till"}, format="json")
    assert response.status_code == 400
    assert "stage" in response.json()
    assert not Touchpoint.objects.filter(name="Till").exists()


def test_duplicate_touchpoint_name_in_a_journey_is_400(client, api, stage):
    TouchpointFactory(stage=stage, name="Cashier")
    response = client.post(f"{api}/touchpoints/", {"stage": stage.pk, "name": "Cashier"}, format="json")
    assert response.status_code == 400


def test_duplicate_function_name_is_400_whatever_its_case(client, api, organization):
    FunctionFactory(organization=organization, name="Sales")
    response = client.post(f"{api}/functions/", {"name": "SALES"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_journey_owner_from_another_organization_is_400(client, api):
    foreign = RoleFactory(function=FunctionFactory(organization=OrganizationFactory()))
    response = client.post(f"{api}/journeys/", {"name": "Onboarding", "owner": foreign.pk}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()


def test_journey_manager_is_read_written_and_filtered_as_the_journey_owner(client, api, organization):
    manager = RoleFactory(function=FunctionFactory(organization=organization))
    other = RoleFactory(function=FunctionFactory(organization=organization))
    created = client.post(f"{api}/journeys/", {"name": "Onboarding", "owner": manager.pk}, format="json")
    assert created.status_code == 201
    assert (created.json()["owner"], created.json()["version"]) == (manager.pk, 2)  # made, then managed
    JourneyFactory(organization=organization, name="Support")
    path = f"{api}/journeys/{created.json()['id']}/"

    changed = client.patch(path, {"name": "Welcome", "owner": other.pk}, format="json", HTTP_IF_MATCH='"2"')

    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["owner"], changed.json()["version"]) == ("Welcome", other.pk, 3)
    assert changed["ETag"] == '"3"'
    change_set = ChangeSet.objects.filter(organization=organization).order_by("-id").first()
    assert change_set.kind == "journey.update"
    assert [(i.field, i.before, i.after) for i in change_set.items.all()] == [
        ("name", "Onboarding", "Welcome"),
        ("owner", manager.pk, other.pk),
    ]
    stale = client.patch(path, {"owner": None}, format="json", HTTP_IF_MATCH='"2"')
    assert (stale.status_code, stale.json()["version"]) == (412, 3)
    assert client.get(path).json()["owner"] == other.pk
    names = {
        query: [j["name"] for j in client.get(f"{api}/journeys/?{query}").json()["results"]]
        for query in (f"owner={other.pk}", f"owner={manager.pk}", "has_owner=true", "has_owner=false")
    }
    assert names == {
        f"owner={other.pk}": ["Welcome"],
        f"owner={manager.pk}": [],
        "has_owner=true": ["Welcome"],
        "has_owner=false": ["Support"],
    }
    cleared = client.patch(path, {"owner": None}, format="json", HTTP_IF_MATCH='"3"')
    assert (cleared.json()["owner"], cleared.json()["version"]) == (None, 4)
    assert not JourneyOwner.objects.exists()


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"name": null}', "null"])
def test_non_object_json_body_is_400(client, api, body):
    response = client.generic("POST", f"{api}/journeys/", body, content_type="application/json")
    assert response.status_code == 400


def test_body_cannot_set_id_organization_version_or_timestamps(client, api, organization):
    other = OrganizationFactory()
    body = {"name": "Onboarding", "id": 999, "organization": other.pk, "version": 42, "position": 7}
    response = client.post(f"{api}/journeys/", body, format="json")
    assert response.status_code == 201
    journey = Journey.objects.get(name="Onboarding")
    assert (journey.organization_id, journey.version) == (organization.pk, 1)
    assert journey.pk != 999


def test_touchpoint_update_can_only_move_within_its_journey(client, api, stage):
    touchpoint = TouchpointFactory(stage=stage)
    elsewhere = StageFactory(journey=JourneyFactory(organization=stage.organization))
    path = f"{api}/touchpoints/{touchpoint.pk}/"
    response = client.patch(path, {"stage": elsewhere.pk, "version": touchpoint.version}, format="json")
    assert response.status_code == 400
    touchpoint.refresh_from_db()
    assert touchpoint.stage_id == stage.pk


def test_position_moves_a_touchpoint_and_renumbers_its_stage(client, api, stage):
    first, second, third = (TouchpointFactory(stage=stage, position=i) for i in (1, 2, 3))
    response = client.patch(f"{api}/touchpoints/{third.pk}/", {"position": 1, "version": 1}, format="json")
    assert response.status_code == 200
    order = list(Touchpoint.objects.filter(stage=stage).order_by("position").values_list("pk", flat=True))
    assert order == [third.pk, first.pk, second.pk]


def test_huge_ids_in_urls_are_404_not_errors(client, api):
    assert client.get(f"{api}/touchpoints/99999999999999999999999/").status_code == 404


# Lists: filters, ordering, paging ----------------------------------------------------------


def test_touchpoint_list_filters_by_function_and_letter_on_the_same_assignment(client, api, stage):
    sales, service = FunctionFactory(organization=stage.organization), FunctionFactory(organization=stage.organization)
    owned = TouchpointFactory(stage=stage)
    AssignmentFactory(touchpoint=owned, function=sales, letter="A")
    mixed = TouchpointFactory(stage=stage)
    AssignmentFactory(touchpoint=mixed, function=sales, letter="I")
    AssignmentFactory(touchpoint=mixed, function=service, letter="A")
    response = client.get(f"{api}/touchpoints/", {"function": sales.pk, "letter": "A"})
    assert [row["id"] for row in response.json()["results"]] == [owned.pk]


def test_touchpoint_list_embeds_the_letters(client, api, stage):
    touchpoint = TouchpointFactory(stage=stage)
    assignment = AssignmentFactory(touchpoint=touchpoint, letter="R")
    row = client.get(f"{api}/touchpoints/", {"journey": stage.journey_id}).json()["results"][0]
    assert row["assignments"] == [
        {"id": assignment.pk, "function": assignment.function_id, "letter": "R", "role": None}
    ]


def test_touchpoint_list_is_keyset_paged(client, api, stage):
    for _ in range(5):
        TouchpointFactory(stage=stage)
    first = client.get(f"{api}/touchpoints/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == len(second["results"]) == 2
    assert first["results"][-1]["id"] < second["results"][0]["id"]


def test_bad_filter_value_is_400(client, api):
    assert client.get(f"{api}/touchpoints/", {"letter": "Z"}).status_code == 400
    assert client.get(f"{api}/touchpoints/", {"journey": "x"}).status_code == 400


def test_assignment_list_filters_by_journey_and_letter(client, api, stage):
    wanted = AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="C")
    AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    AssignmentFactory(
        touchpoint=TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organization=stage.organization))),
        letter="C",
    )
    response = client.get(f"{api}/assignments/", {"journey": stage.journey_id, "letter": "C"})
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


def test_assignment_role_change_needs_the_version_it_read(client, api, stage):
    assignment = AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    role = RoleFactory(function=assignment.function)
    url = f"{api}/assignments/{assignment.pk}/"
    assert client.get(url).headers["ETag"] == '"1"'
    assert client.patch(url, {"role": role.pk}, format="json").status_code == 428
    response = client.patch(url, {"role": role.pk}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'


def test_stale_assignment_role_change_is_412_and_changes_nothing(client, api, stage):
    assignment = AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    first, second = RoleFactory(function=assignment.function), RoleFactory(function=assignment.function)
    url = f"{api}/assignments/{assignment.pk}/"
    assert client.patch(url, {"role": first.pk, "version": 1}, format="json").status_code == 200
    assert client.patch(url, {"role": second.pk, "version": 1}, format="json").status_code == 412
    assignment.refresh_from_db()
    assert assignment.role == first


def _gap(organization, *, rule="no_accountable", severity="error", score=9, resolved=False, journey=None):
    now = timezone.now()
    return Gap.objects.create(
        organization=organization,
        fingerprint=f"{rule}-{score}-{resolved}-{Gap.objects.count()}",
        rule=rule,
        severity=severity,
        journey=journey,
        finding={"rule": rule, "severity": severity, "message": rule},
        score=score,
        first_seen_at=now,
        resolved_at=now if resolved else None,
    )


def test_gap_list_shows_open_gaps_by_score(client, api, organization):
    low, high = _gap(organization, score=3), _gap(organization, score=15)
    _gap(organization, score=12, resolved=True)
    response = client.get(f"{api}/gaps/")
    assert [row["id"] for row in response.json()["results"]] == [high.pk, low.pk]


def test_gap_list_filters_by_rule_severity_and_status(client, api, organization):
    _gap(organization, rule="no_accountable")
    warning = _gap(organization, rule="handoff_gap", severity="warning", score=6)
    resolved = _gap(organization, rule="handoff_gap", severity="warning", resolved=True)
    assert [r["id"] for r in client.get(f"{api}/gaps/", {"severity": "warning"}).json()["results"]] == [warning.pk]
    by_rule = client.get(f"{api}/gaps/", {"rule": "handoff_gap", "status": "all"}).json()["results"]
    assert {r["id"] for r in by_rule} == {warning.pk, resolved.pk}
    assert [r["id"] for r in client.get(f"{api}/gaps/", {"status": "resolved"}).json()["results"]] == [resolved.pk]


def test_gap_list_filters_by_function_and_journey(client, api, organization):
    sales = FunctionFactory(organization=organization, name="Sales")
    journey = JourneyFactory(organization=organization)
    wanted = _gap(organization, journey=journey)
    wanted.finding = {**wanted.finding, "functions": ["Sales"]}
    wanted.save()
    _gap(organization, journey=journey)  # names no function
    similar = _gap(organization, journey=journey)
    similar.finding = {**similar.finding, "functions": ["Sales Ops"]}
    similar.save()
    response = client.get(f"{api}/gaps/", {"function": sales.pk, "journey": journey.pk})
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


def test_gap_list_refuses_another_organizations_function(client, api, organization):
    outsider = FunctionFactory()
    response = client.get(f"{api}/gaps/", {"function": outsider.pk})
    assert response.status_code == 400
    assert "function" in response.json()


def test_gap_list_sorts_by_ascending_score_on_request(client, api, organization):
    low, high = _gap(organization, score=3), _gap(organization, score=15)
    response = client.get(f"{api}/gaps/", {"ordering": "score"})
    assert [row["id"] for row in response.json()["results"]] == [low.pk, high.pk]


# Audits, confirmation, files ---------------------------------------------------------------


def test_audit_request_answers_202_and_the_run_shows_the_gaps_it_opened(
    client, api, stage, django_capture_on_commit_callbacks
):
    TouchpointFactory(stage=stage, name="Cashier")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{api}/audits/")
    assert response.status_code == 202
    assert response["Location"] == response.json()["url"]
    run = client.get(response.json()["url"]).json()
    assert run["status"] == AuditRun.Status.DONE
    assert run["counts_by_rule"]["unassigned"] == 1
    # The touchpoint was made behind the services' back: the audit opens (repairs) its gap.
    assert run["repaired"] >= 1
    assert any(f["rule"] == "unassigned" and f["touchpoints"] == ["Cashier"] for f in run["opened"])


def test_audit_requests_do_not_stack_while_one_waits_for_a_worker(client, api, organization):
    first = client.post(f"{api}/audits/")  # no on-commit callbacks run: the run stays pending
    second = client.post(f"{api}/audits/")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert AuditRun.objects.filter(organization=organization).count() == 1


def test_confirming_an_accountable_letter_resets_stale_ownership(client, api, stage):
    assignment = AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    Assignment.objects.filter(pk=assignment.pk).update(created_at=timezone.now() - timedelta(days=400))
    audit_organization(organization=stage.journey.organization, trigger="manual", full=True)  # ages the A
    assert "stale_ownership" in set(journey_open_gaps(journey=stage.journey).values_list("rule", flat=True))
    response = client.post(f"{api}/assignments/{assignment.pk}/confirm/")
    assert response.status_code == 200
    assert response.json()["confirmed_at"] is not None
    assert "stale_ownership" not in set(journey_open_gaps(journey=stage.journey).values_list("rule", flat=True))


def test_confirming_a_letter_other_than_a_is_400(client, api, stage):
    assignment = AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="C")
    assert client.post(f"{api}/assignments/{assignment.pk}/confirm/").status_code == 400


def test_adding_a_letter_the_function_already_holds_is_400(client, api, stage):
    assignment = AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    body = {"touchpoint": assignment.touchpoint_id, "function": assignment.function_id, "letter": "A"}
    assert client.post(f"{api}/assignments/", body, format="json").status_code == 400


def test_import_of_a_csv_answers_the_summary(client, api, organization):
    upload = SimpleUploadedFile("m.csv", b"journey,stage,touchpoint,Sales\nVisit,Buy,Till,A/R\n", "text/csv")
    response = client.post(f"{api}/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["journeys_created"] == ["Visit"]
    assert Assignment.objects.filter(organization=organization).count() == 2


def test_import_with_row_errors_is_400_with_every_error_and_nothing_changed(client, api, organization):
    data = b"journey,stage,touchpoint,Sales\nVisit,Buy,Till,AX\nVisit,Buy,,A\n"
    upload = SimpleUploadedFile("m.csv", data, "text/csv")
    response = client.post(f"{api}/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["row"] for e in errors} == {2, 3}
    assert not Journey.objects.filter(organization=organization).exists()


def test_import_without_a_file_is_400(client, api):
    assert client.post(f"{api}/import/", {}, format="multipart").status_code == 400


@pytest.mark.parametrize(
    "kind, content_type",
    [("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")],
)
def test_export_sends_the_file_with_its_type_and_name(client, api, organization, stage, kind, content_type):
    AssignmentFactory(touchpoint=TouchpointFactory(stage=stage, name="Till"), letter="A")
    response = client.get(f"{api}/export/", {"format": kind})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="{organization.slug}-matrix.{kind}"'
    assert response.streaming
    body = response.getvalue()
    assert b"Store visit,Buy,Till" in body if kind == "csv" else body.startswith(b"PK\x03\x04")


def test_export_in_an_unknown_format_is_400(client, api):
    assert client.get(f"{api}/export/", {"format": "pdf"}).status_code == 400


def test_organization_settings_are_changed_by_admins_with_their_version(api_as, organization):
    client = api_as("admin")
    path = f"/api/v1/orgs/{organization.slug}/"
    etag = client.get(path)["ETag"]
    assert client.patch(path, {"inform_limit": 7}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert client.patch(path, {"inform_limit": 8}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    organization.refresh_from_db()
    assert organization.inform_limit == 7


def test_organization_settings_out_of_range_are_400(api_as, organization):
    client = api_as("admin")
    path = f"/api/v1/orgs/{organization.slug}/"
    response = client.patch(path, {"bottleneck_share": "1.5"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert "bottleneck_share" in response.json()


@pytest.mark.parametrize(
    "path", ["", "journeys/", "touchpoints/", "assignments/", "functions/", "gaps/", "journeys/{journey}/matrix/"]
)
def test_browsable_api_renders_for_a_signed_in_member(client, api, stage, path):
    AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    response = client.get(f"{api}/" + path.format(journey=stage.journey_id), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_api_docs_and_schema_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    for path, script in (
        ("/api/v1/docs/", "drf_spectacular_sidecar"),
        ("/api/v1/redoc/", "/api/v1/redoc/redoc.standalone.js"),
    ):
        page = client.get(path).content.decode()
        assert script in page
        assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


def test_unknown_api_path_is_a_json_404(client):
    response = client.post("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such API endpoint"}


def test_openapi_schema_generates_without_warnings(tmp_path):
    # Every endpoint, filter and error response is described: a guessed type is a warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/orgs/{org}/journeys/{id}/matrix/" in (tmp_path / "schema.yaml").read_text()
