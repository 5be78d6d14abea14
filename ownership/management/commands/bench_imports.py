"""Imports at scale (issue 23, rows 7 and 8): `bench_imports [--page-rows 10000] [--api-rows 100000] [--keep]`

1. Builds `bench-imports-source` with generate_org (as many touchpoints as the larger import)
   and writes its matrix file with the exporter, as a user downloads it, to var/bench/: a real
   file, of realistic names, stages and letters. Each size imports the file's first journeys
   up to that many rows, into an empty organization of its own.
2. Starts a Celery worker (two processes, so that an audit asked for after one import does not
   hold up the next) on a queue of its own against the configured database,
   with DEBUG off, as bench_reports does: large imports are the worker's.
3. The page, with django.test.Client as a signed-in editor: the upload to the preview (a large
   file becomes a dry-run job: the page shows the job), the dry run until the job is done, then
   the confirmation until the import job is done. A file small enough to import in the request
   is previewed and confirmed in two requests instead.
4. The API, with an editor token: the upload to …/import/ until its 202 (a small file: its
   200), then until the job is done, polled as a client would.
5. Prints each step's time and the rows, touchpoints and letters imported, and records the
   targets: the whole page import of 10,000 rows under 5 s; the API's 202 under 1 s and its job
   done under 30 s for 100,000 rows. One run of each: an import is long enough to time once.
"""

from __future__ import annotations

import csv
import html
import io
import re
import secrets
import time
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from cxowner.orgs.models import Membership, Organization
from cxowner.orgs.services import token_create
from journeys.models import Touchpoint
from ownership.imports.export import matrix_export
from ownership.management.commands._loopback import stop, worker_start
from ownership.management.commands._synthetic import analyze_tables, delete_organization
from ownership.management.commands._targets import below, record
from ownership.models import Assignment, ImportJob

SOURCE = "bench-imports-source"
PAGE_SLUG, API_SLUG = "bench-imports-page", "bench-imports-api"
PAGE_TARGET_S, ACCEPTED_TARGET_S, JOB_TARGET_S = 5.0, 1.0, 30.0
JOB_TIMEOUT_S = 1800  # the import's own time limit (MATRIX_IMPORT_TIME_LIMIT_SECONDS' default)
POLL_S = 0.05
TOKEN = re.compile(r'<input type="hidden" name="token" value="([^"]*)">')


