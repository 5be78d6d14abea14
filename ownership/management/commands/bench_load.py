"""A busy organization on a real server: editors, audits, a scenario and imports at once.

`bench_load [--touchpoints 5000] [--duration 60] [--editors 8] [--shared 2] [--audit-every 0.5]
[--workers 3] [--threads 4] [--bulk-workers 2] [--bulk-threads 2] [--pace 0]`

1. Builds `bench-load` (generate_org --replace) and an editor token for each person below.
2. Starts gunicorn as production runs it (docker-compose.yml: `web`, 3 workers × 4 threads, and
   `bulk`, 2 × 2, for scenarios, imports, exports and reports; 30 s timeout) and a Celery worker on
   loopback ports, against the configured database and broker. Each request goes to the pool the
   proxy would send it to (cxowner.pools, the pattern deploy/Caddyfile routes by); --bulk-workers 0
   serves everything from one pool.
3. For --duration seconds, all at once:
   - each of --editors editors changes cells of a journey of their own through the matrix API
     (PATCH with the letters they read as `expected`): one request after another (a closed loop:
     the server's capacity, where by Little's law the latency is the editors over the throughput),
     or with --pace N, N edits a second each, on a fixed schedule (an open loop: the latency
     people feel at that rate, counted from when the edit was due, so a slow answer that delays
     the next edit counts against the server too);
   - --shared editors change the same few cells of one journey: some of their writes are refused
     as stale (409/412), which is the product working, and counted apart;
   - an integration asks for an audit every --audit-every seconds;
   - a planner draws a scenario on a journey nobody else edits, compares it and applies it, again
     and again;
   - an importer uploads the matrix file of a journey of its own every few seconds.
4. Prints a Markdown table per kind of request (count, refusals, 5xx, p50, p99) and whether the
   targets hold: no 5xx and no worker killed, p99 of the editors' writes under 300 ms.
5. Prints, per kind of transaction, how long it waited for the organization's row and held it until
   commit (cxowner.orgs.locks.HOLD_LOG_ENV): every writer of an organization queues on that row, so
   a long hold is every other writer's latency.
6. Prints the CPU seconds each kind of process used (web server, worker, PostgreSQL, this load
   generator, the rest of the machine) and the idle share: with the cores full, latency is the
   queue for them.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cxowner.orgs.locks import HOLD_LOG_ENV
from cxowner.orgs.models import Organization
from cxowner.orgs.services import token_create
from cxowner.pools import is_bulk
from journeys.models import Journey
from ownership.management.commands._cpu import CpuClock
from ownership.management.commands._loopback import (
    free_port,
    gunicorn_start,
    percentile_ms,
    send,
    stop,
    wait_until_up,
    worker_start,
)
from ownership.management.commands._synthetic import delete_organization
from ownership.management.commands._targets import below, record

SLUG = "bench-load"
EDIT_P99_TARGET_MS = 300
STALE = (409, 412)
IMPORT_ROWS = 200


@dataclass
class Tally:
    """What one kind of request met."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] += 1

    def count(self, test) -> int:
        return sum(n for status, n in self.statuses.items() if test(status))


class Run:
    """The shared state of one load: the server's address, the clock, the tallies."""

    def __init__(self, base: str, duration: float, bulk: str | None = None) -> None:
        self.base = base
        self.bulk = bulk or base  # where the proxy sends cxowner.pools' bulk paths
        self.ends = time.monotonic() + duration
        self.lock = threading.Lock()
        self.tallies: dict[str, Tally] = defaultdict(Tally)

    def going(self) -> bool:
        return time.monotonic() < self.ends

    def call(
        self, kind: str, method: str, path: str, key: str, body=None, headers=None, *, due: float | None = None
    ) -> tuple[int, dict | None]:
        began = time.perf_counter() if due is None else due
        try:
            base = self.bulk if is_bulk(path) else self.base
            status, raw, _ = send(base, method, path, {"Authorization": f"Bearer {key}", **(headers or {})}, body)
        except OSError:
            status, raw = 599, b""  # the connection failed: counted with the server errors
        with self.lock:
            self.tallies[kind].add(status, time.perf_counter() - began)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None


