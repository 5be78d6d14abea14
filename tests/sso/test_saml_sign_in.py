"""Signing in through an organization's SAML provider (the real loopback IdP): who gets in, with which role."""

from django.contrib.auth import get_user_model

from cxowner.orgs.models import ChangeSet, Membership
from cxowner.sso.models import SsoIdentity
from tests.factories import MembershipFactory


def test_a_new_person_joins_with_the_default_role_where_the_organization_allows_it(
    saml_sso, saml_provider, saml_sign_in, client
):
    saml_sso.allow_jit, saml_sso.default_role = True, Membership.Role.EDITOR
    saml_sso.save()
    person = saml_provider.user_add(email="new.hire@acme.test", name="New Hire")

    answer = saml_sign_in(saml_sso, person)

    assert answer.status_code == 302, answer.content.decode()
    assert answer["Location"] == f"/o/{saml_sso.organization.slug}/"
    membership = Membership.objects.get(organization=saml_sso.organization, user__email="new.hire@acme.test")
    assert membership.role == Membership.Role.EDITOR
    assert client.get(answer["Location"]).status_code == 200