class Command(BaseCommand):
    help = "The matrix file imported through the page (preview, dry run, import) and the API's job, timed."

    def add_arguments(self, parser):
        parser.add_argument("--page-rows", type=int, default=10_000, help="rows imported through the page")
        parser.add_argument("--api-rows", type=int, default=100_000, help="rows imported through the API's job")
        parser.add_argument("--keep", action="store_true", help="keep the organizations afterwards")

    def handle(self, *args, page_rows, api_rows, keep, **options):
        if min(page_rows, api_rows) < 1:
            raise CommandError("--page-rows and --api-rows must be at least 1.")
        started = time.perf_counter()
        source = self.source(max(page_rows, api_rows))
        self.stdout.write(f"Built {SOURCE} and its matrix file in {time.perf_counter() - started:.1f} s.")
        queue = f"bench-imports-{secrets.token_hex(4)}"
        # This process sends the jobs: they go to the bench's own queue, which only its worker takes.
        current_app.conf.task_default_queue = queue
        worker = worker_start(queue=queue)
        organizations = []
        try:
            page_org, editor = self.organization(PAGE_SLUG)
            api_org, _ = self.organization(API_SLUG)
            organizations += [page_org, api_org]
            page = self.page(page_org, editor, first_rows(source, page_rows))
            api = self.api(api_org, first_rows(source, api_rows))
        finally:
            stop(worker)
            if not keep:
                for organization in organizations:
                    delete_organization(organization)
        self.report(page, api, page_rows=page_rows, api_rows=api_rows)

    def source(self, rows: int) -> bytes:
        call_command("generate_org", SOURCE, touchpoints=rows, replace=True, stdout=io.StringIO())
        organization = Organization.objects.get(slug=SOURCE)
        data = b"".join(matrix_export(organization=organization, fmt="csv").chunks)
        path = Path(settings.BASE_DIR) / "var" / "bench" / f"{SOURCE}-{rows}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        delete_organization(organization)
        return data

    def organization(self, slug: str):
        existing = Organization.objects.filter(slug=slug).first()
        if existing:
            delete_organization(existing)
        organization = Organization.objects.create(slug=slug, name=f"Bench {slug}")
        user, _ = get_user_model().objects.get_or_create(username=f"{slug}-editor")
        Membership.objects.create(user=user, organization=organization, role=Membership.Role.EDITOR)
        analyze_tables()
        return organization, user

    def page(self, organization, editor, data: bytes) -> dict:
        """The editor's import: upload and preview, dry run, import; seconds of each step."""
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(editor)
        slug = organization.slug
        times: dict = {}
        began = time.perf_counter()
        upload = SimpleUploadedFile("matrix.csv", data, content_type="text/csv")
        response = client.post(reverse("ownership:import_preview", args=[slug]), {"file": upload, "heading_rows": "on"})
        times["preview"] = time.perf_counter() - began
        if response.status_code == 302:  # a large file: the worker's dry run, then its import
            dry_run = int(response["Location"].rstrip("/").split("/")[-1])
            began = time.perf_counter()
            wait_for(dry_run)
            times["dry run"] = time.perf_counter() - began
            began = time.perf_counter()
            response = client.post(reverse("ownership:import_job_run", args=[slug, dry_run]))
            job = ImportJob.objects.filter(organization=organization, dry_run=False).latest("id")
            wait_for(job.pk)
        else:
            if response.status_code != 200:
                raise CommandError(f"The preview answered {response.status_code}.")
            times["dry run"] = 0.0  # done within the preview's request
            began = time.perf_counter()
            token = confirmation_token(response.content.decode())
            response = client.post(reverse("ownership:import_confirm", args=[slug]), {"token": token})
            if response.status_code != 302:
                raise CommandError(f"The confirmation answered {response.status_code}.")
        times["import"] = time.perf_counter() - began
        times["imported"] = imported(organization)
        return times

    def api(self, organization, data: bytes) -> dict:
        """The integration's import: the upload until its answer, then the job until done."""
        _, key = token_create(organization=organization, name="bench_imports", role="editor")
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {key}")
        upload = SimpleUploadedFile("matrix.csv", data, content_type="text/csv")
        began = time.perf_counter()
        response = client.post(f"/api/v1/orgs/{organization.slug}/import/", {"file": upload})
        times = {"answer": time.perf_counter() - began, "status": response.status_code}
        if response.status_code == 202:
            wait_for(response.json()["id"])
        elif response.status_code != 200:
            raise CommandError(f"The import answered {response.status_code}: {response.content[:300]!r}")
        times["done"] = time.perf_counter() - began
        times["imported"] = imported(organization)
        return times

    def report(self, page: dict, api: dict, *, page_rows: int, api_rows: int) -> None:
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        out = self.stdout.write
        out("")
        out(f"Imports benchmark: {database}, a Celery worker of two processes, requests by django.test.Client.")
        out("")
        out("| import | step | seconds | imported |")
        out("| --- | --- | ---: | --- |")
        whole = page["preview"] + page["dry run"] + page["import"]
        for step in ("preview", "dry run", "import"):
            out(f"| page, {page_rows:,} rows | {step} | {page[step]:.2f} | |")
        out(f"| page, {page_rows:,} rows | whole | {whole:.2f} | {page['imported']} |")
        out(f"| API, {api_rows:,} rows | answer ({api['status']}) | {api['answer']:.2f} | |")
        out(f"| API, {api_rows:,} rows | job done | {api['done']:.2f} | {api['imported']} |")
        record(
            self.stdout,
            [
                below(
                    f"import of {page_rows:,} rows through the page (preview + dry run + import)",
                    whole,
                    PAGE_TARGET_S,
                    "s",
                    digits=2,
                ),
                below(f"import of {api_rows:,} rows (API job): 202", api["answer"], ACCEPTED_TARGET_S, "s", digits=2),
                below(f"import of {api_rows:,} rows (API job): job done", api["done"], JOB_TARGET_S, "s"),
            ],
        )


def first_rows(data: bytes, rows: int) -> bytes:
    """The matrix file cut after `rows` rows: the header and the first rows, as the exporter wrote them."""
    text = data.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    for _ in zip(range(rows + 1), reader, strict=False):
        pass  # a quoted cell may span lines: cut where a record ends
    return "".join(lines[: reader.line_num]).encode()


def confirmation_token(page: str) -> str:
    """The preview's token, from its confirmation form as a browser posts it (a command gets no
    response.context: that needs the test runner's instrumented templates)."""
    found = TOKEN.search(page)
    if found is None:
        raise CommandError("The preview shows no confirmation form: the file was refused.")
    return html.unescape(found.group(1))


def wait_for(job_id: int) -> None:
    """Until the worker has finished the job; a failed job stops the benchmark with its reasons."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = ImportJob.objects.defer("data").get(pk=job_id)
        if job.status == ImportJob.Status.DONE:
            return
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import job {job_id} failed: {job.errors[:3]}")
        time.sleep(POLL_S)
    raise CommandError(f"Import job {job_id} did not finish within {JOB_TIMEOUT_S} s; is the worker running?")


def imported(organization) -> str:
    touchpoints = Touchpoint.objects.filter(organization=organization).count()
    letters = Assignment.objects.filter(organization=organization).count()
    return f"{touchpoints:,} touchpoints, {letters:,} letters"
