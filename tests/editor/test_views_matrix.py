"""The matrix editor: cells save at once, stale edits are refused, undo, and structure edits."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localtime

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import ChangeSet
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.models import Assignment
from ownership.structure.selectors import journey_owner
from tests.factories import RoleFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def letters(touchpoint, function) -> set[str]:
    return set(Assignment.objects.filter(touchpoint=touchpoint, function=function).values_list("letter", flat=True))


def cell_url(organization, journey) -> str:
    return reverse("journeys:cell", args=[organization.slug, journey.id])


def test_setting_a_cell_saves_and_returns_the_row(organization, editor, matrix):
    response = editor.post(
        cell_url(organization, matrix["journey"]),
        {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "AR"},
    )
    assert response.status_code == 200
    assert letters(matrix["first"], matrix["sales"]) == {"A", "R"}
    html = response.content.decode()
    assert f'data-swap="tp-{matrix["first"].id}"' in html
    assert 'data-swap="matrix-summary"' in html


def test_setting_a_cell_removes_its_no_owner_badge(organization, editor, matrix):
    response = editor.post(
        cell_url(organization, matrix["journey"]),
        {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "A"},
    )
    row = response.content.decode().split(f'data-swap="tp-{matrix["second"].id}"')[0]
    assert 'data-rule="unassigned"' not in row
    assert 'data-rule="no_responsible"' in row
    assert ">no R</a>" in row  # an editor's badge opens the gap's fix panel


def test_response_includes_the_next_row_for_its_handoff_marker(organization, editor, matrix):
    cells_set(
        organization=organization, changes=[CellChange(matrix["second"].id, matrix["finance"].id, frozenset("AR"))]
    )
    response = editor.post(
        cell_url(organization, matrix["journey"]),
        {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "AR"},
    )
    html = response.content.decode()
    assert f'data-swap="tp-{matrix["second"].id}"' in html
    assert "handoff gap from Sales person" in html


def test_stale_cell_is_refused_with_the_current_value(organization, editor, matrix):
    cells_set(organization=organization, changes=[CellChange(matrix["first"].id, matrix["sales"].id, frozenset("A"))])
    response = editor.post(
        cell_url(organization, matrix["journey"]),
        {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "R"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "someone else changed Sales person" in html
    assert f'data-function="{matrix["sales"].id}" data-letters="A"' in html
    assert letters(matrix["first"], matrix["sales"]) == {"A"}


def test_a_stale_cell_names_who_changed_it_when_and_its_letters(organization, editor, matrix, member):
    alice = member("editor")
    with change_context(surface="browser", user=alice):
        cells_set(
            organization=organization, changes=[CellChange(matrix["first"].id, matrix["sales"].id, frozenset("C"))]
        )
    response = editor.post(
        cell_url(organization, matrix["journey"]),
        {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "R"},
    )
    assert response.status_code == 409
    at = localtime(ChangeSet.objects.filter(organization=organization).latest("id").created_at)
    assert (
        f"{alice.username} changed Sales person × Sales at {at:%Y-%m-%d %H:%M %Z} (now C)" in response.content.decode()
    )


def test_unknown_letter_is_refused(organization, editor, matrix):
    response = editor.post(
        cell_url(organization, matrix["journey"]),
        {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "X"},
    )
    assert response.status_code == 400
    assert letters(matrix["first"], matrix["sales"]) == set()


def test_cell_of_another_organization_is_404(organization, editor, matrix):
    foreign = TouchpointFactory()
    response = editor.post(
        cell_url(organization, matrix["journey"]),
        {"touchpoint": foreign.id, "function": matrix["sales"].id, "expected": "", "letters": "A"},
    )
    assert response.status_code == 404


def test_undo_puts_back_the_last_change(organization, editor, matrix):
    url = cell_url(organization, matrix["journey"])
    editor.post(url, {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "A"})
    response = editor.post(reverse("journeys:undo", args=[organization.slug, matrix["journey"].id]))
    assert response.status_code == 200
    assert letters(matrix["first"], matrix["sales"]) == set()


def test_undo_after_someone_elses_change_is_refused(organization, editor, matrix):
    url = cell_url(organization, matrix["journey"])
    editor.post(url, {"touchpoint": matrix["first"].id, "function": matrix["sales"].id, "expected": "", "letters": "A"})
    cells_set(organization=organization, changes=[CellChange(matrix["first"].id, matrix["sales"].id, frozenset("AC"))])
    response = editor.post(reverse("journeys:undo", args=[organization.slug, matrix["journey"].id]))
    assert response.status_code == 409
    assert letters(matrix["first"], matrix["sales"]) == {"A", "C"}


def test_undo_with_nothing_to_undo_is_400(organization, editor, matrix):
    response = editor.post(reverse("journeys:undo", args=[organization.slug, matrix["journey"].id]))
    assert response.status_code == 400


def test_stage_add(organization, editor, matrix):
    editor.post(reverse("journeys:stage_create", args=[organization.slug, matrix["journey"].id]), {"name": "Collect"})
    assert list(matrix["journey"].stages.order_by("position").values_list("name", flat=True)) == ["Buy", "Collect"]


def test_stage_add_with_taken_name_shows_the_error(organization, editor, matrix):
    response = editor.post(
        reverse("journeys:stage_create", args=[organization.slug, matrix["journey"].id]), {"name": "Buy"}
    )
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert matrix["journey"].stages.count() == 1


def test_stage_rename_with_stale_version_is_refused(organization, editor, matrix):
    stage = matrix["stage"]
    url = reverse("journeys:stage_rename", args=[organization.slug, matrix["journey"].id, stage.id])
    editor.post(url, {f"s{stage.id}-name": "Pay", f"s{stage.id}-version": stage.version})
    response = editor.post(url, {f"s{stage.id}-name": "Checkout", f"s{stage.id}-version": stage.version}, follow=True)
    stage.refresh_from_db()
    assert stage.name == "Pay"
    assert "This stage was changed by " in response.content.decode()


def test_touchpoint_move_down(organization, editor, matrix):
    url = reverse("journeys:touchpoint_move", args=[organization.slug, matrix["journey"].id, matrix["first"].id])
    editor.post(url, {"direction": "down"})
    names = list(matrix["stage"].touchpoints.order_by("position").values_list("name", flat=True))
    assert names == ["Cashier", "Sales person"]


def test_stage_move_up(organization, editor, matrix):
    later = StageFactory(journey=matrix["journey"], organization=organization, name="Collect", position=2)
    editor.post(
        reverse("journeys:stage_move", args=[organization.slug, matrix["journey"].id, later.id]), {"direction": "up"}
    )
    assert list(matrix["journey"].stages.order_by("position").values_list("name", flat=True)) == ["Collect", "Buy"]


def test_touchpoint_add(organization, editor, matrix):
    stage = matrix["stage"]
    url = reverse("journeys:touchpoint_create", args=[organization.slug, matrix["journey"].id, stage.id])
    editor.post(url, {f"t{stage.id}-name": "Receipt", f"t{stage.id}-importance": "4"})
    assert stage.touchpoints.get(name="Receipt").importance == 4


def test_touchpoint_with_a_name_already_in_the_journey_is_refused_next_to_the_name(organization, editor, matrix):
    stage = matrix["stage"]
    url = reverse("journeys:touchpoint_create", args=[organization.slug, matrix["journey"].id, stage.id])
    response = editor.post(url, {f"t{stage.id}-name": "Cashier", f"t{stage.id}-importance": "3"})
    assert response.status_code == 400
    assert "A touchpoint with this name already exists in this journey" in response.content.decode()
    assert stage.touchpoints.filter(name="Cashier").count() == 1


def test_out_of_scope_needs_a_reason(organization, editor, matrix):
    touchpoint = matrix["first"]
    url = reverse("journeys:touchpoint_edit", args=[organization.slug, matrix["journey"].id, touchpoint.id])
    data = {"name": touchpoint.name, "stage": matrix["stage"].id, "importance": 3, "out_of_scope": "on"}
    response = editor.post(url, {**data, "version": touchpoint.version})
    assert response.status_code == 400
    assert "Say why it is out of scope" in response.content.decode()
    editor.post(url, {**data, "version": touchpoint.version, "out_of_scope_reason": "The landlord runs it"})
    touchpoint.refresh_from_db()
    assert touchpoint.out_of_scope and touchpoint.out_of_scope_reason == "The landlord runs it"


def test_touchpoint_edit_with_stale_version_shows_current_values(organization, editor, matrix):
    touchpoint = matrix["first"]
    url = reverse("journeys:touchpoint_edit", args=[organization.slug, matrix["journey"].id, touchpoint.id])
    base = {"stage": matrix["stage"].id, "importance": 3, "version": touchpoint.version}
    editor.post(url, {**base, "name": "Floor staff"})
    response = editor.post(url, {**base, "name": "Advisor"})
    touchpoint.refresh_from_db()
    assert touchpoint.name == "Floor staff"
    assert "Not saved: “Floor staff” was changed by " in response.content.decode()


def test_touchpoint_delete(organization, editor, matrix):
    editor.post(
        reverse("journeys:touchpoint_delete", args=[organization.slug, matrix["journey"].id, matrix["first"].id])
    )
    assert not matrix["stage"].touchpoints.filter(pk=matrix["first"].id).exists()


def test_journey_owner_set(organization, editor, matrix):
    role = RoleFactory(function=matrix["sales"], organization=organization, title="Store manager")
    journey = matrix["journey"]
    editor.post(
        reverse("journeys:owner", args=[organization.slug, journey.id]), {"owner": role.id, "version": journey.version}
    )
    assert journey_owner(journey=journey) == role


def test_journey_create(organization, editor):
    response = editor.post(reverse("journeys:create", args=[organization.slug]), {"name": "Onboarding"})
    journey = organization.journeys.get(name="Onboarding")
    assert response["Location"] == reverse("journeys:matrix", args=[organization.slug, journey.id])


def test_journey_map_marks_unowned_and_out_of_scope(organization, member, matrix):
    touchpoint = matrix["second"]
    touchpoint.out_of_scope, touchpoint.out_of_scope_reason = True, "Run by the bank"
    touchpoint.save()
    client = Client()
    client.force_login(member("viewer"))
    html = client.get(reverse("journeys:map", args=[organization.slug, matrix["journey"].id])).content.decode()
    assert ">nobody assigned</span>" in html
    assert "Run by the bank" in html


def test_confirming_the_owner_clears_stale_ownership(organization, editor, matrix, member):
    from datetime import timedelta

    from django.utils import timezone

    cells_set(organization=organization, changes=[CellChange(matrix["first"].id, matrix["sales"].id, frozenset("AR"))])
    Assignment.objects.filter(touchpoint=matrix["first"]).update(created_at=timezone.now() - timedelta(days=400))
    audit_organization(organization=organization, trigger="schedule")  # time passing is the audit's to notice
    url = reverse("journeys:matrix", args=[organization.slug, matrix["journey"].id])
    assert "Confirm owner" in editor.get(url).content.decode()
    editor.post(
        reverse("journeys:touchpoint_confirm", args=[organization.slug, matrix["journey"].id, matrix["first"].id])
    )
    accountable = Assignment.objects.get(touchpoint=matrix["first"], letter="A")
    assert accountable.confirmed_at is not None
    assert "Confirm owner" not in editor.get(url).content.decode()


def post_role(client, matrix, accountable, role, **kwargs):
    """POST `role` as the one carrying the A `accountable`, seen at its first version."""
    journey = matrix["journey"]
    url = reverse(
        "journeys:accountable_role", args=[journey.organization.slug, journey.id, matrix["first"].id, accountable.pk]
    )
    return client.post(url, {f"a{accountable.pk}-role": role.pk, f"a{accountable.pk}-version": 1}, **kwargs)


@pytest.fixture
def accountable(matrix):
    return Assignment.objects.create(
        organization=matrix["journey"].organization, touchpoint=matrix["first"], function=matrix["sales"], letter="A"
    )


def test_touchpoint_page_offers_the_roles_of_the_accountable_function(organization, editor, matrix, accountable):
    RoleFactory(function=matrix["sales"], title="Head of Sales", holder_name="")
    RoleFactory(function=matrix["finance"], title="CFO")
    url = reverse("journeys:touchpoint_edit", args=[organization.slug, matrix["journey"].id, matrix["first"].id])
    html = editor.get(url).content.decode()
    assert "Head of Sales (vacant)" in html
    assert "CFO" not in html


def test_editor_names_the_role_carrying_the_a(organization, editor, matrix, accountable):
    role = RoleFactory(function=matrix["sales"], title="Head of Sales")
    response = post_role(editor, matrix, accountable, role)
    assert response.status_code == 302
    accountable.refresh_from_db()
    assert accountable.role == role


def test_role_of_another_function_is_refused(organization, editor, matrix, accountable):
    other = RoleFactory(function=matrix["finance"], title="CFO")
    response = post_role(editor, matrix, accountable, other)
    assert response.status_code == 400
    accountable.refresh_from_db()
    assert accountable.role is None


def test_stale_role_change_is_refused(organization, editor, matrix, accountable):
    first, second = RoleFactory(function=matrix["sales"]), RoleFactory(function=matrix["sales"])
    post_role(editor, matrix, accountable, first)
    response = post_role(editor, matrix, accountable, second, follow=True)
    assert "Not saved: this A was changed by " in response.content.decode()
    accountable.refresh_from_db()
    assert accountable.role == first


def test_viewer_cannot_name_the_role(organization, member, matrix, accountable):
    viewer = Client()
    viewer.force_login(member("viewer"))
    role = RoleFactory(function=matrix["sales"])
    response = post_role(viewer, matrix, accountable, role)
    assert response.status_code == 403
