"""What the SAML service provider refuses, each with its reason on the refusal page: responses signed
with another key or not at all, for another audience, expired, replayed, unsolicited, or with a
transient NameID; and accepts an assertion encrypted to its certificate. Every response here is
made by the real loopback IdP."""

import base64

import pytest
from django.test import Client

from cxowner.orgs.models import Membership
from cxowner.sso.models import SsoIdentity
from tests.factories import MembershipFactory, SamlSingleSignOnFactory


@pytest.fixture
def member(saml_sso, saml_provider):
    MembershipFactory(organization=saml_sso.organization, user__email="ana@acme.test")
    return saml_provider.user_add(email="ana@acme.test")


def started(client, saml_sso) -> str:
    """Start a sign-in in `client`; the redirect to the provider, carrying the AuthnRequest."""
    start = client.get(f"/accounts/sso/{saml_sso.pk}/start/")
    assert start.status_code == 302
    return start["Location"]


def post(client, saml_sso, saml_response: str):
    return client.post(f"/accounts/sso/saml/{saml_sso.pk}/acs/", {"SAMLResponse": saml_response})


def refused(answer, reason: str) -> bool:
    page = answer.content.decode()
    return answer.status_code == 403 and 'data-testid="sso-refused"' in page and reason in page


def test_a_correct_response_is_accepted(client, saml_sso, saml_provider, member):
    answer = post(client, saml_sso, saml_provider.respond(member, started(client, saml_sso)))

    assert answer.status_code == 302 and "_auth_user_id" in client.session


def test_an_assertion_encrypted_to_the_sps_certificate_is_accepted(client, saml_sso, saml_provider, member):
    saml_response = saml_provider.respond(member, started(client, saml_sso), "encrypted")
    assert b"EncryptedAssertion" in base64.b64decode(saml_response)

    answer = post(client, saml_sso, saml_response)

    assert answer.status_code == 302, answer.content.decode()
    assert "_auth_user_id" in client.session


def test_a_response_signed_with_another_key_is_refused(client, saml_sso, saml_provider, member):
    answer = post(client, saml_sso, saml_provider.respond(member, started(client, saml_sso), "wrong_key"))

    assert refused(answer, "not signed by Acme SAML")
    assert "_auth_user_id" not in client.session


def test_an_unsigned_response_is_refused(client, saml_sso, saml_provider, member):
    answer = post(client, saml_sso, saml_provider.respond(member, started(client, saml_sso), "unsigned"))

    assert refused(answer, "not signed by Acme SAML")
    assert not SsoIdentity.objects.exists()


def test_a_response_for_another_audience_is_refused(client, saml_sso, saml_provider, member):
    answer = post(client, saml_sso, saml_provider.respond(member, started(client, saml_sso), "wrong_audience"))

    assert refused(answer, "not valid for this organization")


def test_an_expired_response_is_refused(client, saml_sso, saml_provider, member):
    answer = post(client, saml_sso, saml_provider.respond(member, started(client, saml_sso), "expired"))

    assert refused(answer, "expired")


def test_a_transient_nameid_is_refused_with_what_the_admin_must_change(client, saml_sso, saml_provider, member):
    answer = post(client, saml_sso, saml_provider.respond(member, started(client, saml_sso), "transient"))

    assert refused(answer, "set the NameID format to persistent")


def test_a_response_posted_again_in_the_same_browser_is_refused(client, saml_sso, saml_provider, member):
    saml_response = saml_provider.respond(member, started(client, saml_sso))
    post(client, saml_sso, saml_response)
    client.logout()

    answer = post(client, saml_sso, saml_response)

    assert refused(answer, "already been used")
    assert "_auth_user_id" not in client.session


def test_a_response_replayed_in_a_browser_that_started_its_own_sign_in_is_refused(saml_sso, saml_provider, member):
    victim, attacker = Client(), Client()
    saml_response = saml_provider.respond(member, started(victim, saml_sso))
    post(victim, saml_sso, saml_response)
    started(attacker, saml_sso)

    answer = post(attacker, saml_sso, saml_response)

    assert refused(answer, "not started in this browser")
    assert "_auth_user_id" not in attacker.session


def test_an_unsolicited_response_is_refused(client, saml_sso, saml_provider, member):
    """IdP-initiated: the browser never started a sign-in, so the response answers no request of its own."""
    other_browser = Client()
    saml_response = saml_provider.respond(member, started(other_browser, saml_sso))

    answer = post(client, saml_sso, saml_response)

    assert refused(answer, "not started in this browser")


def test_the_same_assertion_is_refused_twice_even_with_its_request_pending_again(
    client, saml_sso, saml_provider, member
):
    """The pending-request cookie is the browser's: an old cookie put back must not let the assertion in again."""
    location = started(client, saml_sso)
    saved_cookie = client.cookies["cxowner_saml"].value
    saml_response = saml_provider.respond(member, location)
    post(client, saml_sso, saml_response)
    client.logout()
    client.cookies["cxowner_saml"] = saved_cookie

    answer = post(client, saml_sso, saml_response)

    assert refused(answer, "already been used")


def test_a_response_for_another_organizations_acs_is_refused(client, saml_sso, saml_provider, member):
    other = SamlSingleSignOnFactory(name="Other SAML", saml_metadata_xml=saml_sso.saml_metadata_xml, domains=["o.test"])
    saml_response = saml_provider.respond(member, started(client, saml_sso))

    answer = post(client, other, saml_response)

    assert answer.status_code == 403
    assert not Membership.objects.filter(organization=other.organization).exists()


def test_a_provider_turned_off_has_no_acs(client, saml_sso, saml_provider, member):
    location = started(client, saml_sso)
    saml_sso.enabled = False
    saml_sso.save()

    answer = post(client, saml_sso, saml_provider.respond(member, location))

    assert answer.status_code == 404


def test_an_assertion_changed_after_it_was_signed_is_refused(client, saml_sso, saml_provider, member):
    signed = base64.b64decode(saml_provider.respond(member, started(client, saml_sso))).decode()
    tampered = signed.replace("ana@acme.test", "ceo@acme.test")
    assert tampered != signed

    answer = post(client, saml_sso, base64.b64encode(tampered.encode()).decode())

    assert refused(answer, "not signed by Acme SAML")


def test_a_forged_assertion_wrapped_around_a_signed_one_is_refused(client, saml_sso, saml_provider, member):
    """Signature wrapping: a second, unsigned assertion (another ID, another person) beside the signed one."""
    signed = base64.b64decode(saml_provider.respond(member, started(client, saml_sso))).decode()
    start, end = signed.index("<ns1:Assertion"), signed.index("</ns1:Assertion>") + len("</ns1:Assertion>")
    original = signed[start:end]
    forged = original.replace("ana@acme.test", "ceo@acme.test").replace(' ID="', ' ID="forged-', 1)
    forged = forged[: forged.index("<ns2:Signature")] + forged[forged.index("</ns2:Signature>") + 16 :]
    wrapped = signed[:start] + forged + original + signed[end:]

    answer = post(client, saml_sso, base64.b64encode(wrapped.encode()).decode())

    assert refused(answer, "Invalid number of assertions")
    assert not SsoIdentity.objects.exists()
