"""The report in Chromium: an executive (a viewer) opens it from the dashboard, downloads the PDF
and the PDF's text has the coverage and the gaps; the print page keeps the navigation out; an
admin has it mailed monthly; an executive asks for the executive summary from the dashboard and a
report being drawn shows how far it has got. Pages of the PDFs are turned into screenshots
(pdftoppm)."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from cxowner.orgs.models import Organization
from ownership.models import Gap, GapStatus, ReportJob, ReportSchedule

from .axe import assert_accessible
from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_pages_as_screenshots(pdf: Path, pages: list[int], name: str = "report-pdf") -> list[Path]:
    """The PDF's pages as PNGs at 60 dpi, beside the other screenshots."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    made = []
    for number in pages:
        prefix = SCREENSHOTS / f"{name}-page-{number}"
        page = ["-f", str(number), "-l", str(number), "-singlefile"]
        subprocess.run(["pdftoppm", "-png", "-r", "60", *page, str(pdf), str(prefix)], check=True, timeout=60)
        made.append(prefix.with_suffix(".png"))
    return made


def test_an_executive_downloads_the_pdf_report_from_the_dashboard(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(accept_downloads=True), "exec")
    coverage = page.get_by_test_id("dashboard-coverage").inner_text()
    page.get_by_test_id("open-report").click()
    page.wait_for_url(f"{live_server.url}/o/demo/report/")
    expect(page.get_by_test_id("report-coverage")).to_have_text(coverage)
    expect(page.locator("nav.mainnav")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "report-page", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    screenshot(page, "report-print")
    page.emulate_media(media="screen")

    page.get_by_test_id("report-pdf").click()  # a worker draws it; the job's page offers it when done
    expect(page.get_by_test_id("report-job")).to_have_attribute("data-status", "done")
    with page.expect_download() as download:
        page.get_by_test_id("report-job-download").click()
    assert download.value.suggested_filename.startswith("ownership-report-demo-retail-")
    pdf = SCREENSHOTS / "report.pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download.value.save_as(pdf)

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert coverage in text
    open_gaps = Gap.objects.filter(organization__slug="demo", resolved_at__isnull=True).exclude(
        workflow_status=GapStatus.ACCEPTED
    )
    messages = [gap.finding["message"] for gap in open_gaps]
    assert messages and all(message in text for message in messages)
    for path in pdf_pages_as_screenshots(pdf, [2, 3]):
        assert path.stat().st_size > 0


def test_an_admin_has_the_report_mailed_monthly_to_the_board(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "admin")
    page.goto(f"{live_server.url}/o/demo/report/")
    page.get_by_label("Mail this report as a PDF at the start of every month").check()
    page.get_by_label("Recipients").fill("board@example.com, not-an-address")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".mail-settings")).to_contain_text("Not an e-mail address: not-an-address.")
    expect(page.get_by_label("Recipients")).to_have_value("board@example.com, not-an-address")
    assert_accessible(page)
    page.get_by_label("Recipients").fill("board@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("The monthly mail is on.")
    expect(page.locator(".mail-settings")).to_contain_text("the report goes as a PDF to board@example.com")
    assert ReportSchedule.objects.get(organization__slug="demo").recipients == ["board@example.com"]
    screenshot(page, "report-mail-settings")


def test_an_executive_downloads_the_executive_summary_from_the_dashboard(
    demo, live_server, chromium, log_in, screenshot
):
    page = log_in(chromium.new_context(accept_downloads=True), "exec")
    coverage = page.get_by_test_id("dashboard-coverage").inner_text()
    expect(page.get_by_test_id("dashboard-summary-pdf")).to_contain_text("takes a moment")
    page.get_by_test_id("dashboard-summary-pdf").click()  # a worker draws it (eager here)
    expect(page.get_by_test_id("report-job")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("report-job")).to_have_attribute("data-kind", "summary")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Executive summary PDF")
    assert_accessible(page)
    screenshot(page, "report-summary-job-done")
    with page.expect_download() as download:
        page.get_by_test_id("report-job-download").click()
    assert download.value.suggested_filename.startswith("executive-summary-demo-retail-")
    pdf = SCREENSHOTS / "executive-summary.pdf"
    download.value.save_as(pdf)
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    assert 1 <= len(reader.pages) <= 5
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert coverage in text and "Who carries the gaps" in text and "The worst journeys" in text
    for path in pdf_pages_as_screenshots(pdf, [1], name="executive-summary"):
        assert path.stat().st_size > 0


def test_a_report_being_drawn_shows_the_page_it_has_reached(demo, live_server, chromium, log_in, screenshot):
    job = ReportJob.objects.create(
        organization=Organization.objects.get(slug="demo"),
        key="1" * 64,
        today=timezone.localdate(),
        status=ReportJob.Status.RUNNING,
        step=ReportJob.Step.LAYOUT,
        pages_done=40,
        pages_expected=120,
    )
    page = log_in(chromium.new_context(), "exec")
    page.goto(f"{live_server.url}/o/demo/report/jobs/{job.pk}/")
    expect(page.get_by_test_id("report-job-progress")).to_contain_text("Laying out page 40 of ~120.")
    expect(page.locator("#report-job-announce")).to_have_text("About 30% laid out.")
    ReportJob.objects.filter(pk=job.pk).update(pages_done=96)  # the worker goes on; the page asks every 2 s
    expect(page.get_by_test_id("report-job-progress")).to_contain_text("Laying out page 96 of ~120.")
    expect(page.locator("#report-job-announce")).to_have_text("About 80% laid out.")
    assert_accessible(page)
    screenshot(page, "report-job-progress")
