"""The what-if pages: list, draw, the comparison beside today, the scenario's cells, apply and rebase."""

import pytest

from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Membership
from journeys.models import Journey, Touchpoint
from ownership.editor.services import CellChange, cells_set
from ownership.engine.whatif import MergeFunctions, SetCells
from ownership.models import Function, Role, Scenario
from ownership.scenarios.services import scenario_create
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def login(client, organization, role):
    client.force_login(MembershipFactory(organization=organization, role=role).user)
    return client


def fid(organization, name):
    return Function.objects.get(organization=organization, name=name).pk


def merge_scenario(acme):
    operation = MergeFunctions(fid(acme, "Marketing"), fid(acme, "Sales"))
    return scenario_create(organization=acme, name="Merge Marketing into Sales", operations=[operation])


def test_viewer_reads_the_list_without_the_drawing_form(client, acme):
    merge_scenario(acme)
    page = login(client, acme, Membership.Role.VIEWER).get("/o/acme/scenarios/").content.decode()
    assert "Merge Marketing into Sales" in page
    assert "Draw a scenario" not in page


def test_outsider_gets_404(client, acme):
    scenario = merge_scenario(acme)
    login(client, OrganizationFactory(), Membership.Role.ADMIN)
    assert client.get("/o/acme/scenarios/").status_code == 404
    assert client.get(f"/o/acme/scenarios/{scenario.pk}/").status_code == 404


def test_viewer_cannot_draw_or_apply(client, acme):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.VIEWER)
    assert client.post("/o/acme/scenarios/new/", {"name": "x"}).status_code == 403
    assert client.post(f"/o/acme/scenarios/{scenario.pk}/apply/", {"version": 1}).status_code == 403
    assert Function.objects.filter(organization=acme, name="Marketing").exists()


def test_editor_draws_a_merge_named_after_its_step(client, acme):
    login(client, acme, Membership.Role.EDITOR)
    body = {"name": "", "kind": "merge_functions", "source": fid(acme, "Marketing"), "target": fid(acme, "Sales")}
    response = client.post("/o/acme/scenarios/new/", body)
    scenario = Scenario.objects.get(organization=acme)
    assert response.url == f"/o/acme/scenarios/{scenario.pk}/"
    assert scenario.name == "Merge Marketing into Sales"


def test_a_merge_without_a_target_is_refused_with_the_field_named(client, acme):
    login(client, acme, Membership.Role.EDITOR)
    response = client.post("/o/acme/scenarios/new/", {"kind": "merge_functions", "source": fid(acme, "Marketing")})
    assert response.status_code == 400
    assert "Choose one for this step." in response.content.decode()
    assert not Scenario.objects.exists()


def test_the_comparison_shows_closed_contested_gaps_and_the_opened_bottleneck(client, acme):
    scenario = merge_scenario(acme)
    page = login(client, acme, Membership.Role.VIEWER).get(f"/o/acme/scenarios/{scenario.pk}/").content.decode()
    closed = page[page.index('data-testid="closed"') : page.index('data-testid="opened"')]
    assert closed.count("Contested ownership") == 2
    assert "Ad is contested" in closed
    assert "Accountability bottleneck — opens" in page
    assert "80%" in page and "100%" in page


def test_the_detail_page_takes_a_few_queries(client, acme, django_assert_max_num_queries):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)
    # * session, user, membership, organizations of the header  * the scenario
    # * its operations  * 5 for the live snapshot  * the matrix version
    with django_assert_max_num_queries(15):  # + the live feed's cursor
        assert client.get(f"/o/acme/scenarios/{scenario.pk}/").status_code == 200


def test_apply_from_the_page_changes_the_live_matrix(client, acme):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)
    response = client.post(f"/o/acme/scenarios/{scenario.pk}/apply/", {"version": scenario.version}, follow=True)
    page = response.content.decode()
    assert "Applied: the live matrix is now this scenario" in page
    scenario.refresh_from_db()
    assert f'href="/o/acme/activity/{scenario.change_set_id}/"' in page
    assert "Merge Marketing into Sales" in page
    assert not Function.objects.filter(organization=acme, name="Marketing").exists()


def test_apply_asks_once_on_the_page_with_the_gaps_it_opens_and_closes(client, acme):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)

    page = client.get(f"/o/acme/scenarios/{scenario.pk}/", {"confirm": "apply"}).content.decode()
    confirm = page.split('data-testid="apply-confirm"')[1].split("</section>")[0]

    assert "Apply “Merge Marketing into Sales” to the live matrix?" in confirm
    assert "It opens" in confirm and "It closes" in confirm
    assert 'class="btn button-danger" data-testid="apply-confirm-button">Apply: change' in confirm
    assert Function.objects.filter(organization=acme, name="Marketing").exists()


def test_the_apply_button_opens_the_confirmation_instead_of_applying(client, acme):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)

    page = client.get(f"/o/acme/scenarios/{scenario.pk}/").content.decode()

    assert 'href="?confirm=apply#apply-confirm" data-testid="apply"' in page
    assert 'data-testid="apply-confirm"' not in page


def cell_set(acme, touchpoint, function, letters):
    touchpoint_id = Touchpoint.objects.get(organization=acme, name=touchpoint).pk
    cells_set(organization=acme, changes=[CellChange(touchpoint_id, fid(acme, function), frozenset(letters))])


