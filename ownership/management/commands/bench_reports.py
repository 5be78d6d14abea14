"""Benchmark cheap requests while four report PDFs are asked for at once (issue 18, item 9).

`bench_reports [--touchpoints 20000] [--duration 10] [--connections 1] [--workers 2] [--keep]`

1. Builds `bench-reports` (generate_org --replace with --touchpoints) and a viewer token: a
   viewer may ask for the report.
2. Starts gunicorn (--workers, sync) and a Celery worker (two processes) on a queue of its own,
   against the configured database, with DEBUG off and the API throttles off.
3. Loads two cheap requests for --duration seconds with --connections concurrent connections,
   nothing else running: the ping (no database) and the organization's function list (the
   token, the organization, 12 rows). That is the baseline.
4. Asks for four reports at once through `GET …/report.pdf` (the organization and its first
   journeys, so four different PDFs: one renders at a time, the others wait), then loads the
   same cheap requests again until every report is drawn (at least --duration seconds).
5. Prints a Markdown table: the requests, p50/p99, errors and 5xx of each phase, how long the
   four asks took to answer, and how long the reports took to be drawn. The target: the cheap
   requests' p99 stays under 300 ms while the reports render.

Before that, the executive summary's PDF (`--summary-touchpoints`, 10,000 by default; 0 skips it,
`--summary-only` measures nothing else): `bench-summary` is generated, the summary is read and
drawn once to warm up (a worker's first PDF loads WeasyPrint and its fonts), then SUMMARY_RUNS
times, in this process as the worker does it. The median of the runs, reading and drawing, is
checked against SUMMARY_TARGET_S.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxowner.orgs.models import Organization
from cxowner.orgs.services import token_create
from journeys.models import Journey
from ownership.management.commands._loopback import (
    free_port,
    gunicorn_start,
    percentile_ms,
    wait_until_up,
    worker_start,
)
from ownership.management.commands._synthetic import delete_organization
from ownership.management.commands._targets import below, record
from ownership.management.commands.bench_api import Load
from ownership.reports.render import summary_pdf
from ownership.reports.summary import executive_summary_build

SLUG = "bench-reports"
REPORTS = 4
P99_TARGET_MS = 300
REPORTS_TIMEOUT = 900  # seconds to wait for the four PDFs
SUMMARY_SLUG = "bench-summary"
SUMMARY_RUNS = 3
SUMMARY_TARGET_S = 3


class Command(BaseCommand):
    help = "p50/p99 of cheap requests while four report PDFs are drawn (gunicorn and a Celery worker, loopback)."

    def add_arguments(self, parser):
        parser.add_argument("--touchpoints", type=int, default=20000, help="size of the organization, default 20000")
        parser.add_argument("--duration", type=float, default=10.0, help="seconds of the baseline, default 10")
        parser.add_argument("--connections", type=int, default=1, help="connections per cheap request, default 1")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, default 2")
        parser.add_argument("--keep", action="store_true", help="keep the bench-reports organization afterwards")
        parser.add_argument(
            "--summary-touchpoints", type=int, default=10000, help="the executive summary's organization; 0: skip"
        )
        parser.add_argument("--summary-only", action="store_true", help="measure the executive summary only")

    def handle(self, *args, touchpoints, duration, connections, workers, keep, **options):
        if options["summary_touchpoints"]:
            self._summary(options["summary_touchpoints"], keep=keep)
        if options["summary_only"]:
            return
        if not 1 <= duration <= 120:
            raise CommandError("--duration must be between 1 and 120 seconds.")
        if not 1 <= connections <= 64:
            raise CommandError("--connections must be between 1 and 64.")
        started = time.perf_counter()
        call_command("generate_org", SLUG, touchpoints=touchpoints, replace=True, stdout=self.stdout)
        organization = Organization.objects.get(slug=SLUG)
        _, key = token_create(organization=organization, name="bench_reports", role="viewer")
        journeys = list(Journey.objects.filter(organization=organization).order_by("position", "id")[: REPORTS - 1])
        self.stdout.write(f"Built {SLUG} in {time.perf_counter() - started:.1f} s.")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {key}"}
        cheap = [
            ("ping (GET /api/v1/ping/)", "/api/v1/ping/", {}),
            ("function list (viewer token)", f"/api/v1/orgs/{SLUG}/functions/", auth),
        ]
        asks = [f"/api/v1/orgs/{SLUG}/report.pdf"] + [
            f"/api/v1/orgs/{SLUG}/report.pdf?journey={journey.pk}" for journey in journeys
        ]
        queue = f"bench-reports-{secrets.token_hex(4)}"
        processes = [self._server(port, workers, queue), worker_start(queue=queue)]
        try:
            wait_until_up(base + "/api/v1/ping/", processes[0])
            stop = time.monotonic() + duration
            baseline = _cheap_load(base, cheap, connections, lambda: time.monotonic() >= stop)
            during, asked, drawn = self._with_reports(base, cheap, asks, auth, connections, duration)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            if not keep:
                delete_organization(organization)
        self._report(baseline, during, asked, drawn, touchpoints=touchpoints, workers=workers, connections=connections)

    def _summary(self, touchpoints: int, *, keep: bool) -> None:
        """Time the executive summary's PDF, read and drawn as the worker does (see the docstring)."""
        call_command("generate_org", SUMMARY_SLUG, touchpoints=touchpoints, replace=True, stdout=self.stdout)
        organization = Organization.objects.get(slug=SUMMARY_SLUG)
        today = timezone.localdate()
        try:
            cold = _summary_drawn(organization, today)
            runs = [_summary_drawn(organization, today) for _ in range(SUMMARY_RUNS)]
        finally:
            if not keep:
                delete_organization(organization)
        read, drawn, queries, pages = (statistics.median(values) for values in zip(*runs, strict=True))
        self.stdout.write(
            f"\nExecutive summary PDF, {touchpoints:,} touchpoints, {connection.vendor}: {pages:.0f} pages, "
            f"{queries:.0f} queries; median of {SUMMARY_RUNS}: read {read:.2f} s + drawn {drawn:.2f} s "
            f"(the first, WeasyPrint loading: {cold[0] + cold[1]:.2f} s)."
        )
        record(
            self.stdout,
            [
                below(
                    f"executive summary PDF at {touchpoints:,} touchpoints",
                    read + drawn,
                    SUMMARY_TARGET_S,
                    "s",
                    digits=2,
                )
            ],
        )

    def _with_reports(self, base, cheap, asks, auth, connections, duration):
        """Load the cheap requests while the four reports are asked for and drawn."""
        done = threading.Event()
        asked: list[tuple[int, float, str]] = []
        failure: list[BaseException] = []
        began = time.monotonic()

        def ask_all():
            try:
                with ThreadPoolExecutor(len(asks)) as pool:
                    asked.extend(pool.map(lambda path: _ask(base, path, auth), asks))
                deadline = time.monotonic() + REPORTS_TIMEOUT
                while time.monotonic() < deadline and not all(_job_finished(base, loc, auth) for *_, loc in asked):
                    time.sleep(1)
            except BaseException as error:  # reported once the load has stopped
                failure.append(error)
            finally:
                done.set()

        asking = threading.Thread(target=ask_all)
        asking.start()
        during = _cheap_load(base, cheap, connections, lambda: done.is_set() and time.monotonic() - began >= duration)
        asking.join()
        drawn = time.monotonic() - began
        if failure:
            raise CommandError(str(failure[0]))
        if any(status != 202 for status, *_ in asked):
            raise CommandError(f"The asks answered {[status for status, *_ in asked]}, not 202 each.")
        return during, asked, drawn

    def _server(self, port: int, workers: int, queue: str) -> subprocess.Popen:
        os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue  # read by the server's and the worker's settings
        return gunicorn_start(port, workers)

    def _report(self, baseline, during, asked, drawn, *, touchpoints, workers, connections) -> None:
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write("")
        self.stdout.write(
            f"Reports benchmark: {touchpoints:,} touchpoints, gunicorn {workers} sync workers and a Celery "
            f"worker (2 processes) on loopback, {database}, {connections} connections per cheap request."
        )
        self.stdout.write("")
        self.stdout.write("| request | while | requests | p50 ms | p99 ms | errors | 5xx | target |")
        self.stdout.write("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for phase, loads in (("nothing else", baseline), (f"{REPORTS} reports render", during)):
            for load in loads:
                met = "met" if load.p99_ms < P99_TARGET_MS else "MISSED"
                target = f"p99 < {P99_TARGET_MS} ms {met}" if phase != "nothing else" else "baseline"
                self.stdout.write(
                    f"| {load.name} | {phase} | {load.requests:,} | {load.p50_ms:.1f} | {load.p99_ms:.1f} | "
                    f"{load.errors} | {load.server_errors} | {target} |"
                )
        answers = ", ".join(f"{ms:.0f}" for _, ms, _ in asked)
        self.stdout.write("")
        self.stdout.write(
            f"The {REPORTS} asks answered 202 in {answers} ms; all {REPORTS} PDFs drawn after {drawn:.1f} s."
        )
        record(
            self.stdout,
            [
                below(f"{load.name} while {REPORTS} report PDFs are drawn: p99", load.p99_ms, P99_TARGET_MS, "ms")
                for load in during
            ],
        )


def _cheap_load(base, cheap, connections: int, until) -> list[Load]:
    """Each cheap request from `connections` threads, one request at a time, until `until()`
    says stop; every latency is kept, so p50 and p99 are of every request."""
    host, port = base.removeprefix("http://").split(":")
    seen: dict[str, list[tuple[float, int]]] = {name: [] for name, *_ in cheap}
    lock = threading.Lock()

    def worker(name, path, headers):
        mine = []
        while not until():
            began = time.perf_counter()
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
            finally:
                connection.close()
            mine.append((time.perf_counter() - began, status))
        with lock:
            seen[name].extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=c) for c in cheap for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    loads = []
    for name, rows in seen.items():
        latencies = sorted(latency for latency, _ in rows)
        load = Load(
            name=name,
            requests=len(rows),
            seconds=seconds,
            p50_ms=percentile_ms(latencies, 0.5),
            p99_ms=percentile_ms(latencies, 0.99),
            errors=sum(status != 200 for _, status in rows),
        )
        load.server_errors = sum(status >= 500 for _, status in rows)
        loads.append(load)
    return loads


def _summary_drawn(organization, today) -> tuple[float, float, int, int]:
    """Seconds to read the summary, seconds to draw its PDF, its queries and its pages."""
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        summary = executive_summary_build(organization=organization, today=today)
    read = time.perf_counter() - started
    pages: list[int] = [0]
    pdf = summary_pdf(summary=summary, follow=lambda step, laid_out: pages.append(laid_out))
    drawn = time.perf_counter() - started - read
    if not pdf.startswith(b"%PDF"):
        raise CommandError("The executive summary was not drawn.")
    return read, drawn, len(queries.captured_queries), max(pages)


def _request(base: str, path: str, headers: dict) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _ask(base: str, path: str, auth: dict) -> tuple[int, float, str]:
    began = time.perf_counter()
    status, headers, _ = _request(base, path, {**auth, "Accept": "application/pdf, application/json"})
    return status, (time.perf_counter() - began) * 1000, headers.get("Location", "")


def _job_finished(base: str, location: str, auth: dict) -> bool:
    status, _, body = _request(base, location, auth)
    if status != 200:
        raise CommandError(f"GET {location} answered {status}.")
    job = json.loads(body)
    if job["status"] == "failed":
        raise CommandError(f"A report failed: {job['error']}")
    return job["status"] == "done"
