"""The live push: `bench_push [--seconds 8] [--clients 50] [--editors 8] [--keep]`.

Builds an organization with two journeys, of 20 and of 2,000 touchpoints (13 functions, the
journeys bench_pages builds), serves the pages on a threaded WSGI server and the live sockets on
daphne, both on loopback, and opens `--clients` socket clients (the first `--editors` are the
editors' own pages) plus one client that reads nothing. The editors change cells through the
matrix page's cell endpoint, one change a second each, for `--seconds` on each journey in turn.

It reports the time from each accepted edit (its response received) to the message's arrival at
every other client, p50 and p99 (targets p50 < 200 ms, p99 < 1 s), the message's size on both
journeys (it must not grow with the journey), the time a page then takes to fetch the rows a
message names, and what the client that reads nothing was sent. The channel layer is the
settings': Redis with REDIS_URL, else the in-process layer fed by the database relay.
"""

from __future__ import annotations

import statistics
import time

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand
from django.urls import reverse

from cxowner.orgs.history import letters_text
from cxowner.orgs.models import Membership, Organization
from ownership.gaps.audits import audit_organization
from ownership.management.commands._live_servers import pages_served, sockets_served
from ownership.management.commands._push_phase import phase_run
from ownership.management.commands._synthetic import FUNCTION_NAMES, analyze_tables, delete_organization
from ownership.management.commands._targets import at_most, below, record
from ownership.management.commands.bench_pages import Command as BenchPages
from ownership.models import Assignment, Function

