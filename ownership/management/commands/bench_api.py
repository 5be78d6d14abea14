"""Benchmark the REST API on a real gunicorn server, each endpoint next to a trivial one.

`bench_api [--touchpoints 5000] [--duration 10] [--connections 16] [--workers 2] [--port 0] [--keep]
[--client auto|python]`

1. Builds `bench-api`: generate_org --replace with --touchpoints, plus one journey of 500
   touchpoints (8 stages, about 3.5 letters per row) for the matrix, and an editor token.
2. Starts gunicorn (--workers, sync) on a loopback port against the configured database, with
   DEBUG off and the API throttles off (they would measure the throttle, not the endpoint).
3. Loads each endpoint for --duration seconds with --connections concurrent connections: wrk
   when it is installed (and --client is not python), otherwise Python processes writing raw
   requests on sockets (also capped in count): a Python client must not cost the ping more CPU
   than the ping costs the server.
   - the trivial DRF endpoint: GET /api/v1/ping/ (APIView, no database): the ceiling;
   - the touchpoint list, 50 per page with their letters, with the token;
   - the matrix of the 500-touchpoint journey (rows, columns, cells and its live gaps);
   - the same list and matrix asked again with If-None-Match: the 304 path an integration
     polling for changes takes while nothing changed.
4. Prints a Markdown table: requests/s, p50/p99 latency, errors, ratio to the ping; the targets:
   the list at least 50 % of the ping's rate; the matrix 15 % of it, with a p50 under 100 ms.
   The load generator shares the machine's cores with the server: compare the ratios of one run,
   not absolute rates across runs.
"""

from __future__ import annotations

import multiprocessing
import random
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cxowner.orgs.models import Organization
from cxowner.orgs.services import token_create
from cxowner.orgs.signals import MatrixScope
from journeys.models import Journey, Stage, Touchpoint
from ownership.gaps.live import gaps_refresh
from ownership.management.commands._loopback import free_port, get, gunicorn_start, percentile_ms, stop, wait_until_up
from ownership.management.commands._synthetic import delete_organization
from ownership.management.commands._targets import at_least, below, record
from ownership.models import Assignment, Function

SLUG = "bench-api"
MATRIX_TOUCHPOINTS = 500
MATRIX_STAGES = 8
LIST_TARGET = 0.50  # the list's rate / the ping's
MATRIX_TARGET = 0.15  # the matrix's rate / the ping's
MATRIX_P50_MS = 100.0
# The Python load generator stops after this many requests per endpoint, whatever the time.
MAX_REQUESTS = 200_000
# ... and spreads its connections over this many processes (one core's worth of load each at most).
PROCESSES = 2


