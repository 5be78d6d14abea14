"""The checks every organization page makes before its own work (cxowner.views.org_view), in
their order: login, then the method, then the member's role."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login_whatever_the_method(organization):
    response = Client().get(reverse("ownership:token_add", args=[organization.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_method_the_page_does_not_answer_is_refused_before_the_role(organization, member):
    response = client_for(member("viewer")).get(reverse("ownership:token_add", args=[organization.slug]))
    assert response.status_code == 405


def test_a_role_below_the_page_is_forbidden(organization, member):
    response = client_for(member("editor")).post(reverse("ownership:token_add", args=[organization.slug]))
    assert response.status_code == 403


def test_an_outsider_does_not_learn_the_organization_exists(organization):
    outsider = MembershipFactory(role="admin").user
    response = client_for(outsider).post(reverse("ownership:token_add", args=[organization.slug]))
    assert response.status_code == 404


def test_a_page_may_ask_a_role_per_method(organization, member):
    client = client_for(member("viewer"))
    url = reverse("ownership:campaigns", args=[organization.slug])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 403
