"""The browser's pages for managing functions, roles and members (Django's test client)."""

import pytest
from django.urls import reverse

from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Membership
from ownership.models import Assignment, Function, Role
from ownership.structure.changes import function_delete_plan, function_merge_plan
from tests.factories import (
    AssignmentFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleFactory,
    client_for,
    letters_build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organization):
    return letters_build(organization, [("Till", "Sales", "A"), ("Till", "Service", "R"), ("Returns", "Sales", "AR")])


def url(name: str, organization, *args) -> str:
    return reverse(f"ownership:{name}", args=[organization.slug, *args])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_editors_see_the_management_controls_and_viewers_do_not(organization, member, world, editor):
    assert b"Rename, merge, delete" in editor.get(url("functions", organization)).content
    assert b"Rename, merge, delete" not in client_for(member("viewer")).get(url("functions", organization)).content


def test_renaming_a_function_says_where_it_shows(organization, world, editor):
    response = editor.post(
        url("function_rename", organization, world["sales"].pk), {"name": "Retail", "version": 1}, follow=True
    )
    assert Function.objects.get(pk=world["sales"].pk).name == "Retail"
    assert "“Sales” is now called “Retail”, in every journey and gap." in messages_of(response)


def test_renaming_to_a_taken_name_explains_and_changes_nothing(organization, world, editor):
    response = editor.post(
        url("function_rename", organization, world["sales"].pk), {"name": "service", "version": 1}, follow=True
    )
    assert Function.objects.get(pk=world["sales"].pk).name == "Sales"
    assert any("already exists" in message for message in messages_of(response))


def test_renaming_a_function_changed_meanwhile_is_refused(organization, world, editor):
    editor.post(url("function_rename", organization, world["sales"].pk), {"name": "Retail", "version": 1})
    response = editor.post(
        url("function_rename", organization, world["sales"].pk), {"name": "Shop", "version": 1}, follow=True
    )
    assert Function.objects.get(pk=world["sales"].pk).name == "Retail"
    renamed = ChangeSet.objects.latest("id")
    changed = f"changed by {renamed.actor_label} at {renamed.created_at:%Y-%m-%d %H:%M} UTC"
    assert f"“Retail” was {changed}; it is shown as it is now." in messages_of(response)


def test_moving_a_function_right_swaps_the_columns(organization, world, editor):
    editor.post(url("function_move", organization, world["sales"].pk), {"direction": "down", "version": 1})
    assert list(Function.objects.filter(organization=organization).values_list("name", flat=True)) == [
        "Service",
        "Sales",
    ]