@dataclass
class Load:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class Command(BaseCommand):
    help = "Requests/s of the API's touchpoint list and matrix against a trivial DRF endpoint (gunicorn, loopback)."

    def add_arguments(self, parser):
        parser.add_argument("--touchpoints", type=int, default=5000, help="size of the organization, default 5000")
        parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint, default 10")
        parser.add_argument("--connections", type=int, default=16, help="concurrent connections, default 16")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, default 2")
        parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
        parser.add_argument("--keep", action="store_true", help="keep the bench-api organization afterwards")
        parser.add_argument(
            "--client", choices=["auto", "python"], default="auto", help="load generator: wrk when installed, or python"
        )

    def handle(self, *args, touchpoints, duration, connections, workers, port, keep, client="auto", **options):
        if not 1 <= duration <= 120:
            raise CommandError("--duration must be between 1 and 120 seconds.")
        if not 1 <= connections <= 256:
            raise CommandError("--connections must be between 1 and 256.")
        started = time.perf_counter()
        organization, journey, key = self._build(touchpoints)
        self.stdout.write(f"Built {SLUG} in {time.perf_counter() - started:.1f} s.")
        port = port or free_port()
        base = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {key}"}
        list_path = f"/api/v1/orgs/{SLUG}/touchpoints/?page_size=50"
        matrix_path = f"/api/v1/orgs/{SLUG}/journeys/{journey.pk}/matrix/"
        endpoints = [
            ("trivial DRF endpoint (GET /api/v1/ping/)", "/api/v1/ping/", {}),
            ("touchpoint list, 50 per page with letters", list_path, auth),
            (f"matrix of a {MATRIX_TOUCHPOINTS}-touchpoint journey", matrix_path, auth),
        ]
        server = gunicorn_start(port, workers)
        try:
            wait_until_up(base + "/api/v1/ping/", server)
            for _, path, headers in endpoints:
                status = get(base, path, headers)[0]
                if status != 200:
                    raise CommandError(f"GET {path} answered {status}; not benchmarking a failing endpoint.")
            # The 304 path: what a poller sends once it holds the ETag, while nothing changes.
            for name, path in (
                ("touchpoint list, unchanged (304)", list_path),
                ("matrix, unchanged (304)", matrix_path),
            ):
                conditional = {**auth, "If-None-Match": get(base, path, auth)[2]}
                if get(base, path, conditional)[0] != 304:
                    raise CommandError(f"GET {path} with its own ETag did not answer 304.")
                endpoints.append((name, path, conditional))
            tool = (
                "wrk" if shutil.which("wrk") and client != "python" else f"python ({PROCESSES} processes, raw sockets)"
            )
            results = []
            for name, path, headers in endpoints:
                _load(tool, base, path, headers, connections=connections, duration=min(duration, 2))  # warm-up
                results.append(_load(tool, base, path, headers, connections=connections, duration=duration, name=name))
        finally:
            stop(server)
            if not keep:
                delete_organization(organization)
        self._report(results, tool=tool, workers=workers, connections=connections, duration=duration)

    # Data -------------------------------------------------------------------------------------

    def _build(self, touchpoints: int) -> tuple[Organization, Journey, str]:
        call_command("generate_org", SLUG, touchpoints=touchpoints, replace=True, stdout=self.stdout)
        organization = Organization.objects.get(slug=SLUG)
        rng = random.Random(1)
        functions = list(Function.objects.filter(organization=organization).order_by("position"))
        with transaction.atomic():
            last = Journey.objects.filter(organization=organization).order_by("-position").first()
            journey = Journey.objects.create(
                organization=organization, name="Benchmark matrix", position=(last.position + 1 if last else 0)
            )
            stages = Stage.objects.bulk_create(
                Stage(organization=organization, journey=journey, name=f"Stage {i + 1}", position=i + 1)
                for i in range(MATRIX_STAGES)
            )
            rows = Touchpoint.objects.bulk_create(
                Touchpoint(
                    organization=organization,
                    journey=journey,
                    stage=stages[i * MATRIX_STAGES // MATRIX_TOUCHPOINTS],
                    name=f"Touchpoint {i + 1}",
                    position=i + 1,
                    importance=rng.randint(1, 5),
                )
                for i in range(MATRIX_TOUCHPOINTS)
            )
            letters = []
            for row in rows:
                owner = rng.choice(functions)
                letters += [Assignment(organization=organization, touchpoint=row, function=owner, letter="A")]
                letters += [Assignment(organization=organization, touchpoint=row, function=owner, letter="R")]
                for function in rng.sample(functions, min(2, len(functions))):
                    if function != owner:
                        letters.append(
                            Assignment(organization=organization, touchpoint=row, function=function, letter="C")
                        )
            Assignment.objects.bulk_create(letters, batch_size=2000)
            # Written in bulk: its live gaps are brought up to date once, as a write would.
            gaps_refresh(
                organization_id=organization.pk,
                scope=MatrixScope.of("generate", journeys=[journey.pk], all_functions=True),
            )
        _, key = token_create(organization=organization, name="bench_api", role="editor")
        return organization, journey, key

    # Server -----------------------------------------------------------------------------------

    # Report -----------------------------------------------------------------------------------

    def _report(self, results: list[Load], *, tool: str, workers: int, connections: int, duration: float) -> None:
        ping = results[0].rate or 1.0
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write("")
        self.stdout.write(
            f"API benchmark: gunicorn {workers} sync workers on loopback, {database}, {tool}, "
            f"{connections} connections, {duration:g} s per endpoint, throttles off."
        )
        self.stdout.write("")
        self.stdout.write("| endpoint | requests/s | p50 ms | p99 ms | errors | × ping | target |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for index, result in enumerate(results):
            ratio = result.rate / ping
            if index == 0:
                target = "reference"
            elif index == 1:
                target = f"≥ {LIST_TARGET:.2f}×"
            elif index == 2:
                target = f"≥ {MATRIX_TARGET:.2f}×, p50 < {MATRIX_P50_MS:.0f} ms"
            elif index >= 3:
                full = results[index - 2].rate or 1.0
                target = f"{result.rate / full:.1f}× the full answer"
            self.stdout.write(
                f"| {result.name} | {result.rate:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
                f"{result.errors} | {ratio:.2f} | {target} |"
            )
        listed, matrix = results[1], results[2]
        at = f"{connections} connections"
        record(
            self.stdout,
            [
                at_least(f"touchpoint list (50 per page, letters) / ping, {at}", listed.rate / ping, LIST_TARGET, "×"),
                at_least(
                    f"matrix of a 500-touchpoint journey (API) / ping, {at}", matrix.rate / ping, MATRIX_TARGET, "×"
                ),
                below(f"matrix of a 500-touchpoint journey (API), p50 at {at}", matrix.p50_ms, MATRIX_P50_MS, "ms"),
            ],
        )


def _load(tool: str, base: str, path: str, headers, *, connections: int, duration: float, name: str = "") -> Load:
    if tool == "wrk":
        return _load_wrk(base, path, headers, connections=connections, duration=duration, name=name)
    return _load_python(base, path, headers, connections=connections, duration=duration, name=name)


def _load_wrk(base, path, headers, *, connections, duration, name) -> Load:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "--timeout", "10s"]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    output = subprocess.run(
        [*command, base + path], capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    requests, seconds = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output).group(1, 2)
    unit = re.search(r"\d+ requests in [\d.]+(ms|s|m)", output).group(1)
    seconds = float(seconds) * {"ms": 0.001, "s": 1, "m": 60}[unit]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Load(
        name=name,
        requests=int(requests),
        seconds=seconds,
        p50_ms=_wrk_ms(output, "50%"),
        p99_ms=_wrk_ms(output, "99%"),
        errors=errors,
    )


def _wrk_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _load_python(base, path, headers, *, connections, duration, name) -> Load:
    """Without wrk: `connections` connections spread over a few processes, each request written once.

    One process of Python threads (http.client, a GIL) spent more CPU per request than the ping
    itself: it capped the ping's rate, not the server, and squeezed every ratio towards 1. Here
    PROCESSES processes share the connections, and each request is the same bytes sent on a raw
    socket and read to the end (gunicorn's sync workers close the connection after answering).
    """
    processes = min(PROCESSES, connections)
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    host, port = base.removeprefix("http://").split(":")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    request = ("\r\n".join(lines + [f"{k}: {v}" for k, v in headers.items()]) + "\r\n\r\n").encode()
    context = multiprocessing.get_context("fork")  # the children only send bytes: no Django in them
    results = context.Queue()
    deadline = time.monotonic() + duration
    began = time.perf_counter()
    children = [
        context.Process(
            target=_generate, args=(results, (host, int(port)), request, share, deadline, MAX_REQUESTS // connections)
        )
        for share in shares
    ]
    for child in children:
        child.start()
    latencies: list[float] = []
    errors = 0
    for _ in children:
        mine, failed = results.get(timeout=duration + 60)
        latencies += mine
        errors += failed
    for child in children:
        child.join()
    seconds = time.perf_counter() - began
    latencies.sort()
    return Load(
        name=name,
        requests=len(latencies),
        seconds=seconds,
        p50_ms=percentile_ms(latencies, 0.5),
        p99_ms=percentile_ms(latencies, 0.99),
        errors=errors,
    )


def _generate(results, address, request: bytes, connections: int, deadline: float, per_connection: int) -> None:
    """One load process: `connections` threads, each one request at a time until the deadline."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def connection_loop():
        nonlocal errors
        mine, failed = [], 0
        while time.monotonic() < deadline and len(mine) < per_connection:
            began = time.perf_counter()
            try:
                with socket.create_connection(address, timeout=30) as sock:
                    sock.sendall(request)
                    answer = first = sock.recv(65536)
                    while answer:
                        answer = sock.recv(65536)
                failed += first[9:12] not in (b"200", b"304")
            except OSError:
                failed += 1
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=connection_loop) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, errors))
