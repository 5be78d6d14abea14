"""The provider's answer comes back once: replays, reused codes and the provider's own refusals."""

from urllib.parse import parse_qs, urlsplit

from django.test import Client

from cxowner.orgs.models import Membership
from tests.factories import MembershipFactory, SingleSignOnFactory
from tests.loopback_server import free_port

from .conftest import callback_path


def test_the_answer_replayed_in_the_same_browser_is_refused(sso, oidc_provider, client):
    MembershipFactory(organization=sso.organization, user__email="ana@acme.test")
    start = client.get(f"/accounts/sso/{sso.pk}/start/")
    answer = callback_path(oidc_provider.sign_in(start["Location"], oidc_provider.user_add(email="ana@acme.test")))
    assert client.get(answer).status_code == 302
    client.logout()

    replayed = client.get(answer)

    assert replayed.status_code == 400
    assert "already been used" in replayed.content.decode()
    assert "_auth_user_id" not in replayed.wsgi_request.session


def test_a_code_used_once_is_refused_by_the_provider_when_sent_again(sso, oidc_provider, client):
    MembershipFactory(organization=sso.organization, user__email="ana@acme.test")
    start = client.get(f"/accounts/sso/{sso.pk}/start/")
    answer = callback_path(oidc_provider.sign_in(start["Location"], oidc_provider.user_add(email="ana@acme.test")))
    assert client.get(answer).status_code == 302
    # An attacker who saw the code starts a sign-in of their own and sends the code with their state.
    attacker = Client()
    their_start = attacker.get(f"/accounts/sso/{sso.pk}/start/")
    their_state = parse_qs(urlsplit(their_start["Location"]).query)["state"][0]
    code = parse_qs(urlsplit(answer).query)["code"][0]

    stolen = attacker.get(f"/accounts/sso/callback/?code={code}&state={their_state}")

    assert stolen.status_code == 403
    assert "refused to complete this sign-in" in stolen.content.decode()
    assert "_auth_user_id" not in stolen.wsgi_request.session


def test_a_provider_that_says_no_is_shown_with_its_reason(sso, client):
    start = client.get(f"/accounts/sso/{sso.pk}/start/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    answer = client.get(f"/accounts/sso/callback/?error=access_denied&error_description=User+is+disabled&state={state}")

    assert answer.status_code == 403
    assert "User is disabled" in answer.content.decode()


def test_a_provider_whose_discovery_names_another_issuer_is_not_used(sso, client):
    sso.issuer += "/"  # the provider calls itself without the slash
    sso.save()

    answer = client.get(f"/accounts/sso/{sso.pk}/start/")

    assert answer.status_code == 502
    assert "not the configured issuer" in answer.content.decode()


def test_a_turned_off_provider_is_not_found(sso, client):
    sso.enabled = False
    sso.save()

    assert client.get(f"/accounts/sso/{sso.pk}/start/").status_code == 404


def test_a_member_signed_in_lands_with_their_role(sso, oidc_provider, sign_in, client):
    MembershipFactory(organization=sso.organization, user__email="vi@acme.test", role=Membership.Role.VIEWER)

    landed = client.get(sign_in(sso, oidc_provider.user_add(email="vi@acme.test"))["Location"])

    assert landed.status_code == 200
    assert landed.context["membership"].role == Membership.Role.VIEWER


def test_a_provider_that_cannot_be_reached_is_named_as_the_reason(organization, client):
    unreachable = SingleSignOnFactory(organization=organization, issuer=f"http://127.0.0.1:{free_port()}/o")

    answer = client.get(f"/accounts/sso/{unreachable.pk}/start/")

    assert answer.status_code == 502
    assert "discovery document could not be read" in answer.content.decode()
