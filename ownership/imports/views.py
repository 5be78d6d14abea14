"""The import and export pages: upload, preview, confirm; large files through a worker's job."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect

from cxowner.orgs.models import Membership
from cxowner.views import org_object, org_view, render_org
from journeys.selectors import journey_get
from ownership.imports.forms import ImportForm
from ownership.imports.grid import preview_grid
from ownership.imports.jobs import import_job_confirm, import_job_create, import_job_rows_done, import_runs_on_worker
from ownership.imports.matrixfile.sheet import MatrixFileInvalid
from ownership.imports.preview import matrix_import_preview
from ownership.imports.reading import PASTED_TEXT, import_options
from ownership.imports.services import matrix_export, matrix_import, matrix_read
from ownership.imports.sources import reading_keep, reading_kept
from ownership.imports.template import XLSX_CONTENT_TYPE, template_csv, template_xlsx
from ownership.models import ImportJob

EDITOR = Membership.Role.EDITOR


# An uploaded file waits this long between its preview and the confirmation.
PENDING_IMPORT_SECONDS = 3600


PENDING_IMPORT_KEY = "cxowner_pending_import"


LETTER_CHOICES = [
    ("R", "R, Responsible"),
    ("A", "A, Accountable"),
    ("C", "C, Consulted"),
    ("I", "I, Informed"),
    ("", "leave it out"),
]


def _import_page(request, membership, context, status=200) -> HttpResponse:
    journeys = membership.organization.journeys.order_by("position", "id").only("id", "name")
    return render_org(
        request,
        membership,
        "ownership/import_export.html",
        {"nav": "import", "journeys": journeys, "max_upload_bytes": settings.MATRIX_UPLOAD_MAX_BYTES, **context},
        status,
    )


@org_view()
def import_export(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    return _import_page(request, membership, {"form": ImportForm()})


def _pending_get(request, organization, token: str) -> dict | None:
    """The source waiting for its confirmation (or for its letters), if it is this user's."""
    pending = request.session.get(PENDING_IMPORT_KEY) or {}
    if not token or pending.get("token") != token or pending.get("organization") != organization.id:
        return None
    return cache.get(f"cxowner:import:{token}")


def _pending_set(request, organization, source: dict, token: str = "") -> str:
    """Keep the source in the cache (shared by every web process) until the user confirms."""
    token = token or uuid.uuid4().hex
    cache.set(f"cxowner:import:{token}", source, PENDING_IMPORT_SECONDS)
    request.session[PENDING_IMPORT_KEY] = {"token": token, "organization": organization.id}
    return token


def _dry_run_job(request, organization, source: dict, reading) -> ImportJob:
    """A large file's dry run on the worker; it, then the import confirming it, take this reading
    rather than read the file again."""
    reading_keep(source["data"], source["options"], reading)
    return import_job_create(
        organization=organization,
        data=source["data"],
        filename=source["filename"],
        rows=len(reading.sheet.rows),
        dry_run=True,
        created_by=request.user,
        options=source["options"],
    )


