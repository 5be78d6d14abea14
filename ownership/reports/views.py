"""The ownership report's pages: the print-ready page, its PDF (drawn by a worker), and the
monthly mail setting.

Members of every role read the report (of the organization, or of one journey with
`?journey=<id>`); admins switch the monthly mail on and name its recipients. The report is
assembled by ownership.report and drawn by ownership.report_render; nothing is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.forms import VersionField
from cxowner.orgs.models import Membership
from cxowner.views import org_object, org_view, render_org
from journeys.models import Journey
from ownership.models import ReportJob
from ownership.reports.jobs import ReportBusy, report_job_ask, report_job_pdf
from ownership.reports.mail import recipients_parse, report_recipients, report_schedule_get, report_schedule_set
from ownership.reports.render import report_html
from ownership.reports.selectors import report_build


class ReportMailForm(forms.Form):
    monthly = forms.BooleanField(label="Mail this report as a PDF at the start of every month", required=False)
    recipients = forms.CharField(
        label="Recipients",
        required=False,
        max_length=5000,
        help_text="E-mail addresses separated by commas or spaces. Empty: the organization's admins.",
    )
    version = VersionField()

    def clean_recipients(self) -> list[str]:
        try:
            return recipients_parse(self.cleaned_data["recipients"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["recipients"]) from None


def _journey(request: HttpRequest, organization) -> Journey | None:
    """The journey of `?journey=<id>`, or None for the whole organization; another
    organization's journey, or anything that is not an id, is not found."""
    value = request.GET.get("journey", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404("No such journey")
    journey = Journey.objects.filter(organization=organization, pk=int(value)).first()
    if journey is None:
        raise Http404("No such journey")
    return journey


def _page(request, membership, *, mail_form: ReportMailForm | None = None, status: int = 200) -> HttpResponse:
    organization = membership.organization
    report = report_build(organization=organization, journey=_journey(request, organization), today=_today())
    context = {
        "membership": membership,
        "journey_choices": Journey.objects.filter(organization=organization).order_by("position", "id").only("name"),
    }
    if membership.can_manage:
        schedule = report_schedule_get(organization=organization)
        context["schedule"] = schedule
        context["schedule_recipients"] = report_recipients(organization=organization, schedule=schedule)
        initial = {"monthly": schedule.monthly, "recipients": ", ".join(schedule.recipients)}
        context["mail_form"] = mail_form or ReportMailForm(initial={**initial, "version": schedule.version})
    return HttpResponse(report_html(report=report, context=context, request=request), status=status)


def _today():
    return timezone.localdate()


@org_view()
def report_page(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    return _page(request, membership)


def _pdf_response(job: ReportJob) -> HttpResponse:
    response = HttpResponse(report_job_pdf(job), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


def _kind(request: HttpRequest) -> str | None:
    """The PDF asked for (`kind`: "full", the default, or "summary"); None for anything else."""
    value = request.POST.get("kind") or request.GET.get("kind") or ReportJob.Kind.FULL
    return value if value in ReportJob.Kind.values else None


@org_view(Membership.Role.VIEWER, "GET", "POST")
def report_pdf_download(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """Ask for the PDF — the full report, or with `kind=summary` the executive summary: a worker
    draws it (ownership.reports.jobs). A link followed (GET) gets the file at once when the
    organization has not changed since it was last drawn; otherwise, and from the buttons
    (POST), the job's page, which shows its progress and offers the file when it is done."""
    organization = membership.organization
    kind = _kind(request)
    if kind is None:
        text = 'No such PDF: ask for kind "full" (the report) or "summary" (the executive summary).'
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    journey = _journey(request, organization) if kind == ReportJob.Kind.FULL else None
    try:
        job = report_job_ask(
            organization=organization, journey=journey, today=_today(), created_by=request.user, kind=kind
        )
    except ReportBusy as busy:
        return HttpResponse(str(busy), status=429, content_type="text/plain; charset=utf-8")
    if request.method == "GET" and job.status == ReportJob.Status.DONE:
        return _pdf_response(job)
    return redirect("ownership:report_job", org, job.pk)


def _job(membership: Membership, job_id: int) -> ReportJob:
    return org_object(membership, ReportJob.objects.defer("pdf").select_related("journey"), job_id)


@dataclass(frozen=True)
class Progress:
    """How far a job has got, in words: shown precisely ("page 40 of ~120"), announced coarsely
    (in tenths), so a screen reader hears a change every few seconds, not a page count."""

    text: str
    announce: str
    value: int | None = None  # for the bar; None: no measure yet (the bar moves without one)
    maximum: int | None = None


def job_progress(job: ReportJob) -> Progress:
    what = "The executive summary" if job.kind == ReportJob.Kind.SUMMARY else "The report"
    if job.status == ReportJob.Status.PENDING:
        text = f"{what} waits its turn: one PDF of the organization is drawn at a time."
        return Progress(text, f"{what} waits its turn.")
    if job.status == ReportJob.Status.DONE:
        return Progress(f"{what} is ready: {job.pages_expected or job.pages_done} pages.", f"{what} is ready.")
    if job.status == ReportJob.Status.FAILED:
        return Progress(job.error, f"{what} was not drawn.")
    done, expected = job.pages_done, job.pages_expected
    if job.step == ReportJob.Step.WRITING:
        return Progress(f"Writing the file ({done} pages laid out).", "Writing the file.", expected, expected)
    if job.step != ReportJob.Step.LAYOUT or not done:
        return Progress("Reading the figures.", "Reading the figures.")
    if done >= expected:  # more pages than expected: no share to give
        return Progress(f"Laying out page {done}.", "Laying out the pages.", None, None)
    tenths = 10 * done // expected
    return Progress(f"Laying out page {done} of ~{expected}.", f"About {tenths * 10}% laid out.", done, expected)


@org_view()
def report_job(request: HttpRequest, membership: Membership, org: str, job_id: int) -> HttpResponse:
    """A PDF being drawn, with its progress; htmx asks again every two seconds until it is done
    (the partial, which also updates the page's polite announcement of the progress)."""
    job = _job(membership, job_id)
    template = "report/_job.html" if request.htmx else "report/job.html"
    return render_org(request, membership, template, {"nav": "report", "job": job, "progress": job_progress(job)})


@org_view()
def report_job_download(request: HttpRequest, membership: Membership, org: str, job_id: int) -> HttpResponse:
    job = _job(membership, job_id)
    if job.status != ReportJob.Status.DONE:
        return redirect("ownership:report_job", org, job.pk)
    return _pdf_response(job)


@org_view(Membership.Role.ADMIN, "POST")
def report_mail_settings(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = ReportMailForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report_schedule_set(
                organization=membership.organization,
                monthly=data["monthly"],
                recipients=data["recipients"],
                version=data["version"],
            )
        except StaleVersion as stale:
            messages.error(request, f"{stale.message('The monthly mail')}; it is shown as it is now.")
        else:
            messages.success(request, "The monthly mail is " + ("on." if data["monthly"] else "off."))
        return redirect("ownership:report", org)
    # What was typed stays in the form, next to what is wrong with it.
    return _page(request, membership, mail_form=form, status=400)