def test_edits_elsewhere_leave_the_apply_button_and_apply_works(client, acme):
    scenario = merge_scenario(acme)
    cell_set(acme, "Hotline", "IT", "I")
    login(client, acme, Membership.Role.EDITOR)
    page = client.get(f"/o/acme/scenarios/{scenario.pk}/").content.decode()
    assert 'data-testid="stale"' not in page and 'data-testid="apply"' in page
    response = client.post(f"/o/acme/scenarios/{scenario.pk}/apply/", {"version": scenario.version}, follow=True)
    assert "Applied: the live matrix is now this scenario" in response.content.decode()


def test_a_stale_scenario_names_what_changed_offers_a_rebase_and_refuses_apply(client, acme):
    scenario = merge_scenario(acme)
    cell_set(acme, "Ad", "Marketing", "R")
    login(client, acme, Membership.Role.EDITOR)
    page = client.get(f"/o/acme/scenarios/{scenario.pk}/").content.decode()
    assert "What this scenario touches changed since it was drawn" in page
    assert "The cell Buy › Ad × Marketing was changed by " in page and "(RA → R)" in page
    assert 'data-testid="apply"' not in page and 'data-testid="rebase"' in page
    response = client.post(f"/o/acme/scenarios/{scenario.pk}/apply/", {"version": scenario.version}, follow=True)
    assert "the cell Buy › Ad × Marketing was changed by " in response.content.decode()
    assert "Rebase the scenario" in response.content.decode()
    assert Function.objects.filter(organization=acme, name="Marketing").exists()


def test_rebase_from_the_page_makes_it_applicable_again(client, acme):
    scenario = merge_scenario(acme)
    cell_set(acme, "Ad", "Marketing", "R")
    login(client, acme, Membership.Role.EDITOR)
    response = client.post(f"/o/acme/scenarios/{scenario.pk}/rebase/", {"version": scenario.version}, follow=True)
    assert "every step still applies" in response.content.decode()
    assert 'data-testid="apply"' in response.content.decode()


def test_adding_a_step_that_lets_a_holder_leave(client, acme):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)
    role = Role.objects.get(organization=acme, title="Head of Service")
    body = {"kind": "set_role_holder", "role": role.pk, "holder_name": "", "version": scenario.version}
    response = client.post(f"/o/acme/scenarios/{scenario.pk}/steps/", body, follow=True)
    assert "Added: The holder of Head of Service (Service) leaves." in response.content.decode()
    assert "Vacant owner" in response.content.decode()


def chat_cells_as_editor(client, acme):
    """Log `client` in as an editor: the merge scenario, the Support chat touchpoint and the URL of
    the scenario's cells page of its journey (Get help)."""
    scenario = merge_scenario(acme)
    journey = Journey.objects.get(organization=acme, name="Get help")
    chat = Touchpoint.objects.get(organization=acme, name="Support chat")
    login(client, acme, Membership.Role.EDITOR)
    return scenario, chat, f"/o/acme/scenarios/{scenario.pk}/journeys/{journey.pk}/cells/"


def test_editing_cells_adds_one_set_cells_step(client, acme):
    scenario, chat, url = chat_cells_as_editor(client, acme)
    assert 'aria-label="IT on Support chat"' in client.get(url).content.decode()
    response = client.post(url, {"version": scenario.version, f"cell-{chat.pk}-{fid(acme, 'IT')}": "c/i"})
    assert response.status_code == 302
    last = scenario.operations.order_by("position").last()
    assert (last.kind, last.arguments) == (
        SetCells.kind,
        {"cells": [{"touchpoint": chat.pk, "function": fid(acme, "IT"), "letters": "CI"}]},
    )


def test_unknown_letters_in_a_cell_are_refused_and_kept_on_the_page(client, acme):
    scenario, chat, url = chat_cells_as_editor(client, acme)
    response = client.post(url, {"version": scenario.version, f"cell-{chat.pk}-{fid(acme, 'IT')}": "AX"})
    assert response.status_code == 400
    assert "IT on Support chat: unknown letter &#x27;X&#x27;" in response.content.decode()
    assert 'value="AX"' in response.content.decode()
    assert scenario.operations.count() == 1


def test_discarded_scenario_is_read_only(client, acme):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)
    client.post(f"/o/acme/scenarios/{scenario.pk}/discard/", {"version": scenario.version})
    page = client.get(f"/o/acme/scenarios/{scenario.pk}/").content.decode()
    assert "Discarded" in page
    assert "Add a step" not in page and 'data-testid="apply"' not in page


def test_the_list_takes_a_few_queries_however_many_scenarios(client, acme, django_assert_max_num_queries):
    for _ in range(5):
        merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)
    # * session, user, membership, organizations of the header  * the scenarios with their authors
    # * 5 for the live snapshot the drawing form chooses from
    with django_assert_max_num_queries(11):
        assert client.get("/o/acme/scenarios/").status_code == 200


def test_an_applied_scenario_is_one_change_in_the_activity(client, acme):
    scenario = merge_scenario(acme)
    login(client, acme, Membership.Role.EDITOR)
    client.post(f"/o/acme/scenarios/{scenario.pk}/apply/", {"version": scenario.version})
    change_set = ChangeSet.objects.filter(organization=acme, kind="scenario.apply").get()
    assert "Scenario “Merge Marketing into Sales” applied" in client.get("/o/acme/activity/").content.decode()
    page = client.get(f"/o/acme/activity/{change_set.pk}/")
    assert page.status_code == 200
    assert "Marketing" in page.content.decode()
