"""Every live fragment (docs/live.md) only reads: it answers GET, to the organization's members."""

import pytest
from django.urls import reverse

from tests.factories import GapFactory, MembershipFactory, OrganizationFactory, client_for

pytestmark = pytest.mark.django_db


def fragment_urls(gap) -> list[str]:
    slug = gap.organization.slug
    return [
        reverse("dashboard_live", args=[slug]),
        reverse("journeys:list_live", args=[slug]),
        reverse("ownership:gaps_live", args=[slug]),
        reverse("ownership:gap_live", args=[slug, gap.pk]),
    ]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_fragment_takes_a_write_whatever_the_role(method):
    gap = GapFactory()
    admin = client_for(MembershipFactory(organization=gap.organization, role="admin").user)

    for url in fragment_urls(gap):
        assert getattr(admin, method)(url).status_code == 405, url


def test_every_fragment_answers_its_organizations_viewer_and_no_one_else():
    gap = GapFactory()
    viewer = client_for(MembershipFactory(organization=gap.organization, role="viewer").user)
    outsider = client_for(MembershipFactory(organization=OrganizationFactory(), role="admin").user)

    for url in fragment_urls(gap):
        assert viewer.get(url, HTTP_HX_REQUEST="true").status_code == 200, url
        refused = outsider.get(url, HTTP_HX_REQUEST="true")
        assert refused.status_code == 404, url
        assert gap.finding["message"] not in refused.content.decode()
