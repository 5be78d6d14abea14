"""The pages added by the hardening work, in Chromium: inviting a member, joining, and a large
import followed on its job page. Each page is checked with axe."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cxowner.orgs.models import Membership
from journeys.models import Touchpoint

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def test_an_admin_invites_and_the_invitee_joins(demo, outbox, live_server, chromium, log_in, screenshot):
    admin = log_in(chromium.new_context(), "admin")
    admin.goto(f"{live_server.url}/o/demo/members/")
    admin.get_by_label("E-mail address").fill("grace@example.com")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_test_id("invitations")).to_contain_text("grace@example.com as viewer")
    screenshot(admin, "members-invitations", full_page=True)

    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    invitee = chromium.new_context().new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_contain_text("Join")
    assert_accessible(invitee)
    screenshot(invitee, "invitation")
    invitee.get_by_label("Username").fill("grace")
    invitee.get_by_label("Password", exact=True).fill("a long pass phrase")
    invitee.get_by_label("Password again").fill("a long pass phrase")
    invitee.get_by_role("button", name="Create my account and join").click()
    invitee.wait_for_url(f"{live_server.url}/o/demo/")
    assert Membership.objects.get(user__username="grace", organization__slug="demo").role == "viewer"


def test_a_large_import_is_followed_on_its_job_page(demo, settings, live_server, chromium, log_in, screenshot):
    settings.MATRIX_IMPORT_WORKER_ROWS = 5
    rows = "".join(f"Big journey,Stage,Touchpoint {n},A\n" for n in range(12))
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/import/")
    page.get_by_label("File (CSV, XLSX, Markdown or HTML)").set_input_files(
        files=[
            {"name": "big.csv", "mimeType": "text/csv", "buffer": f"journey,stage,touchpoint,Sales\n{rows}".encode()}
        ]
    )
    page.get_by_role("button", name="Preview import").click()
    job = page.get_by_test_id("import-job")
    expect(job).to_have_attribute("data-status", "done")
    expect(job).to_contain_text("Nothing has changed yet")
    assert_accessible(page)
    screenshot(page, "import-job-dry-run")
    job.get_by_role("button", name="Import now").click()
    expect(page.get_by_test_id("import-job")).to_contain_text("Imported:")
    assert Touchpoint.objects.filter(organization__slug="demo", journey__name="Big journey").count() == 12
