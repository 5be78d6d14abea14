"""The permission matrix: every API endpoint × every kind of caller, in one table (NetBox style).

Each row of ENDPOINTS names the least role that may use the endpoint and the status it answers
then. Every caller is checked against every row: anonymous and dead tokens get 401, members of
another organization (and its tokens) get 404 with none of this organization's data, members
below the role get 403, members at or above it get the success status. A new endpoint that is
not in the table fails test_every_api_route_is_in_the_permission_table.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, resolve
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.models import ApiToken, ChangeSet, Invitation
from cxowner.orgs.services import organization_settings_version
from ownership.automation.schedules import audit_schedule_get, audit_schedule_version
from ownership.editor.services import CellChange, cells_write
from ownership.engine.whatif import SetCells
from ownership.gaps.workflow import gap_comment_add
from ownership.models import AuditRun, Gap, ImportJob, ReportJob
from ownership.reviews.services import campaign_start
from ownership.scenarios.services import scenario_create

from .factories import (
    ApiTokenFactory,
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
    WebhookFactory,
)

# Every name of this organization's rows carries the marker: an outsider's response must not.
MARKER = "alphasecret"
ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the world's ids
    role: str  # the least role that may call it
    success: int
    body: object = None
    multipart: bool = False


def _csv():
    return SimpleUploadedFile(
        "matrix.csv", f"journey,stage,touchpoint,Sales\n{MARKER} import,Buy,Till,A/R\n".encode(), "text/csv"
    )


ENDPOINTS = [
    Endpoint("organization", "get", "orgs/{org}/", "viewer", 200),
    Endpoint(
        "organization settings", "patch", "orgs/{org}/", "admin", 200, {"consult_limit": 4, "version": "{org_version}"}
    ),
    Endpoint("members", "get", "orgs/{org}/members/", "admin", 200),
    Endpoint("invitations", "get", "orgs/{org}/invitations/", "admin", 200),
    Endpoint("invite", "post", "orgs/{org}/invitations/", "admin", 201, {"email": "new@example.com", "role": "viewer"}),
    Endpoint("invitation", "get", "orgs/{org}/invitations/{spare_invitation}/", "admin", 200),
    Endpoint("invitation withdraw", "delete", "orgs/{org}/invitations/{spare_invitation}/", "admin", 204),
    Endpoint("member", "get", "orgs/{org}/members/{spare_membership}/", "admin", 200),
    Endpoint("member role", "patch", "orgs/{org}/members/{spare_membership}/", "admin", 200, {"role": "editor"}),
    Endpoint("member remove", "delete", "orgs/{org}/members/{spare_membership}/", "admin", 204),
    Endpoint("tokens", "get", "orgs/{org}/tokens/", "admin", 200),
    # Every member reads and marks their own inbox (a token's is empty).
    Endpoint("inbox", "get", "orgs/{org}/inbox/", "viewer", 200),
    Endpoint("inbox read", "post", "orgs/{org}/inbox/read/", "viewer", 200, {"all": True}),
    Endpoint("token create", "post", "orgs/{org}/tokens/", "admin", 201, {"name": "BI tool", "role": "viewer"}),
    Endpoint("token", "get", "orgs/{org}/tokens/{spare_token}/", "admin", 200),
    Endpoint("token revoke", "delete", "orgs/{org}/tokens/{spare_token}/", "admin", 204),
    Endpoint("functions", "get", "orgs/{org}/functions/", "viewer", 200),
    Endpoint("function create", "post", "orgs/{org}/functions/", "editor", 201, {"name": "Legal"}),
    Endpoint("function", "get", "orgs/{org}/functions/{function}/", "viewer", 200),
    Endpoint(
        "function update", "patch", "orgs/{org}/functions/{function}/", "editor", 200, {"name": "Sales 2", "version": 1}
    ),
    Endpoint("function delete", "delete", "orgs/{org}/functions/{spare_function}/", "editor", 204),
    Endpoint(
        "function move", "patch", "orgs/{org}/functions/{spare_function}/", "editor", 200, {"position": 1, "version": 1}
    ),
    Endpoint("function delete preview", "get", "orgs/{org}/functions/{function}/delete-preview/", "viewer", 200),
    Endpoint(
        "function merge preview",
        "post",
        "orgs/{org}/functions/{spare_function}/merge/",
        "editor",
        200,
        {"into": "{function}", "dry_run": True},
    ),
    Endpoint(
        "function merge",
        "post",
        "orgs/{org}/functions/{spare_function}/merge/",
        "editor",
        200,
        {"into": "{function}", "version": 1},
    ),
    Endpoint("roles", "get", "orgs/{org}/roles/", "viewer", 200),
    Endpoint("role create", "post", "orgs/{org}/roles/", "editor", 201, {"function": "{function}", "title": "Clerk"}),
    Endpoint("role", "get", "orgs/{org}/roles/{role}/", "viewer", 200),
    Endpoint("role update", "patch", "orgs/{org}/roles/{role}/", "editor", 200, {"holder_name": "Ines", "version": 1}),
    Endpoint(
        "role holder", "patch", "orgs/{org}/roles/{role}/", "editor", 200, {"holder_member": "{member}", "version": 1}
    ),
    Endpoint("role delete", "delete", "orgs/{org}/roles/{spare_role}/", "editor", 204),
    Endpoint("journeys", "get", "orgs/{org}/journeys/", "viewer", 200),
    Endpoint("journey create", "post", "orgs/{org}/journeys/", "editor", 201, {"name": "Onboarding"}),
    Endpoint("journey", "get", "orgs/{org}/journeys/{journey}/", "viewer", 200),
    Endpoint(
        "journey update", "patch", "orgs/{org}/journeys/{journey}/", "editor", 200, {"persona": "Student", "version": 1}
    ),
    Endpoint("journey delete", "delete", "orgs/{org}/journeys/{spare_journey}/", "editor", 204),
    Endpoint("matrix", "get", "orgs/{org}/journeys/{journey}/matrix/", "viewer", 200),
    Endpoint(
        "matrix write",
        "patch",
        "orgs/{org}/journeys/{journey}/matrix/",
        "editor",
        200,
        {"cells": [{"touchpoint": "{touchpoint}", "function": "{spare_function}", "letters": "C", "expected": ""}]},
    ),
    Endpoint("stages", "get", "orgs/{org}/stages/", "viewer", 200),
    Endpoint("stage create", "post", "orgs/{org}/stages/", "editor", 201, {"journey": "{journey}", "name": "Pay"}),
    Endpoint("stage", "get", "orgs/{org}/stages/{stage}/", "viewer", 200),
    Endpoint("stage update", "patch", "orgs/{org}/stages/{stage}/", "editor", 200, {"name": "Choose", "version": 1}),
    Endpoint("stage delete", "delete", "orgs/{org}/stages/{spare_stage}/", "editor", 204),
    Endpoint("touchpoints", "get", "orgs/{org}/touchpoints/", "viewer", 200),
    Endpoint(
        "touchpoint create", "post", "orgs/{org}/touchpoints/", "editor", 201, {"stage": "{stage}", "name": "Till"}
    ),
    Endpoint("touchpoint", "get", "orgs/{org}/touchpoints/{touchpoint}/", "viewer", 200),
    Endpoint(
        "touchpoint update",
        "patch",
        "orgs/{org}/touchpoints/{touchpoint}/",
        "editor",
        200,
        {"importance": 5, "version": 1},
    ),
    Endpoint("touchpoint delete", "delete", "orgs/{org}/touchpoints/{spare_touchpoint}/", "editor", 204),
    Endpoint("assignments", "get", "orgs/{org}/assignments/", "viewer", 200),
    Endpoint(
        "assignment create",
        "post",
        "orgs/{org}/assignments/",
        "editor",
        201,
        {"touchpoint": "{touchpoint}", "function": "{function}", "letter": "C"},
    ),
    Endpoint("assignment", "get", "orgs/{org}/assignments/{assignment}/", "viewer", 200),
    Endpoint(
        "assignment role",
        "patch",
        "orgs/{org}/assignments/{assignment}/",
        "editor",
        200,
        {"role": "{role}", "version": 1},
    ),
    Endpoint("assignment delete", "delete", "orgs/{org}/assignments/{spare_assignment}/", "editor", 204),
    Endpoint("assignment confirm", "post", "orgs/{org}/assignments/{assignment}/confirm/", "editor", 200),
    Endpoint("import jobs", "get", "orgs/{org}/imports/", "viewer", 200),
    Endpoint("import job", "get", "orgs/{org}/imports/{import_job}/", "viewer", 200),
    Endpoint("import job confirm", "post", "orgs/{org}/imports/{import_job}/confirm/", "editor", 202),
    Endpoint("changes", "get", "orgs/{org}/changes/", "viewer", 200),
    Endpoint("change set", "get", "orgs/{org}/changes/{change_set}/", "viewer", 200),
    Endpoint("change set revert", "post", "orgs/{org}/changes/{cells_change_set}/revert/", "admin", 200, {}),
    Endpoint("audits", "get", "orgs/{org}/audits/", "viewer", 200),
    Endpoint("audit request", "post", "orgs/{org}/audits/", "editor", 202),
    Endpoint("audit", "get", "orgs/{org}/audits/{audit}/", "viewer", 200),
    Endpoint("gaps", "get", "orgs/{org}/gaps/", "viewer", 200),
    Endpoint("gap figures", "get", "orgs/{org}/gaps/figures/", "viewer", 200),
    Endpoint("gap", "get", "orgs/{org}/gaps/{gap}/", "viewer", 200),
    Endpoint(
        "gap assign",
        "post",
        "orgs/{org}/gaps/{gap}/assign/",
        "editor",
        200,
        {"assignee": "{member_user}", "due_on": "2030-01-31", "version": 1},
    ),
    Endpoint("gap acknowledge", "post", "orgs/{org}/gaps/{gap}/acknowledge/", "editor", 200, {"version": 1}),
    Endpoint(
        "gap accept risk",
        "post",
        "orgs/{org}/gaps/{gap}/accept-risk/",
        "editor",
        200,
        {"reason": "Until the re-org", "expires_on": "2030-01-31", "version": 1},
    ),
    Endpoint("gap reopen", "post", "orgs/{org}/gaps/{gap}/reopen/", "editor", 200, {"version": 1}),
    Endpoint("gap comments", "get", "orgs/{org}/gaps/{gap}/comments/", "viewer", 200),
    Endpoint("gap comment", "post", "orgs/{org}/gaps/{gap}/comments/", "viewer", 201, {"body": "Who owns this?"}),
    # An integration's comment: besides its author, only an admin deletes a comment.
    Endpoint("gap comment delete", "delete", "orgs/{org}/gaps/{gap}/comments/{spare_comment}/", "admin", 204),
    Endpoint("gap fixes", "get", "orgs/{org}/gaps/{gap}/fixes/", "editor", 200),
    Endpoint(
        "gap fix apply",
        "post",
        "orgs/{org}/gaps/{gap}/fixes/",
        "editor",
        200,
        {"fix": "responsible:{function}", "seen": "cells:{touchpoint}.{function}=A"},
    ),
    Endpoint("campaigns", "get", "orgs/{org}/campaigns/", "viewer", 200),
    Endpoint(
        "campaign start",
        "post",
        "orgs/{org}/campaigns/",
        "admin",
        201,
        {"name": "Store review", "ends_on": "2030-01-31", "journey": "{journey}"},
    ),
    Endpoint("campaign", "get", "orgs/{org}/campaigns/{campaign}/", "viewer", 200),
    Endpoint("campaign items", "get", "orgs/{org}/campaigns/{campaign}/items/", "viewer", 200),
    Endpoint(
        "campaign confirm",
        "post",
        "orgs/{org}/campaigns/{campaign}/confirm/",
        "editor",
        200,
        {"function": "{function}"},
    ),
    Endpoint(
        "campaign move",
        "post",
        "orgs/{org}/campaigns/{campaign}/move/",
        "editor",
        200,
        {"item": "{campaign_item}", "function": "{spare_function}"},
    ),
    Endpoint("campaign close", "post", "orgs/{org}/campaigns/{campaign}/close/", "admin", 200, {"version": 1}),
    Endpoint("import", "post", "orgs/{org}/import/", "editor", 200, multipart=True),
    Endpoint("export", "get", "orgs/{org}/export/?format=csv", "viewer", 200),
    Endpoint("webhooks", "get", "orgs/{org}/webhooks/", "viewer", 200),
    Endpoint("webhook create", "post", "orgs/{org}/webhooks/", "admin", 201, {"url": "http://93.184.216.34/hook"}),
    Endpoint("webhook", "get", "orgs/{org}/webhooks/{webhook}/", "viewer", 200),
    Endpoint(
        "webhook update", "patch", "orgs/{org}/webhooks/{webhook}/", "admin", 200, {"active": False, "version": 1}
    ),
    Endpoint("webhook delete", "delete", "orgs/{org}/webhooks/{spare_webhook}/", "admin", 204),
    Endpoint("webhook test", "post", "orgs/{org}/webhooks/{webhook}/test/", "admin", 201),
    Endpoint("webhook rotate secret", "post", "orgs/{org}/webhooks/{webhook}/rotate-secret/", "admin", 200),
    Endpoint("webhook deliveries", "get", "orgs/{org}/webhooks/{webhook}/deliveries/", "viewer", 200),
    Endpoint("audit schedule", "get", "orgs/{org}/audit-schedule/", "viewer", 200),
    Endpoint(
        "audit schedule set",
        "put",
        "orgs/{org}/audit-schedule/",
        "admin",
        200,
        {"cron": "0 3 * * *", "version": "{schedule_version}"},
    ),
    # Drawn by a worker: 202 and the job (the PDF itself once drawn, test_report_jobs.py).
    Endpoint("report pdf", "get", "orgs/{org}/report.pdf", "viewer", 202),
    Endpoint("report jobs ask", "post", "orgs/{org}/report/jobs/", "viewer", 202, {"kind": "summary"}),
    Endpoint("report job", "get", "orgs/{org}/report/jobs/{report_job}/", "viewer", 200),
    Endpoint("report job pdf", "get", "orgs/{org}/report/jobs/{report_job}/pdf", "viewer", 200),
    Endpoint("report schedule", "get", "orgs/{org}/report/schedule/", "admin", 200),
    Endpoint(
        "report schedule update",
        "patch",
        "orgs/{org}/report/schedule/",
        "admin",
        200,
        {"monthly": True, "recipients": ["board@example.com"], "version": 1},
    ),
    Endpoint("scenarios", "get", "orgs/{org}/scenarios/", "viewer", 200),
    Endpoint(
        "scenario create",
        "post",
        "orgs/{org}/scenarios/",
        "editor",
        201,
        {
            "name": "Without the spare",
            "operations": [{"kind": "remove_function", "arguments": {"function_id": "{spare_function}"}}],
        },
    ),
    Endpoint("scenario", "get", "orgs/{org}/scenarios/{scenario}/", "viewer", 200),
    Endpoint(
        "scenario rename", "patch", "orgs/{org}/scenarios/{scenario}/", "editor", 200, {"name": "B", "version": 1}
    ),
    Endpoint(
        "scenario step add",
        "post",
        "orgs/{org}/scenarios/{scenario}/operations/",
        "editor",
        200,
        {"kind": "set_role_holder", "arguments": {"role_id": "{role}", "holder_name": ""}, "version": 1},
    ),
    Endpoint(
        "scenario step remove", "delete", "orgs/{org}/scenarios/{scenario}/operations/1/", "editor", 200, {"version": 1}
    ),
    Endpoint("scenario compare", "get", "orgs/{org}/scenarios/{scenario}/compare/", "viewer", 200),
    Endpoint(
        "scenario apply",
        "post",
        "orgs/{org}/scenarios/{scenario}/apply/",
        "editor",
        200,
        {"base_matrix_version": "{scenario_base}"},
    ),
    Endpoint("scenario rebase", "post", "orgs/{org}/scenarios/{scenario}/rebase/", "editor", 200, {"version": 1}),
    Endpoint("scenario discard", "post", "orgs/{org}/scenarios/{scenario}/discard/", "editor", 200, {"version": 1}),
]

CALLERS = ["anonymous", "viewer", "editor", "admin", "outsider", "outsider token", "expired token", "revoked token"]
# Routes that are not organization data: the ping, the rules' vocabulary, the schema and its viewers.
PUBLIC_ROUTES = {"ping", "rules", "schema", "docs", "redoc", "redoc-bundle", "not-found"}


def build_world():
    """One organization full of marked rows, another organization, and a caller of every kind."""
    org = OrganizationFactory(name=f"{MARKER} Ltd", slug=f"{MARKER}-ltd")
    users, spare_membership, other = _people(org)
    ids = _matrix(org)
    now = timezone.now()
    ids["audit"] = AuditRun.objects.create(organization=org, trigger="manual", status="done").pk
    ids["gap"] = _gap(org, ids, now).pk
    ids["spare_comment"] = gap_comment_add(
        gap=Gap.objects.get(pk=ids["gap"]), author=None, body=f"{MARKER} note", integration="Sync"
    ).pk
    tokens, spare_token = _tokens(org, other, now)
    campaign = campaign_start(
        organization=org, name=f"{MARKER} review", ends_on=now.date() + timedelta(days=7), today=now.date()
    )
    scenario = scenario_create(
        organization=org,
        name=f"{MARKER} re-org",
        operations=[SetCells(((ids["spare_touchpoint"], ids["spare_function"], "C"),))],
    )
    ids |= {
        "org": org.slug,
        # Creating the spare token was recorded: the organization has a change set.
        "change_set": ChangeSet.objects.filter(organization=org).latest("id").pk,
        "org_version": organization_settings_version(org),
        "import_job": ImportJob.objects.create(
            organization=org,
            filename=f"{MARKER}.csv",
            data=b"journey,stage,touchpoint\nJ,S,T\n",
            rows=1,
            dry_run=True,
            status=ImportJob.Status.DONE,
        ).pk,
        "report_job": ReportJob.objects.create(
            organization=org,
            key="0" * 64,
            today=now.date(),
            status=ReportJob.Status.DONE,
            filename=f"{MARKER}.pdf",
            pdf=f"%PDF {MARKER}".encode(),
        ).pk,
        "spare_invitation": Invitation.objects.create(
            organization=org, email=f"{MARKER}@example.com", token_hash="0" * 64, expires_at=now + timedelta(days=1)
        ).pk,
        "spare_membership": spare_membership.pk,
        "spare_token": spare_token.pk,
        "member_user": spare_membership.user_id,
        "webhook": WebhookFactory(organization=org, description=f"{MARKER} chat").pk,
        "spare_webhook": WebhookFactory(organization=org, description=f"{MARKER} spare").pk,
        "schedule_version": audit_schedule_version(audit_schedule_get(organization=org)),
        "member": spare_membership.pk,
        "campaign": campaign.pk,
        "campaign_item": campaign.items.get().pk,
        "scenario": scenario.pk,
        "scenario_base": scenario.base_matrix_version,
    }
    return ids, users, tokens


def _people(org):
    """A member of each role, a spare member, and an admin of another organization."""
    users = {role: MembershipFactory(organization=org, role=role).user for role in ("viewer", "editor", "admin")}
    spare_membership = MembershipFactory(organization=org, role="viewer")
    other = OrganizationFactory()
    users["outsider"] = MembershipFactory(organization=other, role="admin").user
    return users, spare_membership, other


def _matrix(org) -> dict:
    """The ids of a marked matrix: a journey with its stage, touchpoint and A, and spares to change."""
    function = FunctionFactory(organization=org, name=f"{MARKER} Sales")
    role = RoleFactory(function=function, title=f"{MARKER} Head")
    journey = JourneyFactory(organization=org, name=f"{MARKER} Visit")
    stage = StageFactory(journey=journey, name=f"{MARKER} Buy")
    touchpoint = TouchpointFactory(stage=stage, name=f"{MARKER} Cashier")
    assignment = AssignmentFactory(touchpoint=touchpoint, function=function, letter="A")
    spare_journey = JourneyFactory(organization=org, name=f"{MARKER} Spare")
    spare_stage = StageFactory(journey=journey, name=f"{MARKER} Spare stage")
    spare_touchpoint = TouchpointFactory(stage=stage, name=f"{MARKER} Spare touchpoint")
    spare_function = FunctionFactory(organization=org, name=f"{MARKER} Spare function")
    spare_assignment = AssignmentFactory(touchpoint=spare_touchpoint, function=function, letter="I")
    cells = cells_write(
        organization=org, changes=[CellChange(spare_touchpoint.pk, spare_function.pk, frozenset("R"))]
    ).change_set
    spare_role = RoleFactory(function=function, title=f"{MARKER} Spare role")
    return {
        "cells_change_set": cells.pk,
        "function": function.pk,
        "spare_role": spare_role.pk,
        "spare_function": spare_function.pk,
        "role": role.pk,
        "journey": journey.pk,
        "spare_journey": spare_journey.pk,
        "stage": stage.pk,
        "spare_stage": spare_stage.pk,
        "touchpoint": touchpoint.pk,
        "spare_touchpoint": spare_touchpoint.pk,
        "assignment": assignment.pk,
        "spare_assignment": spare_assignment.pk,
    }


def _gap(org, ids: dict, now) -> Gap:
    return Gap.objects.create(
        organization=org,
        fingerprint="f" * 64,
        rule="no_responsible",
        severity="warning",
        journey_id=ids["journey"],
        touchpoint_id=ids["touchpoint"],  # its Cashier has an A and no R
        finding={"rule": "no_responsible", "message": f"{MARKER} has no R"},
        score=6,
        first_seen_at=now,
    )


def _tokens(org, other, now):
    """A token of each kind that must be refused, and a spare one of the organization's."""
    tokens = {
        "outsider token": ApiTokenFactory(organization=other, role="admin"),
        "expired token": ApiTokenFactory(organization=org, role="admin"),
        "revoked token": ApiTokenFactory(organization=org, role="admin"),
    }
    ApiToken.objects.filter(pk=tokens["expired token"].pk).update(expires_at=now - timedelta(minutes=1))
    ApiToken.objects.filter(pk=tokens["revoked token"].pk).update(revoked_at=now)
    return tokens, ApiTokenFactory(organization=org, name=f"{MARKER} sync")


