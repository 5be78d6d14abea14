"""API tokens, authentication, CSRF and throttling."""

from datetime import timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.api.throttles import AnonRateThrottle, TokenRateThrottle
from cxowner.orgs.models import ApiToken, Membership
from cxowner.orgs.services import membership_remove, membership_set_role, token_authenticate, token_create
from tests.factories import ApiTokenFactory, JourneyFactory, MembershipFactory, OrganizationFactory


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    return client


def test_token_is_created_by_an_admin_and_its_key_shown_once(member, organization):
    client = APIClient()
    client.force_login(member("admin"))
    response = client.post(f"/api/v1/orgs/{organization.slug}/tokens/", {"name": "HR sync", "role": "editor"})
    assert response.status_code == 201
    key = response.json()["key"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert key.startswith(f"cxo_{token.prefix}_")
    assert key not in {token.key_hash, token.prefix, token.name}
    listed = client.get(f"/api/v1/orgs/{organization.slug}/tokens/{token.pk}/").json()
    assert "key" not in listed and "key_hash" not in listed


def test_token_reads_its_organization_and_records_its_use(organization):
    token = ApiTokenFactory(organization=organization, role="viewer")
    JourneyFactory(organization=organization, name="Onboarding")
    response = bearer(token).get(f"/api/v1/orgs/{organization.slug}/journeys/")
    assert [row["name"] for row in response.json()["results"]] == ["Onboarding"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_of_one_organization_gets_404_in_another(organization):
    token = ApiTokenFactory(organization=organization)
    other = OrganizationFactory()
    assert bearer(token).get(f"/api/v1/orgs/{other.slug}/journeys/").status_code == 404


def test_viewer_token_cannot_write(organization):
    token = ApiTokenFactory(organization=organization, role="viewer")
    response = bearer(token).post(f"/api/v1/orgs/{organization.slug}/journeys/", {"name": "X"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer cxo_nothing_here", "Token nope"])
def test_malformed_or_unknown_token_is_401(organization, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(f"/api/v1/orgs/{organization.slug}/journeys/").status_code == 401


def test_revoked_token_stops_working_at_once(member, organization):
    token = ApiTokenFactory(organization=organization)
    admin = APIClient()
    admin.force_login(member("admin"))
    assert admin.delete(f"/api/v1/orgs/{organization.slug}/tokens/{token.pk}/").status_code == 204
    assert bearer(token).get(f"/api/v1/orgs/{organization.slug}/journeys/").status_code == 401


def test_expired_token_is_refused(organization):
    token, key = token_create(
        organization=organization, name="BI", role="viewer", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert token_authenticate(key=key) is not None
    assert token_authenticate(key=key, now=timezone.now() + timedelta(hours=2)) is None


def test_token_with_an_expiry_in_the_past_is_400(member, organization):
    client = APIClient()
    client.force_login(member("admin"))
    past = (timezone.now() - timedelta(days=1)).isoformat()
    body = {"name": "Old", "role": "viewer", "expires_at": past}
    assert client.post(f"/api/v1/orgs/{organization.slug}/tokens/", body, format="json").status_code == 400


def test_a_wrong_key_with_a_right_prefix_is_refused(organization):
    token = ApiTokenFactory(organization=organization)
    forged = token.key[:-4] + ("AAAA" if not token.key.endswith("AAAA") else "BBBB")
    assert token_authenticate(key=forged) is None


def test_session_write_without_csrf_token_is_403(member, organization):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member("editor"))
    response = client.post(f"/api/v1/orgs/{organization.slug}/journeys/", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_token_write_needs_no_csrf_token(organization):
    token = ApiTokenFactory(organization=organization, role="editor")
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    response = client.post(f"/api/v1/orgs/{organization.slug}/journeys/", {"name": "X"}, format="json")
    assert response.status_code == 201


def test_token_over_its_rate_is_throttled_with_retry_after(monkeypatch, organization):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    monkeypatch.setattr(TokenRateThrottle, "cache", LocMemCache("token-throttle-test", {}))
    client = bearer(ApiTokenFactory(organization=organization))
    statuses = [client.get(f"/api/v1/orgs/{organization.slug}/journeys/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert int(client.get(f"/api/v1/orgs/{organization.slug}/journeys/")["Retry-After"]) > 0


def test_anonymous_callers_are_throttled(monkeypatch, db):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/min"})
    monkeypatch.setattr(AnonRateThrottle, "cache", LocMemCache("anon-throttle-test", {}))
    client = APIClient()
    assert [client.get("/api/v1/orgs/").status_code for _ in range(2)] == [401, 429]


def test_guessed_keys_count_towards_the_anonymous_rate(monkeypatch, organization):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    monkeypatch.setattr(AnonRateThrottle, "cache", LocMemCache("guess-throttle-test", {}))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer cxo_000000000000_guess")
    statuses = [client.get(f"/api/v1/orgs/{organization.slug}/").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_admin_changes_and_removes_a_member(member, organization):
    client = APIClient()
    client.force_login(member("admin"))
    newcomer = MembershipFactory(organization=organization, role="viewer")
    path = f"/api/v1/orgs/{organization.slug}/members/"
    assert client.patch(f"{path}{newcomer.pk}/", {"role": "editor"}, format="json").json()["role"] == "editor"
    assert client.delete(f"{path}{newcomer.pk}/").status_code == 204
    assert not Membership.objects.filter(organization=organization, user=newcomer.user).exists()


def test_members_cannot_be_added_by_username(member, organization):
    client = APIClient()
    client.force_login(member("admin"))
    outsider = MembershipFactory(organization=OrganizationFactory()).user
    response = client.post(
        f"/api/v1/orgs/{organization.slug}/members/", {"username": outsider.username, "role": "viewer"}
    )
    assert response.status_code == 405
    assert not Membership.objects.filter(organization=organization, user=outsider).exists()


def test_the_last_admin_can_be_neither_demoted_nor_removed(organization):
    admin = MembershipFactory(organization=organization, role="admin")
    with pytest.raises(Exception, match="at least one admin"):
        membership_set_role(membership=admin, role="viewer")
    with pytest.raises(Exception, match="at least one admin"):
        membership_remove(membership=admin)
