"""The browser's pages: who may see and do what, empty states, and the error pages."""

import pytest
from django.test import Client
from django.urls import reverse

from ownership.gaps.audits import audit_organization
from tests.factories import FunctionFactory, MembershipFactory, client_for, letters_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organization):
    return letters_build(organization, [("Cashier", "Sales", "A")])["journey"]


def page_urls(organization, journey) -> list[str]:
    slug = organization.slug
    return [
        reverse("dashboard", args=[slug]),
        reverse("journeys:list", args=[slug]),
        reverse("journeys:matrix", args=[slug, journey.id]),
        reverse("journeys:map", args=[slug, journey.id]),
        reverse("ownership:gaps", args=[slug]),
        reverse("ownership:functions", args=[slug]),
        reverse("ownership:audits", args=[slug]),
        reverse("ownership:import", args=[slug]),
        reverse("ownership:export_csv", args=[slug]),
        reverse("ownership:gaps_csv", args=[slug]),
        reverse("ownership:gaps_xlsx", args=[slug]),
    ]


def test_viewer_can_read_every_page(organization, member, journey):
    client = client_for(member("viewer"))
    audit_organization(organization=organization, trigger="manual")
    for url in page_urls(organization, journey):
        assert client.get(url).status_code == 200, url


def test_outsider_gets_404_on_every_page(organization, journey):
    outsider = MembershipFactory(role="admin").user
    client = client_for(outsider)
    for url in page_urls(organization, journey):
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_login(organization, journey):
    response = Client().get(reverse("journeys:matrix", args=[organization.slug, journey.id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_redirects_to_the_first_organization(organization, member):
    response = client_for(member("viewer")).get("/")
    assert response["Location"] == reverse("dashboard", args=[organization.slug])


def test_home_without_membership_explains_what_to_do(db):
    from tests.factories import UserFactory

    response = client_for(UserFactory()).get("/")
    assert b"do not belong to any organization" in response.content


def test_login_page_logs_in(organization, member):
    user = member("editor")
    response = Client().post(reverse("login"), {"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 302


def test_viewer_sees_no_editing_controls(organization, member, journey):
    html = client_for(member("viewer")).get(reverse("journeys:matrix", args=[organization.slug, journey.id])).content
    assert b"data-editable" not in html
    assert b"Add stage" not in html
    assert (
        b"Run audit now" not in client_for(member("viewer")).get(reverse("dashboard", args=[organization.slug])).content
    )


def test_editor_sees_editing_controls(organization, member, journey):
    html = client_for(member("editor")).get(reverse("journeys:matrix", args=[organization.slug, journey.id])).content
    assert b"data-editable" in html
    assert b"Add stage" in html


def test_navigation_shows_settings_only_to_admins(organization, member):
    url = reverse("dashboard", args=[organization.slug])
    settings_page = reverse("ownership:settings", args=[organization.slug]).encode()
    assert settings_page not in client_for(member("editor")).get(url).content
    assert settings_page in client_for(member("admin")).get(url).content


def test_settings_tabs_lead_admins_to_members_and_back(organization, member):
    admin = client_for(member("admin"))
    members = reverse("ownership:members", args=[organization.slug]).encode()
    settings_page = reverse("ownership:settings", args=[organization.slug]).encode()
    assert members in admin.get(settings_page.decode()).content
    assert settings_page in admin.get(members.decode()).content


def test_viewer_posts_are_forbidden(organization, member, journey):
    client = client_for(member("viewer"))
    slug = organization.slug
    stage = journey.stages.first()
    touchpoint = journey.touchpoints.first()
    posts = [
        reverse("journeys:create", args=[slug]),
        reverse("journeys:cell", args=[slug, journey.id]),
        reverse("journeys:undo", args=[slug, journey.id]),
        reverse("journeys:owner", args=[slug, journey.id]),
        reverse("journeys:stage_create", args=[slug, journey.id]),
        reverse("journeys:stage_rename", args=[slug, journey.id, stage.id]),
        reverse("journeys:stage_move", args=[slug, journey.id, stage.id]),
        reverse("journeys:stage_delete", args=[slug, journey.id, stage.id]),
        reverse("journeys:touchpoint_create", args=[slug, journey.id, stage.id]),
        reverse("journeys:touchpoint_edit", args=[slug, journey.id, touchpoint.id]),
        reverse("journeys:touchpoint_move", args=[slug, journey.id, touchpoint.id]),
        reverse("journeys:touchpoint_delete", args=[slug, journey.id, touchpoint.id]),
        reverse("journeys:touchpoint_confirm", args=[slug, journey.id, touchpoint.id]),
        reverse("ownership:function_add", args=[slug]),
        reverse("ownership:role_add", args=[slug]),
        reverse("ownership:audit_run", args=[slug]),
        reverse("ownership:import_preview", args=[slug]),
        reverse("ownership:import_confirm", args=[slug]),
    ]
    for url in posts:
        assert client.post(url, {"name": "x"}).status_code == 403, url
    assert journey.stages.count() == 1 and journey.touchpoints.count() == 1


def test_members_page_is_for_admins_only(organization, member):
    url = reverse("ownership:members", args=[organization.slug])
    assert client_for(member("editor")).get(url).status_code == 403
    assert client_for(member("admin")).get(url).status_code == 200


def test_forbidden_page_is_in_the_sites_style(organization, member):
    response = client_for(member("editor")).get(reverse("ownership:members", args=[organization.slug]))
    assert b"Your role does not allow this" in response.content
    assert b"css/app.css" in response.content


def test_not_found_page_is_in_the_sites_style(organization, member):
    response = client_for(member("viewer")).get(f"/o/{organization.slug}/journeys/999999/")
    assert response.status_code == 404
    assert b"There is nothing here" in response.content


def test_server_error_page_reveals_nothing(rf):
    from cxowner.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content


def test_dashboard_without_journeys_offers_to_import_or_create_one(organization, member):
    html = client_for(member("editor")).get(reverse("dashboard", args=[organization.slug])).content
    assert b"No journeys yet" in html
    assert b"Import a matrix" in html


def test_dashboard_without_audit_shows_the_live_figures_and_offers_to_run_one(organization, member, journey):
    html = client_for(member("editor")).get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert "No audit has run yet" in html
    assert "Run audit now" in html
    assert 'data-testid="dashboard-coverage"' in html


def test_dashboard_shows_stored_results(organization, member, journey):
    audit_organization(organization=organization, trigger="manual")
    html = client_for(member("viewer")).get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert 'class="trend"' in html
    assert "Who owns CX here" in html
    assert "Top gaps by score" in html


def test_journey_list_empty_state(organization, member):
    html = client_for(member("editor")).get(reverse("journeys:list", args=[organization.slug])).content
    assert b"No journeys yet" in html
    assert b"Import a matrix" in html


def test_run_audit_now_records_a_run(organization, member, journey):
    client = client_for(member("editor"))
    response = client.post(reverse("ownership:audit_run", args=[organization.slug]))
    assert response.status_code == 302
    assert organization.audit_runs.count() == 1


def test_audit_history_lists_opened_gaps(organization, member, journey):
    audit_organization(organization=organization, trigger="manual")
    html = client_for(member("viewer")).get(reverse("ownership:audits", args=[organization.slug])).content
    assert b"+" in html and b"No function is responsible" in html


def test_gaps_filter_by_severity(organization, member, journey):
    audit_organization(organization=organization, trigger="manual")
    client = client_for(member("viewer"))
    url = reverse("ownership:gaps", args=[organization.slug])
    warnings = client.get(url, {"severity": "warning"}).content.decode()
    errors = client.get(url, {"severity": "error"}).content.decode()
    assert "No function is responsible for doing Cashier" in warnings
    assert "No function is responsible for doing Cashier" not in errors


def test_gaps_filter_by_function(organization, member, journey):
    idle = FunctionFactory(organization=organization, name="Legal")
    audit_organization(organization=organization, trigger="manual")
    html = (
        client_for(member("viewer"))
        .get(reverse("ownership:gaps", args=[organization.slug]), {"function": idle.id})
        .content.decode()
    )
    assert "Legal is neither responsible nor accountable" in html
    assert "Cashier" not in html


def test_gaps_htmx_request_gets_only_the_table(organization, member, journey):
    html = (
        client_for(member("viewer"))
        .get(reverse("ownership:gaps", args=[organization.slug]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert html.lstrip().startswith('<div id="gap-table"')


def test_functions_page_counts_letters(organization, member, journey):
    html = client_for(member("viewer")).get(reverse("ownership:functions", args=[organization.slug])).content.decode()
    assert '<td class="num">1</td>' in html


def test_function_add_with_duplicate_name_shows_error_next_to_field(organization, member):
    FunctionFactory(organization=organization, name="Sales")
    response = client_for(member("editor")).post(
        reverse("ownership:function_add", args=[organization.slug]), {"name": "sales"}
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_organization_switcher_goes_to_the_chosen_dashboard(organization, member):
    user = member("viewer")
    other = MembershipFactory(user=user).organization
    response = client_for(user).get(reverse("switch_organization"), {"org": other.slug})
    assert response["Location"] == reverse("dashboard", args=[other.slug])


def test_organization_switcher_refuses_outsiders(organization, member):
    other = MembershipFactory().organization
    response = client_for(member("viewer")).get(reverse("switch_organization"), {"org": other.slug})
    assert response.status_code == 404


def test_admin_removes_a_member(organization, member):
    admin = member("admin")
    newcomer = member("editor")
    membership = organization.memberships.get(user=newcomer)
    client_for(admin).post(reverse("ownership:member_remove", args=[organization.slug, membership.id]))
    assert not organization.memberships.filter(user=newcomer).exists()


def test_admin_creates_a_token_and_sees_its_key_once(organization, member):
    client = client_for(member("admin"))
    response = client.post(
        reverse("ownership:token_add", args=[organization.slug]), {"name": "BI", "role": "viewer"}, follow=True
    )
    assert response.redirect_chain == [(reverse("ownership:members", args=[organization.slug]), 302)]
    assert b"shown only once" in response.content
    assert organization.api_tokens.count() == 1
    assert b"shown only once" not in client.get(reverse("ownership:members", args=[organization.slug])).content


def test_reloading_the_page_after_creating_a_token_creates_no_second_token(organization, member):
    client = client_for(member("admin"))
    created = client.post(reverse("ownership:token_add", args=[organization.slug]), {"name": "BI", "role": "viewer"})

    client.get(created["Location"])  # what a reload repeats: the redirect's GET, not the POST
    client.get(created["Location"])

    assert created.status_code == 302
    assert organization.api_tokens.count() == 1
