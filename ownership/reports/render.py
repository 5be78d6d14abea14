"""The report as a document: the print page's HTML, and the same template as a PDF.

WeasyPrint lays the PDF out from the HTML and the report's stylesheet, read from the static
files. It fetches nothing else: no network, no files named by the page (a gap's message is
text a member typed, so nothing in it may reach out).
"""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.text import slugify

from ownership.reports.progress import Follow, pages_followed
from ownership.reports.selectors import Report
from ownership.reports.summary import ExecutiveSummary

STYLESHEET = "css/report.css"

# Control characters have no glyph: drawn, they pull a fallback font into the PDF whose text then
# reads back garbled (copy, search, screen readers). A stored description may hold one; the
# page's own markup never does. Line and paragraph separators become a space, the others go.
_PDF_SEPARATORS = re.compile(r"[\u2028\u2029\x85]")
_PDF_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _drawable(html: str) -> str:
    return _PDF_CONTROLS.sub("", _PDF_SEPARATORS.sub(" ", html))


def report_html(*, report: Report, pdf: bool = False, context: dict | None = None, request=None) -> str:
    """The report's page; `pdf` leaves out what only a screen shows (the toolbar, the forms)."""
    return render_to_string(
        "report/report.html",
        {"report": report, "organization": report.organization, "pdf": pdf, **(context or {})},
        request=request,
    )


class PdfUnavailable(Exception):
    """This server cannot draw PDFs: WeasyPrint's system libraries (Pango, HarfBuzz) are missing."""

    message = (
        "This server cannot make PDFs yet: it needs the Pango and HarfBuzz libraries "
        "(on Debian or Ubuntu: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 "
        "fonts-dejavu-core). The report's print page works without them: print it to PDF from the browser."
    )


def report_pdf(*, report: Report, follow: Follow | None = None) -> bytes:
    """The report as an A4 PDF; PdfUnavailable when the server lacks WeasyPrint's libraries.
    `follow(step, pages)` hears of each page laid out (ownership.reports.progress)."""
    return _pdf(report_html(report=report, pdf=True), follow)


def summary_html(*, summary: ExecutiveSummary) -> str:
    """The executive summary's document (it is only ever a PDF)."""
    return render_to_string("report/summary.html", {"summary": summary, "organization": summary.organization})


def summary_pdf(*, summary: ExecutiveSummary, follow: Follow | None = None) -> bytes:
    """The executive summary as an A4 PDF of at most five pages; PdfUnavailable as report_pdf."""
    return _pdf(summary_html(summary=summary), follow)


def _pdf(html: str, follow: Follow | None) -> bytes:
    # Imported here: WeasyPrint loads Pango and its fonts, which only the PDF's callers need, and
    # a machine with Python only (`make run`) still serves everything else.
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:  # OSError: WeasyPrint is there, Pango is not
        raise PdfUnavailable(PdfUnavailable.message) from error

    no_fetching = URLFetcher(allowed_protocols=())
    with pages_followed(follow):
        stylesheet = CSS(filename=finders.find(STYLESHEET), url_fetcher=no_fetching)
        document = HTML(string=_drawable(html), url_fetcher=no_fetching)
        return document.write_pdf(stylesheets=[stylesheet])


def report_filename(*, report: Report) -> str:
    """ "ownership-report-acme-2026-11-29.pdf" (or the journey's name for a journey's report)."""
    subject = slugify(report.title) or "organization"
    return f"ownership-report-{subject}-{report.today.isoformat()}.pdf"


def summary_filename(*, summary: ExecutiveSummary) -> str:
    """ "executive-summary-acme-2026-11-29.pdf"."""
    return f"executive-summary-{slugify(summary.title) or 'organization'}-{summary.today.isoformat()}.pdf"