SLUG = "bench-push"
FUNCTIONS = 13
SIZES = (20, 2000)
P50_MS, P99_MS = 200, 1000
# The message of a one-cell edit on the large journey, over the small one's: the same, give or take its ids' digits.
SIZE_RATIO_MAX = 1.1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Command(BaseCommand):
    help = "Time the live push from an accepted edit to 50 open pages, on a 20- and a 2,000-row journey."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=8, help="editing time on each journey, default 8")
        parser.add_argument("--clients", type=int, default=50, help="open pages (socket clients), default 50")
        parser.add_argument("--editors", type=int, default=8, help="editors among them, default 8")
        parser.add_argument("--keep", action="store_true", help="keep the organization afterwards")

    def handle(self, *args, seconds: float, clients: int, editors: int, keep: bool, **options):
        if not 1 <= editors <= min(clients, FUNCTIONS) or clients > 500:
            self.stderr.write(f"--editors 1–{FUNCTIONS} and at most --clients; --clients at most 500.")
            return
        organization, journeys, sessions = self.build(clients, editors)
        try:
            port = sockets_served()
            with pages_served() as base:
                results = [
                    self.journey_measure(base, port, journey, sessions, editors, seconds) for journey in journeys
                ]
        finally:
            if not keep:
                delete_organization(organization)
        self.report(results, clients, editors, seconds)

    def build(self, clients: int, editors: int):
        existing = Organization.objects.filter(slug=SLUG).first()
        if existing:
            delete_organization(existing)
        organization = Organization.objects.create(slug=SLUG, name="Bench push")
        columns = Function.objects.bulk_create(
            Function(organization=organization, name=name, position=i)
            for i, name in enumerate(FUNCTION_NAMES[:FUNCTIONS])
        )
        journeys = [BenchPages().journey(organization, columns, rows, position=i) for i, rows in enumerate(SIZES)]
        analyze_tables()
        audit_organization(organization=organization, trigger="manual")
        users = get_user_model().objects
        sessions = []
        for i in range(clients):
            user, _ = users.get_or_create(username=f"bench-push-{i}", defaults={"first_name": f"Person {i}"})
            role = Membership.Role.EDITOR if i < editors else Membership.Role.VIEWER
            Membership.objects.create(user=user, organization=organization, role=role)
            sessions.append(self.session(user))
        return organization, journeys, sessions

    @staticmethod
    def session(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def journey_measure(self, base, port, journey, sessions, editors, seconds) -> dict:
        touchpoints = list(journey.touchpoints.order_by("id").values_list("id", flat=True))
        picked = touchpoints[:: max(1, len(touchpoints) // 20)][:20]
        functions = list(Function.objects.filter(organization=journey.organization).order_by("position"))
        cells = {editor: [(t, functions[editor].id) for t in picked] for editor in range(editors)}
        letters: dict = {cell: "" for editor in range(editors) for cell in cells[editor]}
        for a in Assignment.objects.filter(touchpoint_id__in=picked).values("touchpoint_id", "function_id", "letter"):
            key = (a["touchpoint_id"], a["function_id"])
            if key in letters:
                letters[key] = letters_text(letters[key] + a["letter"])
        cells["letters"] = letters
        matrix_url = reverse("journeys:matrix", args=[SLUG, journey.pk])
        phase = phase_run(
            base=base,
            ws_url=f"ws://127.0.0.1:{port}/ws/o/{SLUG}/live/",
            origin=base,
            matrix_url=matrix_url,
            sessions=sessions,
            editors=editors,
            cells=cells,
            seconds=seconds,
            pause=1.0,
        )
        latencies, lost = phase.latencies(len(sessions))
        since_sent, _ = phase.latencies(len(sessions), since_sent=True)
        return {
            "since_sent": since_sent,
            "rows": len(touchpoints),
            "edits": sum(len(times) for times in phase.accepted.values()),
            "refused": phase.refused,
            "latencies": latencies,
            "lost": lost,
            "size": statistics.median(phase.sizes) if phase.sizes else 0,
            "fragment_ms": self.fragment_ms(base, matrix_url, sessions[-1], picked),
            "slow": (phase.slow_received, phase.slow_sent),
        }

    @staticmethod
    def fragment_ms(base: str, matrix_url: str, session: str, touchpoints: list[int], times: int = 20) -> float:
        """p50 of a page's fetch of the rows one pushed cell names (live-rows), on this journey."""
        http = requests.Session()
        http.cookies.set("sessionid", session)
        taken = []
        for i in range(times):
            start = time.perf_counter()
            http.get(f"{base}{matrix_url}live-rows/", params={"touchpoints": touchpoints[i % len(touchpoints)]})
            taken.append((time.perf_counter() - start) * 1000)
        return statistics.median(taken)

    def report(self, results: list[dict], clients: int, editors: int, seconds: float) -> None:
        out = self.stdout.write
        layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
        relay = " + database relay" if settings.LIVE_RELAY else ""
        out(f"\nLive push: {clients} open pages, {editors} editors, {seconds:g} s per journey ({layer}{relay})")
        out("From the edit's response received (from its request sent) to the message at each other page:")
        out("| journey | edits | deliveries | lost | p50 | p99 | message | rows fetch p50 | slow page got |")
        out("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            lat, sent = r["latencies"], r["since_sent"]
            out(
                f"| {r['rows']:,} rows | {r['edits']} | {len(lat):,} | {r['lost']}"
                f" | {percentile(lat, 0.5):.0f} ms ({percentile(sent, 0.5):.0f} ms)"
                f" | {percentile(lat, 0.99):.0f} ms ({percentile(sent, 0.99):.0f} ms)"
                f" | {r['size']:.0f} B | {r['fragment_ms']:.1f} ms"
                f" | {r['slow'][0]} of {r['slow'][1]} |"
            )
        verdicts = []
        for r in results:
            name = f"push to {clients} pages, {r['rows']:,}-row journey"
            verdicts += [
                below(f"{name}, p50", percentile(r["latencies"], 0.5), P50_MS, "ms", digits=0),
                below(f"{name}, p99", percentile(r["latencies"], 0.99), P99_MS, "ms", digits=0),
                at_most(f"{name}, pushes lost", r["lost"], 0, "", digits=0),
            ]
        small, large = results[0]["size"] or 1, results[-1]["size"]
        verdicts.append(at_most("push message size, 2,000 vs 20 rows", large / small, SIZE_RATIO_MAX, "×", digits=2))
        record(self.stdout, verdicts)
