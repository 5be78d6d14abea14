"""The fix panel's pages: who may open it, what it answers to each page it opens on, and how it
refuses a fix the matrix has moved past."""

import pytest
from django.test import Client
from django.urls import reverse

from ownership.editor.services import CellChange, cells_set
from ownership.fixes.offers import fixes_for
from ownership.gaps.audits import audit_organization
from ownership.models import Gap
from tests.factories import FunctionFactory, MembershipFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def contested(organization):
    """The till, accountable to both Sales and Service: a contested gap."""
    sales, service = (FunctionFactory(organization=organization, name=name) for name in ("Sales", "Service"))
    till = TouchpointFactory(stage=StageFactory(journey__organization=organization), name="Till")
    cells_set(
        organization=organization,
        changes=[CellChange(till.id, sales.id, frozenset("A")), CellChange(till.id, service.id, frozenset("AR"))],
    )
    audit_organization(organization=organization, trigger="manual")
    gap = Gap.objects.get(organization=organization, rule="multiple_accountable")
    return {"gap": gap, "till": till, "sales": sales, "service": service}


def client_for(organization, role: str) -> Client:
    client = Client()
    client.force_login(MembershipFactory(organization=organization, role=role).user)
    return client


def fix_url(gap: Gap) -> str:
    return reverse("ownership:gap_fix", args=[gap.organization.slug, gap.pk])


def keep_sales(contested) -> dict:
    fix = next(f for f in fixes_for(contested["gap"]) if f.key == f"keep_a:{contested['sales'].id}:r")
    return {"fix": fix.key, "seen": fix.seen}


def test_the_panel_explains_the_gap_and_offers_its_fixes(organization, contested):
    html = client_for(organization, "editor").get(fix_url(contested["gap"]) + "?from=gaps", **HTMX).content.decode()

    assert "Contested ownership" in html and "Why it matters" in html
    assert "Keep Sales accountable, the others become R</button>" in html
    assert "<html" not in html  # the partial, for the dialog


def test_without_javascript_the_panel_is_a_page(organization, contested):
    html = client_for(organization, "editor").get(fix_url(contested["gap"])).content.decode()

    assert "<h1>Fix a gap</h1>" in html and "Keep Service accountable, the others drop out" in html


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("editor", 200), ("admin", 200)])
def test_the_panel_is_for_those_who_may_fix(organization, contested, role, status):
    assert client_for(organization, role).get(fix_url(contested["gap"])).status_code == status


def test_members_of_another_organization_do_not_find_the_panel(organization, contested):
    outsider = Client()
    outsider.force_login(MembershipFactory(role="admin").user)

    assert outsider.get(fix_url(contested["gap"])).status_code == 404
    assert outsider.post(fix_url(contested["gap"]), keep_sales(contested)).status_code == 404


def test_a_viewer_cannot_apply_a_fix(organization, contested):
    response = client_for(organization, "viewer").post(fix_url(contested["gap"]), keep_sales(contested))

    assert response.status_code == 403
    assert Gap.objects.get(pk=contested["gap"].pk).resolved_at is None


def test_a_fix_from_the_editor_answers_with_the_changed_row(organization, contested):
    response = client_for(organization, "editor").post(
        fix_url(contested["gap"]), {**keep_sales(contested), "from": "matrix"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "data-fix-done" in html and "The gap is resolved" in html
    row = html.split(f'<template data-swap="tp-{contested["till"].id}">')[1].split("</template>")[0]
    assert 'data-rule="multiple_accountable"' not in row
    assert f'data-function="{contested["service"].id}" data-letters="R"' in row
    assert '<template data-swap="matrix-summary">' in html


def test_a_fix_from_the_gaps_page_answers_with_the_panel_only(organization, contested):
    response = client_for(organization, "editor").post(
        fix_url(contested["gap"]), {**keep_sales(contested), "from": "gaps"}, **HTMX
    )

    html = response.content.decode()
    assert f'data-gap="{contested["gap"].pk}" data-fix-done' in html
    assert "data-swap" not in html


def test_a_fix_on_a_cell_changed_meanwhile_is_refused_with_its_letters_now(organization, contested):
    offered = keep_sales(contested)
    till, service = contested["till"], contested["service"]
    cells_set(organization=organization, changes=[CellChange(till.id, service.id, frozenset("AC"))])

    response = client_for(organization, "editor").post(fix_url(contested["gap"]), {**offered, "from": "gaps"}, **HTMX)

    assert response.status_code == 409
    assert "Service on Till now holds AC" in response.content.decode()
    assert "data-fix-done" not in response.content.decode()


def test_without_javascript_a_fix_returns_to_the_gap_page_with_the_outcome(organization, contested):
    client = client_for(organization, "editor")

    response = client.post(fix_url(contested["gap"]), keep_sales(contested))

    assert response["Location"] == reverse("ownership:gap", args=[organization.slug, contested["gap"].pk])
    assert "The gap is resolved" in client.get(response["Location"]).content.decode()


def test_editors_open_the_panel_from_the_gaps_page_the_matrix_and_the_dashboard(organization, contested):
    editor = client_for(organization, "editor")
    gap, journey = contested["gap"], contested["till"].journey
    link = f'href="{fix_url(gap)}" data-fix-open'

    gaps = editor.get(reverse("ownership:gaps", args=[organization.slug])).content.decode()
    matrix = editor.get(reverse("journeys:matrix", args=[organization.slug, journey.id])).content.decode()
    dashboard = editor.get(reverse("dashboard", args=[organization.slug])).content.decode()

    assert link in gaps and link in matrix and link in dashboard
    assert f'data-gap-row="{gap.pk}"' in gaps and f'data-gap-row="{gap.pk}"' in dashboard


def test_viewers_see_no_fix_openers(organization, contested):
    viewer = client_for(organization, "viewer")

    gaps = viewer.get(reverse("ownership:gaps", args=[organization.slug])).content.decode()

    assert "data-fix-open" not in gaps and 'id="fix-dialog"' not in gaps


def test_the_dashboards_top_gaps_link_to_their_own_page(organization, contested):
    html = client_for(organization, "viewer").get(reverse("dashboard", args=[organization.slug])).content.decode()

    assert f'href="{reverse("ownership:gap", args=[organization.slug, contested["gap"].pk])}"' in html


def test_the_panel_reads_a_bounded_number_of_queries_whatever_the_organization_size(
    organization, contested, django_assert_max_num_queries
):
    for index in range(30):
        FunctionFactory(organization=organization, name=f"Team {index}")
    editor = client_for(organization, "editor")

    # * organization (middleware)  # * session  # * user  # * membership  # * the gap
    # * the organization's functions  # * the till's letters
    with django_assert_max_num_queries(7):
        editor.get(fix_url(contested["gap"]) + "?from=gaps", **HTMX)


def test_the_gaps_own_page_offers_its_fixes_to_editors_only(organization, contested):
    page = reverse("ownership:gap", args=[organization.slug, contested["gap"].pk])

    editor = client_for(organization, "editor").get(page).content.decode()
    viewer = client_for(organization, "viewer").get(page).content.decode()

    assert '<h2 id="fix-title-' in editor and "Keep Sales accountable, the others drop out" in editor
    assert "Keep Sales accountable" not in viewer