def test_the_delete_preview_lists_letters_and_gaps_in_few_queries(
    organization, world, editor, django_assert_max_num_queries
):
    # session, user, membership, organizations for the switcher, function, snapshot (6),
    # roles of the function, messages: a constant whatever the matrix's size
    with django_assert_max_num_queries(16):
        response = editor.get(url("function_delete", organization, world["sales"].pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Letters that go" in page and "Returns" in page
    assert "Gaps this opens" in page and "Nobody owns Returns" in page
    assert Function.objects.filter(pk=world["sales"].pk).exists()


def test_deleting_after_the_preview_removes_the_function(organization, world, editor):
    plan = function_delete_plan(function=world["sales"])
    response = editor.post(
        url("function_delete", organization, world["sales"].pk), {"version": 1, "digest": plan.digest}
    )
    assert response.status_code == 302
    assert not Function.objects.filter(pk=world["sales"].pk).exists()


def test_a_delete_whose_letters_changed_since_the_preview_shows_the_new_preview(organization, world, editor):
    digest = function_delete_plan(function=world["sales"]).digest
    AssignmentFactory(touchpoint=world["till"], function=world["sales"], letter="C")
    response = editor.post(url("function_delete", organization, world["sales"].pk), {"version": 1, "digest": digest})
    assert response.status_code == 409
    assert "The matrix changed since the preview" in response.content.decode()
    assert Function.objects.filter(pk=world["sales"].pk).exists()


def test_the_merge_preview_shows_the_cells_after_the_merge(organization, world, editor):
    response = editor.get(url("function_merge", organization, world["sales"].pk), {"into": world["service"].pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Merge “Sales” into “Service”?" in page
    assert "Service after" in page


def test_merging_after_the_preview_moves_the_letters(organization, world, editor):
    plan = function_merge_plan(function=world["sales"], target=world["service"])
    response = editor.post(
        url("function_merge", organization, world["sales"].pk),
        {"into": world["service"].pk, "version": 1, "digest": plan.digest},
    )
    assert response.status_code == 302
    letters = set(Assignment.objects.filter(touchpoint=world["till"]).values_list("function_id", "letter"))
    assert letters == {(world["service"].pk, "A"), (world["service"].pk, "R")}


def test_a_merge_without_a_target_explains_what_to_choose(organization, world, editor):
    response = editor.get(url("function_merge", organization, world["sales"].pk), follow=True)
    assert "Choose the function that takes over the letters of “Sales”." in messages_of(response)


def test_a_role_gets_a_member_as_holder(organization, world, editor):
    role = RoleFactory(function=world["sales"], title="Head", holder_name="")
    holder = MembershipFactory(organization=organization, user__first_name="Ines", user__last_name="Duarte")
    response = editor.post(
        url("role_edit", organization, role.pk),
        {"version": 1, "title": "Head of Sales", "holder_member": holder.pk, "holder_name": "", "holder_email": ""},
        follow=True,
    )
    role.refresh_from_db()
    assert (role.title, role.holder_name, role.holder_member_id) == ("Head of Sales", "Ines Duarte", holder.pk)
    assert "Role “Head of Sales” saved: held by Ines Duarte." in messages_of(response)


def test_a_role_form_offers_only_members_of_the_organization(organization, world, editor):
    role = RoleFactory(function=world["sales"])
    outsider = MembershipFactory(organization=OrganizationFactory())
    response = editor.post(
        url("role_edit", organization, role.pk),
        {"version": 1, "title": role.title, "holder_member": outsider.pk, "holder_name": "", "holder_email": ""},
    )
    assert response.status_code == 400
    assert Role.objects.get(pk=role.pk).holder_member_id is None


def test_a_role_is_deleted(organization, world, editor):
    role = RoleFactory(function=world["sales"], title="Clerk")
    editor.post(url("role_delete", organization, role.pk), {"version": 1})
    assert not Role.objects.filter(pk=role.pk).exists()


def test_a_role_changed_meanwhile_is_not_deleted(organization, world, editor):
    role = RoleFactory(function=world["sales"], title="Clerk")
    Role.objects.filter(pk=role.pk).update(version=2)
    response = editor.post(url("role_delete", organization, role.pk), {"version": 1}, follow=True)
    assert Role.objects.filter(pk=role.pk).exists()
    assert "“Clerk” was changed by someone else meanwhile; it is shown as it is now. It was not deleted." in (
        messages_of(response)
    )


@pytest.mark.parametrize(
    "name, method",
    [
        ("function_rename", "post"),
        ("function_move", "post"),
        ("function_delete", "get"),
        ("function_merge", "get"),
    ],
)
def test_viewers_are_forbidden_and_outsiders_not_found(organization, member, world, name, method):
    path = url(name, organization, world["sales"].pk)
    assert getattr(client_for(member("viewer")), method)(path).status_code == 403
    outsider = MembershipFactory(organization=OrganizationFactory(), role="admin").user
    assert getattr(client_for(outsider), method)(path).status_code == 404


@pytest.mark.parametrize("change", ["demote", "remove"])
def test_the_last_admin_is_neither_demoted_nor_removed_in_the_browser(organization, member, change):
    admin = member("admin")
    membership = Membership.objects.get(user=admin, organization=organization)
    client = client_for(admin)
    if change == "demote":
        response = client.post(url("member_role", organization, membership.pk), {"role": "viewer"}, follow=True)
    else:
        response = client.post(url("member_remove", organization, membership.pk), follow=True)
    assert "The organization needs at least one admin." in messages_of(response)
    assert Membership.objects.get(pk=membership.pk).role == "admin"


def test_an_admin_changes_a_members_role(organization, member):
    client = client_for(member("admin"))
    editor = MembershipFactory(organization=organization, role="editor")
    response = client.post(url("member_role", organization, editor.pk), {"role": "viewer"}, follow=True)
    assert Membership.objects.get(pk=editor.pk).role == "viewer"
    assert f"{editor.user.username} is now viewer." in messages_of(response)


def test_the_members_page_marks_the_only_admin(organization, member):
    admin = member("admin")
    page = client_for(admin).get(url("members", organization)).content.decode()
    assert "The only admin: cannot be demoted or removed" in page
    member("admin")
    page = client_for(admin).get(url("members", organization)).content.decode()
    assert "The only admin" not in page


def test_the_delete_button_is_red_and_says_what_it_destroys(organization, world, editor):
    RoleFactory(function=world["sales"], title="Head of sales")

    page = editor.get(url("function_delete", organization, world["sales"].pk)).content.decode()

    assert (
        'class="btn button-danger" data-testid="plan-confirm">Delete Sales and its 3 letters and 1 role</button>'
        in page
    )


def test_the_merge_button_is_red_and_says_the_function_goes(organization, world, editor):
    page = editor.get(url("function_merge", organization, world["sales"].pk), {"into": world["service"].pk})

    assert "Merge Sales into Service and delete Sales</button>" in page.content.decode()


def test_the_only_admins_remove_is_disabled_with_the_reason_beside_it(organization, member):
    admin = member("admin")
    viewer = member("viewer")

    page = client_for(admin).get(url("members", organization)).content.decode()

    only_admin = page.split(f"<td>{admin.username}")[1].split("</tr>")[0]
    assert "disabled" in only_admin and 'aria-describedby="last-admin-' in only_admin
    assert "The only admin: cannot be demoted or removed" in only_admin
    other = page.split(f"<td>{viewer.username}")[1].split("</tr>")[0]
    assert f'class="btn btn-small button-danger">Remove {viewer.username}</button>' in other
