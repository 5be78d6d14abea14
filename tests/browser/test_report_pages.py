"""The report in Chromium: an executive (a viewer) opens it from the dashboard, downloads the PDF
and the PDF's text has the coverage and the gaps; the print page keeps the navigation out; an
admin has it mailed monthly. Two of the PDF's pages are turned into screenshots (pdftoppm)."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from ownership.models import Gap, GapStatus, ReportSchedule

from .axe import assert_accessible
from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_pages_as_screenshots(pdf: Path, pages: list[int]) -> list[Path]:
    """The PDF's pages as PNGs at 60 dpi, beside the other screenshots."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    made = []
    for number in pages:
        prefix = SCREENSHOTS / f"report-pdf-page-{number}"
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
