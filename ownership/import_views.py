"""The import and export pages: upload, preview, confirm; large files through a worker's job."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from cxowner.orgs.models import Membership
from cxowner.views import membership_for, render_org
from journeys.selectors import journey_get

from .forms import ImportForm
from .import_jobs import import_job_confirm, import_job_create, import_job_rows_done, import_runs_on_worker
from .imports import matrix_export, matrix_import, matrix_import_file, matrix_read
from .matrixfile import MatrixFileInvalid
from .models import ImportJob

EDITOR = Membership.Role.EDITOR
# An uploaded file waits this long between its preview and the confirmation.
PENDING_IMPORT_SECONDS = 3600
PENDING_IMPORT_KEY = "cxowner_pending_import"


def _import_page(request, membership, context, status=200) -> HttpResponse:
    journeys = membership.organization.journeys.order_by("position", "id").only("id", "name")
    return render_org(
        request, membership, "ownership/import_export.html", {"nav": "import", "journeys": journeys, **context}, status
    )


@login_required
@require_GET
def import_export(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    return _import_page(request, membership, {"form": ImportForm()})


@login_required
@require_POST
def import_preview(request: HttpRequest, org: str) -> HttpResponse:
    """Read the upload and show what importing it would change; nothing is changed yet.

    A large file is checked here, then dry-run by a worker: the job's page shows its progress.
    """
    membership = membership_for(request, org, EDITOR)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, membership, {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        sheet = matrix_read(data=data, filename=upload.name, max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES)
        if import_runs_on_worker(rows=len(sheet.rows)):
            job = import_job_create(
                organization=membership.organization,
                data=data,
                filename=upload.name,
                rows=len(sheet.rows),
                dry_run=True,
                created_by=request.user,
            )
            return redirect("ownership:import_job", org=org, job_id=job.pk)
        summary = matrix_import(organization=membership.organization, sheet=sheet, dry_run=True)
    except MatrixFileInvalid as invalid:
        return _import_page(
            request, membership, {"form": ImportForm(), "errors": invalid.errors, "filename": upload.name}, status=400
        )
    # The file waits in the cache (shared by every web process) until the user confirms.
    token = uuid.uuid4().hex
    cache.set(f"cxowner:import:{token}", {"data": data, "filename": upload.name}, PENDING_IMPORT_SECONDS)
    request.session[PENDING_IMPORT_KEY] = {"token": token, "organization": membership.organization.id}
    return _import_page(
        request, membership, {"form": ImportForm(), "summary": summary, "filename": upload.name, "token": token}
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    pending = request.session.get(PENDING_IMPORT_KEY) or {}
    token = request.POST.get("token", "")
    stored = cache.get(f"cxowner:import:{token}") if pending.get("token") == token else None
    if stored is None or pending.get("organization") != membership.organization.id:
        messages.error(request, "That preview has expired; upload the file again.")
        return redirect("ownership:import", org=org)
    try:
        summary = matrix_import_file(
            organization=membership.organization,
            data=stored["data"],
            filename=stored["filename"],
            max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
        )
    except MatrixFileInvalid as invalid:
        return _import_page(
            request, membership, {"form": ImportForm(), "errors": invalid.errors, "filename": stored["filename"]}, 400
        )
    cache.delete(f"cxowner:import:{token}")
    del request.session[PENDING_IMPORT_KEY]
    messages.success(request, f"Imported {stored['filename']}: {summary}.")
    return redirect("ownership:import", org=org)


@login_required
@require_GET
def export(request: HttpRequest, org: str, fmt: str) -> HttpResponse:
    membership = membership_for(request, org)
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


@login_required
@require_GET
def import_job(request: HttpRequest, org: str, job_id: int) -> HttpResponse:
    """A job's progress; htmx asks again every few seconds until it is done (the partial)."""
    membership = membership_for(request, org)
    job = get_object_or_404(ImportJob.objects.defer("data"), organization=membership.organization, pk=job_id)
    context = {"nav": "import", "job": job, "rows_done": import_job_rows_done(job), "can_confirm": job.dry_run}
    template = "ownership/_import_job.html" if request.htmx else "ownership/import_job.html"
    return render_org(request, membership, template, context)


@login_required
@require_POST
def import_job_run(request: HttpRequest, org: str, job_id: int) -> HttpResponse:
    """Import for real the file a finished dry run checked."""
    membership = membership_for(request, org, EDITOR)
    dry_run = get_object_or_404(ImportJob, organization=membership.organization, pk=job_id)
    try:
        job = import_job_confirm(job=dry_run, created_by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("ownership:import_job", org=org, job_id=job_id)
    return redirect("ownership:import_job", org=org, job_id=job.pk)
