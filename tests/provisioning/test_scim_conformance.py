"""scim2-tester, a SCIM conformance checker, against the SCIM endpoints of a server on loopback:
discovery, then create, read, query, search, replace, patch and delete of Users and Groups, over HTTP."""

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.factories import ApiTokenFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Where the checker and this server read RFC 7643 differently, each on purpose. After a PATCH that
# sets emails or members, the checker wants the answer to hold exactly the value it sent; the
# answer adds the read-only sub-attributes the server sets (RFC 7643 §2.2 returns them): an
# e-mail's type "work" and primary true, which Okta's import maps from, and a member's display.
READ_ONLY_ADDED = {
    ("check_add_attribute", "emails"),
    ("check_replace_attribute", "emails"),
    ("check_add_attribute", "members"),
    ("check_replace_attribute", "members"),
}


@pytest.fixture
def provider_client(live_server):
    organization = OrganizationFactory()
    token = ApiTokenFactory(organization=organization, name="scim2-tester", scope="scim")
    http = httpx2.Client(
        base_url=f"{live_server.url}/scim/v2/o/{organization.slug}",
        headers={"Authorization": f"Bearer {token.key}"},
    )
    yield SyncSCIMClient(http)
    http.close()


def divergence(result) -> tuple[str, str]:
    urn = str((result.data or {}).get("urn", "")) if isinstance(result.data, dict) else ""
    return result.title, urn.rsplit(":", 1)[-1]


def test_scim2_tester_finds_nothing_wrong_but_the_read_only_values_the_server_adds(provider_client):
    results = check_server(provider_client, raise_exceptions=False)
    failed = [r for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    unexplained = [f"{r.title}: {r.reason}" for r in failed if divergence(r) not in READ_ONLY_ADDED]
    assert not unexplained, "\n".join(unexplained)
    assert sum(r.status == Status.SUCCESS for r in results) >= 50  # 56 when written