@org_view(EDITOR, "POST")
def import_preview(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """Read the upload (chosen or dropped: the same field) or the pasted table and show the matrix
    read, as a grid, and what importing it would change, journey by journey; nothing is changed
    yet. Letters other than R, A, C, I are asked about, one choice each, without uploading again.
    A large file is checked here and dry-run by a worker."""
    organization = membership.organization
    token = request.POST.get("token", "")
    waiting = _pending_get(request, organization, token)
    form = ImportForm(request.POST, request.FILES, source_waiting=waiting is not None)
    if not form.is_valid():
        return _import_page(request, membership, {"form": form}, status=400)
    upload, text = form.cleaned_data["file"], form.cleaned_data["text"]
    if upload:
        source = {"data": upload.read(), "filename": upload.name}
    elif text.strip():
        source = {"data": text.encode(), "filename": PASTED_TEXT}
    else:
        source = {"data": waiting["data"], "filename": waiting["filename"]}
    source["options"] = form.option_values()
    options = form.cleaned_data["options"]
    try:
        reading = matrix_read(
            data=source["data"],
            filename=source["filename"],
            max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
            options=options,
        )
        if import_runs_on_worker(rows=len(reading.sheet.rows)):
            job = _dry_run_job(request, organization, source, reading)
            return redirect("ownership:import_job", org=org, job_id=job.pk)
        summary = matrix_import(
            organization=organization, sheet=reading.sheet, dry_run=True, replace=reading.replace
        ).read_from(reading)
        reading_keep(source["data"], source["options"], reading)
        preview = matrix_import_preview(organization=organization, sheet=reading.sheet, replace=reading.replace)
    except MatrixFileInvalid as invalid:
        unknown = getattr(invalid, "unknown_letters", ())
        context = {"form": form, "errors": invalid.errors, "filename": source["filename"], "unknown_letters": unknown}
        if unknown:
            context["token"] = _pending_set(request, organization, source, token if waiting else "")
            context["letter_choices"] = LETTER_CHOICES
        return _import_page(request, membership, context, status=400)
    token = _pending_set(request, organization, source, token if waiting else "")
    context = {
        "form": ImportForm(),
        "summary": summary,
        "preview": preview,
        "grid": preview_grid(sheet=reading.sheet, preview=preview),
        "filename": source["filename"],
        "token": token,
    }
    return _import_page(request, membership, context)


@org_view(EDITOR, "POST")
def import_confirm(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """Import what the preview showed, then show the (first) imported journey's matrix."""
    organization = membership.organization
    token = request.POST.get("token", "")
    stored = _pending_get(request, organization, token)
    if stored is None:
        messages.error(request, "That preview has expired; upload the file or paste the table again.")
        return redirect("ownership:import", org=org)
    try:
        # The reading the preview kept (the same bytes and options), else the file read again.
        reading = reading_kept(stored["data"], stored["options"]) or matrix_read(
            data=stored["data"],
            filename=stored["filename"],
            max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
            options=import_options(**stored["options"]),
        )
        summary = matrix_import(organization=organization, sheet=reading.sheet, replace=reading.replace)
        summary.read_from(reading)
    except MatrixFileInvalid as invalid:
        context = {"form": ImportForm(), "errors": invalid.errors, "filename": stored["filename"]}
        return _import_page(request, membership, context, 400)
    cache.delete(f"cxowner:import:{token}")
    del request.session[PENDING_IMPORT_KEY]
    changed = str(summary).splitlines()[0]
    messages.success(request, f"Imported {stored['filename']} ({summary.layout} layout): {changed}.")
    if summary.journey_ids:
        return redirect("journeys:matrix", org=org, journey_id=summary.journey_ids[0])
    return redirect("ownership:import", org=org)


@org_view()
def import_template(request: HttpRequest, membership: Membership, org: str, fmt: str) -> HttpResponse:
    """The matrix file template: one example row and the letters explained."""
    data, content_type = (
        (template_xlsx(), XLSX_CONTENT_TYPE) if fmt == "xlsx" else (template_csv(), "text/csv; charset=utf-8")
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="cxowner-template.{fmt}"'
    return response


@org_view()
def export(request: HttpRequest, membership: Membership, org: str, fmt: str) -> HttpResponse:
    journey = None
    if request.GET.get("journey"):
        try:
            journey = journey_get(organization=membership.organization, journey_id=int(request.GET["journey"]))
        except ValueError:
            return HttpResponse("journey must be a number", status=400, content_type="text/plain")
    export = matrix_export(organization=membership.organization, fmt=fmt, journey=journey)
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


# Import jobs (large files, on the worker) -----------------------------------------------------
@org_view()
def import_job(request: HttpRequest, membership: Membership, org: str, job_id: int) -> HttpResponse:
    """A job's progress; htmx asks again every few seconds until it is done (the partial)."""
    job = org_object(membership, ImportJob.objects.defer("data"), job_id)
    context = {"nav": "import", "job": job, "rows_done": import_job_rows_done(job), "can_confirm": job.dry_run}
    template = "ownership/_import_job.html" if request.htmx else "ownership/import_job.html"
    return render_org(request, membership, template, context)


@org_view(EDITOR, "POST")
def import_job_run(request: HttpRequest, membership: Membership, org: str, job_id: int) -> HttpResponse:
    """Import for real the file a finished dry run checked."""
    dry_run = org_object(membership, ImportJob, job_id)
    try:
        job = import_job_confirm(job=dry_run, created_by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("ownership:import_job", org=org, job_id=job_id)
    return redirect("ownership:import_job", org=org, job_id=job.pk)