@pytest.fixture(scope="module")
def world(built_once_per_module):
    """One world for the module's tests (each test's writes roll back): built per test, it cost
    five times what the requests do."""
    return built_once_per_module(build_world)


def client_for(caller: str, users, tokens) -> APIClient:
    client = APIClient()
    if caller in users:
        client.force_login(users[caller])
    elif caller in tokens:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[caller].key}")
    return client


def _fill(value, ids):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def call(client: APIClient, endpoint: Endpoint, ids):
    url = "/api/v1/" + endpoint.path.format(**ids)
    if endpoint.multipart:
        return client.post(url, {"file": _csv()}, format="multipart")
    body = _fill(endpoint.body, ids) if endpoint.body is not None else None
    return (
        getattr(client, endpoint.method)(url, body, format="json")
        if body is not None
        else getattr(client, endpoint.method)(url)
    )


def expected_status(endpoint: Endpoint, caller: str) -> int:
    if caller in {"anonymous", "expired token", "revoked token"}:
        return 401
    if caller in {"outsider", "outsider token"}:
        return 404
    return endpoint.success if ROLE_RANK[caller] >= ROLE_RANK[endpoint.role] else 403


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_endpoint_answers_each_caller_with_its_status(world, endpoint, caller):
    ids, users, tokens = world
    response = call(client_for(caller, users, tokens), endpoint, ids)
    assert response.status_code == expected_status(endpoint, caller), response.content[:300]
    if caller.startswith("outsider"):
        assert MARKER not in response.content.decode(errors="replace").lower()


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
def test_organization_list_shows_only_the_callers_organizations(world, caller):
    ids, users, tokens = world
    response = client_for(caller, users, tokens).get("/api/v1/orgs/")
    if caller in {"anonymous", "expired token", "revoked token"}:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    slugs = [row["slug"] for row in response.json()["results"]]
    assert (ids["org"] in slugs) == (caller in {"viewer", "editor", "admin"})
    assert len(slugs) == 1


def _api_routes() -> set[tuple[str, str]]:
    """(route name, method) for every route of the API that serves organization data."""
    api = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api")
    routes = set()

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
                continue
            if pattern.name in PUBLIC_ROUTES:
                continue
            callback = pattern.callback
            methods = set(getattr(callback, "actions", None) or {}) - {"head", "options"} or {
                m for m in ("get", "post", "put", "patch", "delete") if hasattr(callback.view_class, m)
            }
            routes.update((pattern.name, method) for method in methods)

    walk(api.url_patterns)
    return routes


def test_every_api_route_is_in_the_permission_table():
    """A new endpoint or method that the table does not walk fails here."""
    dummy = dict.fromkeys(build_world_keys(), "1")
    covered = {("organization-list", "get")}
    for endpoint in ENDPOINTS:
        match = resolve("/api/v1/" + endpoint.path.split("?")[0].format(**dummy))
        covered.add((match.url_name, endpoint.method))
    assert _api_routes() - covered == set()


def build_world_keys() -> list[str]:
    return [name[1:-1] for endpoint in ENDPOINTS for name in _placeholders(endpoint.path)]


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"\{[a-z_]+\}", text)
