"""The browser pages at scale: `bench_pages [--touchpoints 2000] [--functions 12] [--keep]`.

Builds an organization with one journey of N touchpoints (12 functions, ten stages, a realistic
mix of letters and gaps, one audit), then prints for the matrix editor: the server's time and
queries, the HTML's size, and what Chromium sees (load time, DOM nodes, forms, tab stops, rows
on a 1440×900 screen, whether the last function column is on screen); and the
server time of a cell edit, a pasted block and its undo, the journeys list, the dashboard (also
over 90 days of a busy gap history), a function's delete preview and the report (page and PDF).
Timings are medians of a few runs on a quiet machine: compare them with each other, not across
machines.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from datetime import timedelta
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.contrib.auth import get_user_model
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxowner.orgs.models import Membership, Organization
from journeys.models import Journey, Stage, Touchpoint
from ownership.editor.services import cells_read
from ownership.gaps.audits import audit_organization
from ownership.management.commands._targets import at_most, record
from ownership.management.commands.generate_org import FUNCTION_NAMES, analyze_tables, delete_organization
from ownership.models import Assignment, Function, Gap, GapEvent

SLUG = "bench-pages"
SMALL = 20  # the journey a cell edit of the big one is compared with
EDIT_SPREAD = 1.5  # the big journey's edit / the small one's, at most
PASTE_ROWS = 10  # the rows of the pasted block (× every function)
RUNS = 5
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
CHROMIUM_ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]

# What Chromium reports about the page: elements a Tab press can reach, and rows on screen.
PAGE_FIGURES = """() => {
  const focusable = 'a[href], button, input, select, textarea, summary, [tabindex]';
  const stops = [...document.querySelectorAll(focusable)].filter(e =>
    e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && !e.closest('[hidden], details:not([open]) > form'));
  const rows = [...document.querySelectorAll('tr.tp-row')];
  const head = document.querySelector('#matrix thead').getBoundingClientRect();
  const wrap = document.querySelector('.matrix-wrap').getBoundingClientRect();
  const onScreen = rows.filter(r => { const b = r.getBoundingClientRect();
    return b.top >= head.bottom && b.bottom <= Math.min(innerHeight, wrap.bottom); });
  const heads = document.querySelectorAll('th.fn-head');
  const last = heads[heads.length - 1].getBoundingClientRect();
  const nav = performance.getEntriesByType('navigation')[0];
  return {nodes: document.getElementsByTagName('*').length, forms: document.forms.length, stops: stops.length,
          row_stops: stops.filter(e => e.closest('tr.tp-row')).length,
          rows: rows.length, on_screen: onScreen.length, last_column: last.right <= innerWidth,
          load_ms: Math.round(nav.loadEventEnd - nav.startTime)};
}"""


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # the bench prints its own table
        pass


class Command(BaseCommand):
    help = "Print the matrix editor's figures for a journey of N touchpoints (server, HTML, Chromium)."

    def add_arguments(self, parser):
        parser.add_argument("--touchpoints", type=int, default=2000)
        parser.add_argument("--functions", type=int, default=12)
        parser.add_argument("--keep", action="store_true", help="keep the organization afterwards")
        parser.add_argument("--screenshots", metavar="DIR", help="save the dense editor, the list and the dashboard")

    def handle(self, *args, touchpoints: int, functions: int, keep: bool, screenshots: str | None, **options):
        self.screenshots = Path(screenshots) if screenshots else None
        if not 1 <= touchpoints <= 20000 or not 1 <= functions <= len(FUNCTION_NAMES):
            self.stderr.write(f"--touchpoints 1–20000 and --functions 1–{len(FUNCTION_NAMES)}, please.")
            return
        organization, journey, user = self.build(touchpoints, functions)
        try:
            self.report(organization, journey, user, touchpoints)
        finally:
            if not keep:
                delete_organization(organization)

    def build(self, touchpoints: int, functions: int):
        existing = Organization.objects.filter(slug=SLUG).first()
        if existing:
            delete_organization(existing)
        organization = Organization.objects.create(slug=SLUG, name="Bench pages")
        user, _ = get_user_model().objects.get_or_create(username="bench-pages-editor")
        Membership.objects.create(user=user, organization=organization, role=Membership.Role.EDITOR)
        columns = Function.objects.bulk_create(
            Function(organization=organization, name=name, position=i)
            for i, name in enumerate(FUNCTION_NAMES[:functions])
        )
        journey = self.journey(organization, columns, touchpoints, position=1)
        self.small = self.journey(organization, columns, SMALL, position=2)
        analyze_tables()  # fresh statistics, as autovacuum would give a real organization
        audit_organization(organization=organization, trigger="manual")
        return organization, journey, user

    def journey(self, organization, columns, touchpoints: int, *, position: int) -> Journey:
        """A journey of ten stages with about 3.5 letters per touchpoint and gaps of most kinds."""
        journey = Journey.objects.create(organization=organization, name=f"Journey of {touchpoints}", position=position)
        stages = Stage.objects.bulk_create(
            Stage(organization=organization, journey=journey, name=f"Stage {i + 1}", position=i) for i in range(10)
        )
        rows = Touchpoint.objects.bulk_create(
            (
                Touchpoint(
                    organization=organization,
                    journey=journey,
                    stage=stages[i * 10 // touchpoints],
                    name=f"Touchpoint {i + 1}",
                    position=i,
                    importance=1 + i % 5,
                    out_of_scope=i % 41 == 40,
                )
                for i in range(touchpoints)
            ),
            batch_size=2000,
        )
        letters = []
        for i, touchpoint in enumerate(rows):
            if i % 9 == 8:
                continue  # unassigned
            for offset, letter in ((0, "A"), (1, "R"), (2, "C"), (3, "I")):
                if letter == "R" and i % 6 == 5:
                    continue  # no R
                column = columns[(i // 3 + offset) % len(columns)]
                letters.append(
                    Assignment(organization=organization, touchpoint=touchpoint, function=column, letter=letter)
                )
        Assignment.objects.bulk_create(letters, batch_size=5000)
        return journey

    def cell_edit(self, client, journey) -> tuple[float, int]:
        """Toggle an I on an empty cell of the journey's middle touchpoint, back and forth."""
        touchpoint = journey.touchpoints.order_by("position")[journey.touchpoints.count() // 2]
        taken = set(touchpoint.assignments.values_list("function_id", flat=True))
        function = journey.organization.functions.exclude(pk__in=taken).order_by("position").first()
        url = reverse("journeys:cell", args=[journey.organization.slug, journey.id])
        state = {"letters": ""}

        def edit():
            before, state["letters"] = state["letters"], "" if state["letters"] else "I"
            data = {"touchpoint": touchpoint.id, "function": function.id, "expected": before}
            response = client.post(url, {**data, "letters": state["letters"]})
            assert response.status_code == 200, response.content
            return response

        edit_ms, _, queries = self.timed(edit)
        return edit_ms, queries

    def paste_and_undo(self, client, journey) -> tuple[float, int, float, int]:
        """Paste a block of PASTE_ROWS rows × every function over the journey's middle rows (every
        cell changed), then undo it: the server time and queries of each, medians of RUNS."""
        organization = journey.organization
        middle = journey.touchpoints.count() // 2
        rows = list(journey.touchpoints.order_by("position").values_list("pk", flat=True)[middle : middle + PASTE_ROWS])
        columns = list(organization.functions.order_by("position").values_list("pk", flat=True))
        batch_url = reverse("journeys:cells_batch", args=[organization.slug, journey.id])
        undo_url = reverse("journeys:undo", args=[organization.slug, journey.id])
        pastes, undos = [], []
        for _ in range(RUNS):
            now = cells_read(organization=organization, cells=[(t, f) for t in rows for f in columns])
            cells = [
                {
                    "touchpoint": t,
                    "function": f,
                    "expected": "".join(now[(t, f)]),
                    "letters": "" if now[(t, f)] else "C",
                }
                for t in rows
                for f in columns
            ]
            body = json.dumps({"action": "paste", "cells": cells})
            for runs, post in (
                (pastes, lambda body=body: client.post(batch_url, body, content_type="application/json")),
                (undos, lambda: client.post(undo_url)),
            ):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = post()
                    runs.append(((time.perf_counter() - started) * 1000, len(captured)))
                assert response.status_code == 200, response.content[:300]
        paste_ms, undo_ms = statistics.median(t for t, _ in pastes), statistics.median(t for t, _ in undos)
        return paste_ms, pastes[-1][1], undo_ms, undos[-1][1]

    def timed(self, request) -> tuple[float, object, int]:
        times, response, queries = [], None, 0
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = request()
                times.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
        return statistics.median(times), response, queries

    def report(self, organization, journey, user, touchpoints: int) -> None:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        matrix_url = reverse("journeys:matrix", args=[organization.slug, journey.id])
        out = self.stdout.write
        out(f"\nMatrix editor, one journey of {touchpoints} touchpoints × {organization.functions.count()} functions")
        page_ms, response, page_queries = self.timed(lambda: client.get(matrix_url))
        html = response.content
        out(f"  server            {page_ms:8.1f} ms  ({page_queries} queries)  target < 300 ms")
        out(f"  HTML              {len(html) / 1024:8.1f} KB                target < 500 KB")
        edit_ms = {}
        for size, edited in [(touchpoints, journey), (SMALL, self.small)]:
            edit_ms[size], edit_queries = self.cell_edit(client, edited)
            out(f"  cell edit         {edit_ms[size]:8.1f} ms  ({edit_queries} queries) in a journey of {size}")
        paste_ms, paste_queries, undo_ms, undo_queries = self.paste_and_undo(client, journey)
        block = f"{PASTE_ROWS}×{organization.functions.count()}"
        out(f"  paste {block:11} {paste_ms:8.1f} ms  ({paste_queries} queries)  target < 500 ms")
        out(f"  undo of it        {undo_ms:8.1f} ms  ({undo_queries} queries)  target < 500 ms")
        function = organization.functions.order_by("position").first()
        dashboard_url = reverse("dashboard", args=[organization.slug])
        page_times = {}
        for name, url in [
            ("journeys list", reverse("journeys:list", args=[organization.slug])),
            ("dashboard", dashboard_url),
            # The whole matrix's rules run twice (now, and with the function gone in memory).
            ("delete preview", reverse("ownership:function_delete", args=[organization.slug, function.id])),
            # The report of the whole organization: bounded rows, so its cost stays flat (docs/report.md).
            ("report page", reverse("ownership:report", args=[organization.slug])),
            ("report PDF", reverse("ownership:report_pdf", args=[organization.slug])),
        ]:
            ms, response, queries = self.timed(lambda url=url: client.get(url))
            out(f"  {name:17} {ms:8.1f} ms  ({queries} queries, {len(response.content) / 1024:.0f} KB)")
            page_times[name] = ms
        dashboard_ms = page_times["dashboard"]
        live = self.live_parts(client, organization, page_times)
        # The dashboard's change over 90 days walks back through the period's gap events: with a
        # busy quarter behind it, it should cost about what it costs with none.
        events = gap_history(organization, days=90)
        analyze_tables()  # after the bulk load of events, as autovacuum would soon
        history_ms, response, queries = self.timed(lambda: client.get(f"{dashboard_url}?period=90"))
        out(
            f"  dashboard, 90 d   {history_ms:8.1f} ms  ({queries} queries, {events} gap events in the period)"
            f"  target < 2× the dashboard ({history_ms / dashboard_ms:.1f}×: "
            f"{'PASS' if history_ms < 2 * dashboard_ms else 'MISS'})"
        )
        record(
            self.stdout,
            [
                at_most(
                    f"cell edit through the page, journey of {touchpoints:,} / of {SMALL}",
                    edit_ms[touchpoints] / edit_ms[SMALL],
                    EDIT_SPREAD,
                    "×",
                    digits=2,
                ),
                at_most("dashboard over 90 days / the dashboard", history_ms / dashboard_ms, 2.0, "×", digits=2),
                *live,
            ],
        )
        self.browser(client, matrix_url)

    def live_parts(self, client, organization, page_times: dict) -> list:
        """What an open page fetches after each change (docs/live.md): it costs no more than its page."""
        slug = organization.slug
        verdicts = []
        for name, page, url in [
            ("journeys, live", "journeys list", reverse("journeys:list_live", args=[slug])),
            ("dashboard, live", "dashboard", reverse("dashboard_live", args=[slug])),
            ("gaps, live", None, reverse("ownership:gaps_live", args=[slug])),
        ]:
            ms, response, queries = self.timed(lambda url=url: client.get(url, HTTP_HX_REQUEST="true"))
            self.stdout.write(f"  {name:17} {ms:8.1f} ms  ({queries} queries, {len(response.content) / 1024:.0f} KB)")
            if page:
                verdicts.append(at_most(f"{name} / the {page} page", ms / page_times[page], 1.1, "×", digits=2))
        return verdicts

    def browser(self, client, matrix_url: str) -> None:
        if not Path(CHROMIUM).exists():
            self.stdout.write(f"  (no Chromium at {CHROMIUM}: browser figures skipped)")
            return
        from playwright.sync_api import sync_playwright

        server = make_server(
            "127.0.0.1", 0, StaticFilesHandler(get_wsgi_application()), WSGIServer, handler_class=QuietHandler
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        session = client.cookies["sessionid"].value
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
                page = context.new_page()
                figures = []
                for _ in range(3):
                    page.goto(f"{base}{matrix_url}", wait_until="load", timeout=30000)
                    figures.append(page.evaluate(PAGE_FIGURES))
                first = figures[-1]
                load = statistics.median(f["load_ms"] for f in figures)
                out = self.stdout.write
                out(f"  Chromium load     {load:8.0f} ms                target < 1000 ms")
                out(f"  DOM nodes         {first['nodes']:8d}     rows drawn: {first['rows']}")
                out(f"  forms             {first['forms']:8d}")
                out(f"  tab stops         {first['stops']:8d}     on the page; {first['row_stops']} in the drawn rows")
                dense = first  # the sheet is dense by default; bench_sheet records its target
                out(f"  sheet, 1440×900   {dense['on_screen']:8d} rows on screen   target ≥ 20 (bench_sheet)")
                out(f"  last function column on screen: {'yes' if dense['last_column'] else 'NO'}")
                if self.screenshots:
                    self.screenshots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=self.screenshots / "bench-matrix-dense.png")
                    slug = matrix_url.split("/")[2]
                    for name, path in [("bench-journeys", f"/o/{slug}/journeys/"), ("bench-dashboard", f"/o/{slug}/")]:
                        page.goto(f"{base}{path}", wait_until="load", timeout=30000)
                        page.screenshot(path=self.screenshots / f"{name}.png", full_page=True)
                    out(f"  screenshots in {self.screenshots}")
                browser.close()
        finally:
            server.shutdown()
            server.server_close()


def gap_history(organization, *, days: int) -> int:
    """A busy past for the open gaps: each resolved and reopened an hour later on every seventh
    of the last `days` days, as edits back and forth would. The live state stays as it is.
    Returns the number of events written."""
    now = timezone.now()
    events = []
    open_gaps = Gap.objects.filter(organization=organization, resolved_at__isnull=True).values_list("id", flat=True)
    for index, gap_id in enumerate(open_gaps):
        for day in range(index % 7, days, 7):
            at = now - timedelta(days=day, hours=3)
            for kind, when in ((GapEvent.Kind.RESOLVED, at), (GapEvent.Kind.REOPENED, at + timedelta(hours=1))):
                events.append(GapEvent(organization=organization, gap_id=gap_id, kind=kind, at=when, cause="bench"))
    GapEvent.objects.bulk_create(events, batch_size=5000)
    return len(events)
