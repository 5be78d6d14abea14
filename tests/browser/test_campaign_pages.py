"""An ownership review in Chromium: the admin starts one for the organization, Customer Service's
A's are confirmed with "Confirm all", the progress moves and the stale-ownership gaps are gone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cxowner.orgs.signals import MatrixScope
from ownership.editor.services import assignment_role_set
from ownership.gaps.live import gaps_refresh
from ownership.models import Assignment, Gap, Role
from ownership.structure.services import role_update

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_starts_a_review_and_confirm_all_clears_the_stale_gaps(
    demo, live_server, chromium, log_in, screenshot
):
    # Customer Service last confirmed its three A's over a year ago.
    service_a = Assignment.objects.filter(organization__slug="demo", function__name="Customer Service", letter="A")
    service_a.update(confirmed_at=timezone.now() - timedelta(days=400))
    organization = service_a.first().organization
    # The Head of Customer Service carries the hotline's A: she is asked for it by name.
    head = Role.objects.get(organization=organization, title="Head of Customer Service")
    role_update(role=head, version=None, holder_email="aisha@demo.example")
    assignment_role_set(assignment=service_a.get(touchpoint__name="Phone hotline"), role=head)
    gaps_refresh(organization_id=organization.pk, scope=MatrixScope.of("test", organization_wide=True))
    stale = Gap.objects.filter(organization=organization, rule="stale_ownership", resolved_at__isnull=True)
    assert stale.count() == 3

    page = log_in(chromium.new_context(), "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Functions").click()
    page.get_by_role("link", name="Ownership reviews").click()
    assert_accessible(page)
    screenshot(page, "campaign-list", full_page=True)
    page.get_by_label("Name").fill("Spring ownership review")
    page.get_by_label("Ends on").fill(str(timezone.localdate() + timedelta(days=14)))
    page.get_by_role("button", name="Start the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring ownership review")
    expect(page.get_by_test_id("campaign-progress")).to_contain_text("0 confirmed")

    page.get_by_role("link", name="Review 3 of Customer Service").click()
    expect(page.get_by_test_id("review-items").locator("tbody tr")).to_have_count(3)
    assert_accessible(page)
    screenshot(page, "campaign-function", full_page=True)
    page.get_by_role("button", name="Confirm all 3").click()
    expect(page.get_by_test_id("function-progress")).to_contain_text("3 confirmed")
    expect(page.get_by_text("3 accountabilities of Customer Service confirmed.")).to_be_visible()

    page.get_by_role("link", name="Spring ownership review").click()
    expect(page.get_by_test_id("progress-Customer Service")).to_contain_text("3 confirmed")
    expect(page.get_by_test_id("campaign-progress")).to_contain_text("3 confirmed")
    expect(page.get_by_test_id("campaign-holders")).to_contain_text("Aisha Khan")
    assert_accessible(page)
    screenshot(page, "campaign-page", full_page=True)

    # The stale gaps went with the confirmations, live: the gaps page lists none.
    assert stale.count() == 0
    page.goto(f"{live_server.url}/o/demo/gaps/?rule=stale_ownership")
    expect(page.get_by_text("was last confirmed")).to_have_count(0)
