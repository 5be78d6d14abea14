"""--owner USER: the commands that create an organization give it an admin who can open it."""

import os

import pytest
from django.core.management import CommandError, call_command

from cxowner.orgs.models import ChangeSet, Membership, Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def quietly(*args: str) -> None:
    call_command(*args, stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_import_matrix_with_owner_makes_the_user_admin_of_the_new_organization(matrix_file):
    user = UserFactory(username="ana")

    quietly("import_matrix", "acme", str(matrix_file), "--create-org", "--owner", "ana")

    membership = Membership.objects.get(organization__slug="acme")
    assert (membership.user, membership.role) == (user, Membership.Role.ADMIN)


def test_import_matrix_says_how_to_open_the_organization(matrix_file, capsys):
    UserFactory(username="ana")

    call_command("import_matrix", "acme", str(matrix_file), "--create-org", "--owner", "ana")

    assert "ana is an admin of acme: /o/acme/ opens it." in capsys.readouterr().out


def test_import_matrix_refuses_an_unknown_owner_and_creates_nothing(matrix_file):
    with pytest.raises(CommandError, match="No user 'nobody'"):
        quietly("import_matrix", "acme", str(matrix_file), "--create-org", "--owner", "nobody")
    assert not Organization.objects.exists()


def test_a_dry_run_with_owner_leaves_no_organization_and_no_member(matrix_file):
    UserFactory(username="ana")

    quietly("import_matrix", "acme", str(matrix_file), "--create-org", "--owner", "ana", "--dry-run")

    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_owner_raises_an_existing_member_to_admin(matrix_file):
    organization = OrganizationFactory(slug="acme")
    member = MembershipFactory(organization=organization, role=Membership.Role.VIEWER)

    quietly("import_matrix", "acme", str(matrix_file), "--owner", member.user.username)

    member.refresh_from_db()
    assert member.role == Membership.Role.ADMIN


def test_the_new_admin_is_recorded_in_the_organization_history(matrix_file):
    UserFactory(username="ana")

    quietly("import_matrix", "acme", str(matrix_file), "--create-org", "--owner", "ana")

    assert ChangeSet.objects.filter(organization__slug="acme", kind="membership.create").exists()


def test_generate_org_with_owner_makes_the_user_admin():
    user = UserFactory(username="ana")

    quietly("generate_org", "big", "--touchpoints", "20", "--functions", "3", "--owner", "ana")

    membership = Membership.objects.get(organization__slug="big")
    assert (membership.user, membership.role) == (user, Membership.Role.ADMIN)


def test_generate_org_refuses_an_unknown_owner_before_building_anything():
    with pytest.raises(CommandError, match="No user 'nobody'"):
        quietly("generate_org", "big", "--touchpoints", "20", "--owner", "nobody")
    assert not Organization.objects.exists()


def test_generate_org_without_owner_says_how_to_get_in(capsys):
    call_command("generate_org", "big", "--touchpoints", "20", "--functions", "3")

    assert "pass --owner USER" in capsys.readouterr().out
