"""When the provider is down: an operator gives an "SSO only" organization its passwords back."""

import io

import pytest
from django.core.management import CommandError, call_command

from cxowner.orgs.models import ChangeSet
from cxowner.sso.signin import sso_sign_in
from tests.factories import MembershipFactory, SingleSignOnFactory


def test_the_command_lets_members_use_their_passwords_again_and_says_so_in_the_history(client, organization):
    single_sign_on = SingleSignOnFactory(organization=organization, sso_only=True)
    user = MembershipFactory(organization=organization).user
    out = io.StringIO()

    call_command("sso_password_login", organization.slug, stdout=out)

    assert "may log in with their passwords again" in out.getvalue()
    single_sign_on.refresh_from_db()
    assert not single_sign_on.sso_only
    assert ChangeSet.objects.filter(organization=organization, kind="singlesignon.update", surface="cli").exists()
    assert (
        client.post("/accounts/login/", {"username": user.username, "password": "correct horse battery"}).status_code
        == 302
    )


def test_the_command_names_an_unknown_organization(db):
    with pytest.raises(CommandError, match="No organization 'nowhere'"):
        call_command("sso_password_login", "nowhere")


def test_entra_ids_verified_domain_claim_counts_as_a_verified_address(organization):
    single_sign_on = SingleSignOnFactory(organization=organization, name="Entra", domains=["contoso.com"])
    MembershipFactory(organization=organization, user__email="ana@contoso.com")

    membership = sso_sign_in(
        single_sign_on=single_sign_on, claims={"sub": "oid-1", "email": "ana@contoso.com", "xms_edov": True}
    )

    assert membership.user.email == "ana@contoso.com"