class Command(BaseCommand):
    help = "Editors, audits, a scenario and imports at once on gunicorn: 5xx count and p50/p99 per request kind."

    def add_arguments(self, parser):
        parser.add_argument("--touchpoints", type=int, default=5000)
        parser.add_argument("--duration", type=float, default=60.0)
        parser.add_argument("--editors", type=int, default=8)
        parser.add_argument("--shared", type=int, default=2, help="editors sharing the same cells")
        parser.add_argument("--audit-every", type=float, default=0.5)
        # As production (docker-compose.yml, Dockerfile): threads keep a worker answering while one
        # of its requests waits for a lock; 2 sync workers both stuck behind an import's lock left
        # every other request queued (issue 23).
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers, default 3")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread when > 1), default 4")
        # As production's bulk pool (docker-compose.yml): scenarios, imports, exports and reports.
        parser.add_argument("--bulk-workers", type=int, default=2, help="bulk pool's workers; 0: one pool, default 2")
        parser.add_argument("--bulk-threads", type=int, default=2, help="bulk pool's threads per worker, default 2")
        parser.add_argument("--keep", action="store_true", help="keep the bench-load organization afterwards")
        parser.add_argument(
            "--pace", type=float, default=0.0, help="edits a second per editor on a fixed schedule; 0: back to back"
        )

    def handle(
        self, *args, touchpoints, duration, editors, shared, audit_every, workers, threads, keep, pace, **options
    ):
        if not 5 <= duration <= 600:
            raise CommandError("--duration must be between 5 and 600 seconds.")
        if not 0 <= pace <= 50:
            raise CommandError("--pace must be between 0 (back to back) and 50 edits a second.")
        self.pace = pace
        organization, journeys = self._build(touchpoints, editors + 3)
        keys = [token_create(organization=organization, name=f"person {n}", role="editor")[1] for n in range(20)]
        port, bulk_port = free_port(), free_port()
        base, bulk = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bulk_port}" if options["bulk_workers"] else None
        clock = CpuClock()
        with tempfile.TemporaryDirectory() as folder:
            log_path = Path(folder) / "gunicorn.log"
            holds = Path(folder) / "holds"
            holds.mkdir()
            os.environ[HOLD_LOG_ENV] = str(holds)  # the server and the worker inherit it
            with log_path.open("w") as log:
                servers = [gunicorn_start(port, workers, threads=threads, log=log)]
                if bulk:
                    servers.append(
                        gunicorn_start(bulk_port, options["bulk_workers"], threads=options["bulk_threads"], log=log)
                    )
                worker = worker_start()
                try:
                    for url, server in zip((base, bulk), servers, strict=False):
                        wait_until_up(url + "/api/v1/ping/", server)
                    run = Run(base, duration, bulk)
                    people = self._people(run, journeys, keys, editors=editors, shared=shared, audit_every=audit_every)
                    clock.start()
                    for person in people:
                        person.start()
                    for person in people:
                        person.join()
                    clock.stop()
                finally:
                    for process in [*servers, worker]:
                        stop(process)
                    if not keep:
                        delete_organization(organization)
            killed = log_path.read_text().count("WORKER TIMEOUT")
            os.environ.pop(HOLD_LOG_ENV, None)
            held = _holds_read(holds)
        served = _pool(workers, threads)
        if bulk:
            served += f", bulk paths on {_pool(options['bulk_workers'], options['bulk_threads'])}"
        self._report(run, served=served, duration=duration, killed=killed, editors=editors, shared=shared)
        self._holds_report(held, duration)
        self.stdout.write("")
        self.stdout.write("\n".join(clock.table()))
        every = [latency for tally in run.tallies.values() for latency in tally.latencies]
        mean_ms = 1000 * sum(every) / max(1, len(every))
        self.stdout.write("")
        if not pace:  # Little's law's floor holds for a closed loop: a fixed number always in flight
            self.stdout.write(
                "\n".join(clock.floor_lines(requests=len(every), in_flight=editors + shared, mean_ms=mean_ms))
            )

    def _build(self, touchpoints: int, journeys_needed: int) -> tuple[Organization, list[int]]:
        call_command("generate_org", SLUG, touchpoints=touchpoints, replace=True, stdout=self.stdout)
        organization = Organization.objects.get(slug=SLUG)
        journeys = list(
            Journey.objects.filter(organization=organization).order_by("position").values_list("pk", flat=True)
        )
        if len(journeys) < journeys_needed:
            raise CommandError(f"{SLUG} has {len(journeys)} journeys; give more --touchpoints for {journeys_needed}.")
        return organization, journeys

    def _people(self, run: Run, journeys: list[int], keys: list[str], *, editors, shared, audit_every):
        pace = self.pace
        people = [
            threading.Thread(target=_editor, args=(run, keys[n], journeys[n], False, pace)) for n in range(editors)
        ]
        shared_journey = journeys[editors]
        people += [
            threading.Thread(target=_editor, args=(run, keys[editors + n], shared_journey, True, pace))
            for n in range(shared)
        ]
        people.append(threading.Thread(target=_auditor, args=(run, keys[-1], audit_every)))
        people.append(threading.Thread(target=_planner, args=(run, keys[-2], journeys[editors + 1])))
        people.append(threading.Thread(target=_importer, args=(run, keys[-3])))
        return people

    def _report(self, run: Run, *, served, duration, killed, editors, shared) -> None:
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write("")
        self.stdout.write(
            f"Load: gunicorn {served} (30 s timeout) and a Celery worker on loopback, {database}; "
            f"{editors} editors + {shared} on shared cells ({self._editing()}), audits, a scenario and imports "
            f"for {duration:g} s."
        )
        self.stdout.write("")
        self.stdout.write("| request | count | 2xx | refused as stale | other 4xx | 5xx | p50 ms | p99 ms |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        server_errors = 0
        for kind, tally in sorted(run.tallies.items()):
            ordered = sorted(tally.latencies)
            errors = tally.count(lambda status: status >= 500)
            server_errors += errors
            self.stdout.write(
                f"| {kind} | {len(ordered)} | {tally.count(lambda s: s < 300)} | {tally.count(lambda s: s in STALE)} "
                f"| {tally.count(lambda s: 400 <= s < 500 and s not in STALE)} | {errors} "
                f"| {percentile_ms(ordered, 0.5):.0f} | {percentile_ms(ordered, 0.99):.0f} |"
            )
        edits = sorted(run.tallies["cell edit"].latencies + run.tallies["cell edit, shared cells"].latencies)
        p99 = percentile_ms(edits, 0.99)
        self.stdout.write("")
        self.stdout.write(
            f"- 5xx and failed connections: {server_errors}; workers killed by gunicorn: {killed} "
            f"(target 0): {'PASS' if server_errors == killed == 0 else 'MISS'}"
        )
        self.stdout.write(
            f"- p99 of cell edits: {p99:.0f} ms (target < {EDIT_P99_TARGET_MS} ms): "
            f"{'PASS' if p99 < EDIT_P99_TARGET_MS else 'MISS'}"
        )
        every = sorted(latency for tally in run.tallies.values() for latency in tally.latencies)
        self.stdout.write(
            f"- every request: {len(every)} in {duration:g} s ({len(every) / duration:.0f} req/s), "
            f"p50 {percentile_ms(every, 0.5):.0f} ms, p99 {percentile_ms(every, 0.99):.0f} ms"
        )
        load = f"{editors} editors + {shared} on shared cells + audits + scenario + import"
        if self.pace:
            load += f", each editor {self._editing()}"
        record(
            self.stdout,
            [
                below(f"{load}: 5xx and workers killed", server_errors + killed, 1, "", digits=0),
                below(f"{load}: p99 of cell edits", p99, EDIT_P99_TARGET_MS, "ms", digits=0),
                below(f"{load}: p99 of every request", percentile_ms(every, 0.99), EDIT_P99_TARGET_MS, "ms", digits=0),
            ],
        )

    def _editing(self) -> str:
        return f"{self.pace:g} edit{'s' if self.pace != 1 else ''} a second" if self.pace else "back to back"

    def _holds_report(self, held: dict[str, list[tuple[float, float]]], duration: float) -> None:
        self.stdout.write("")
        self.stdout.write("The organization's row, per kind of transaction that took it (committed ones):")
        self.stdout.write("")
        self.stdout.write("| holder | count | wait p50 ms | wait p99 ms | hold p50 ms | hold p99 ms | max | held s |")
        self.stdout.write("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for holder, rows in sorted(held.items(), key=lambda item: -sum(h for _, h in item[1])):
            waits, holds = sorted(w / 1000 for w, _ in rows), sorted(h / 1000 for _, h in rows)
            self.stdout.write(
                f"| {holder} | {len(rows)} | {percentile_ms(waits, 0.5):.1f} | {percentile_ms(waits, 0.99):.0f} "
                f"| {percentile_ms(holds, 0.5):.1f} | {percentile_ms(holds, 0.99):.0f} | {holds[-1] * 1000:.0f} "
                f"| {sum(holds):.1f} |"
            )
        total = sum(h for rows in held.values() for _, h in rows) / 1000
        self.stdout.write(f"\nHeld {total:.1f} s of {duration:g} s ({total / duration:.0%}).")


def _pool(workers: int, threads: int) -> str:
    return f"{workers} sync workers" if threads == 1 else f"{workers} workers × {threads} threads (gthread)"


def _holds_read(folder: Path) -> dict[str, list[tuple[float, float]]]:
    """(wait ms, hold ms) per holder, from the lines the server's and the worker's processes wrote."""
    held: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for path in folder.glob("*.tsv"):
        for line in path.read_text().splitlines():
            holder, waited, kept = line.split("\t")
            held[holder].append((float(waited), float(kept)))
    return held


def _matrix(run: Run, key: str, journey: int, kind: str) -> tuple[list[int], list[int], dict]:
    status, body = run.call(kind, "GET", f"/api/v1/orgs/{SLUG}/journeys/{journey}/matrix/", key)
    if status != 200 or body is None:
        return [], [], {}
    touchpoints = [row["id"] for row in body["touchpoints"]]
    functions = [column["id"] for column in body["functions"]]
    cells = {(cell["touchpoint"], cell["function"]): cell["letters"] for cell in body["cells"]}
    return touchpoints, functions, cells


def _editor(run: Run, key: str, journey: int, shared: bool, pace: float = 0.0) -> None:
    """Read the journey's matrix, then toggle a C in one cell after another, as its reader:
    back to back, or `pace` a second on a schedule that a slow answer does not move."""
    rng = random.Random(journey * 7 + shared + hash(key) % 1000)
    kind = "cell edit, shared cells" if shared else "cell edit"
    touchpoints, functions, cells = _matrix(run, key, journey, "matrix read")
    if shared:
        touchpoints = touchpoints[:3]
    due = time.perf_counter() + rng.random() / pace if pace else None  # editors out of step
    while run.going() and touchpoints and functions:
        if due is not None:
            time.sleep(max(0.0, due - time.perf_counter()))
        cell = (rng.choice(touchpoints), rng.choice(functions))
        held = cells.get(cell, "")
        wanted = held.replace("C", "") if "C" in held else "".join(x for x in "RACI" if x in held + "C")
        body = {"cells": [{"touchpoint": cell[0], "function": cell[1], "letters": wanted, "expected": held}]}
        status, answer = run.call(kind, "PATCH", f"/api/v1/orgs/{SLUG}/journeys/{journey}/matrix/", key, body, due=due)
        if due is not None:
            due += 1 / pace
        if status == 200 and answer:
            cells.update({(c["touchpoint"], c["function"]): c["letters"] for c in answer["cells"]})
        elif status in STALE:
            _, _, cells = _matrix(run, key, journey, "matrix read")


def _auditor(run: Run, key: str, every: float) -> None:
    while run.going():
        run.call("audit request", "POST", f"/api/v1/orgs/{SLUG}/audits/", key)
        time.sleep(max(0.0, min(every, run.ends - time.monotonic())))


def _planner(run: Run, key: str, journey: int) -> None:
    """Draw a scenario that changes a few cells of its journey, compare it, apply it; again."""
    rng = random.Random(journey)
    touchpoints, functions, cells = _matrix(run, key, journey, "matrix read")
    root = f"/api/v1/orgs/{SLUG}/scenarios/"
    while run.going() and touchpoints and functions:
        chosen = [(rng.choice(touchpoints), rng.choice(functions)) for _ in range(3)]
        changes = [{"touchpoint": t, "function": f, "letters": rng.choice(["R", "C", "I", ""])} for t, f in set(chosen)]
        operation = {"kind": "set_cells", "arguments": {"cells": changes}}
        status, scenario = run.call("scenario draw", "POST", root, key, {"name": "Load", "operations": [operation]})
        if status != 201 or scenario is None:
            time.sleep(1)
            continue
        status, compared = run.call("scenario compare", "GET", f"{root}{scenario['id']}/compare/", key)
        if status == 200 and compared:
            body = {"base_matrix_version": compared["matrix_version"], "version": compared["version"]}
            run.call("scenario apply", "POST", f"{root}{scenario['id']}/apply/", key, body)
        time.sleep(2)


def _importer(run: Run, key: str) -> None:
    """Replace one journey of its own by a matrix file, every few seconds."""
    lines = ["journey,stage,touchpoint,Load Sales,Load Support"]
    lines += [f"Imported,Stage {n // 20 + 1},Step {n},A,{'R' if n % 2 else 'C'}" for n in range(IMPORT_ROWS)]
    data = ("\n".join(lines) + "\n").encode()
    boundary = "bench-load-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="matrix.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    while run.going():
        run.call("import (200 rows)", "POST", f"/api/v1/orgs/{SLUG}/import/", key, body, headers)
        time.sleep(3)
