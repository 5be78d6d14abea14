"""Where pages open their live socket: their own host, or LIVE_SOCKET_ORIGIN (docs/live.md)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_page_opens_its_socket_on_its_own_host_by_default(organization, viewer):
    page = viewer.get(f"/o/{organization.slug}/")

    assert f'data-live-url="/ws/o/{organization.slug}/live/"' in page.content.decode()
    assert "connect-src" not in page["Content-Security-Policy"]


def test_sockets_served_elsewhere_are_named_and_allowed_by_the_policy(organization, viewer, settings):
    settings.LIVE_SOCKET_ORIGIN = "wss://live.example.com"

    page = viewer.get(f"/o/{organization.slug}/")

    assert f'data-live-url="wss://live.example.com/ws/o/{organization.slug}/live/"' in page.content.decode()
    assert "connect-src 'self' wss://live.example.com" in page["Content-Security-Policy"]


def test_a_page_outside_an_organization_opens_no_socket(client):
    assert b"data-live-url" not in client.get("/accounts/login/").content
