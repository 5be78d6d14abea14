"""The matrix sheet on a laptop screen: `bench_sheet [--touchpoints 400] [--keep] [--screenshot FILE]`.

Builds an organization of one long journey with 13 functions (the journey bench_pages builds:
ten stages, letters and gaps of most kinds, one audit), serves it on loopback and opens its
matrix in Chromium at 1440×900. It reports how many touchpoint rows are wholly on screen under
the frozen header row (target ≥ 20), whether the page itself scrolls (it should not: the sheet
does) and whether the last function's column is on screen. Without Chromium it says so and
records nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.test import Client
from django.urls import reverse

from cxowner.orgs.models import Membership, Organization
from ownership.gaps.audits import audit_organization
from ownership.management.commands._live_servers import pages_served
from ownership.management.commands._synthetic import FUNCTION_NAMES, analyze_tables, delete_organization
from ownership.management.commands._targets import at_least, record
from ownership.management.commands.bench_pages import CHROMIUM, CHROMIUM_ARGS
from ownership.management.commands.bench_pages import Command as BenchPages
from ownership.models import Function

SLUG = "bench-sheet"
FUNCTIONS = 13
TARGET_ROWS = 20
SCREEN = {"width": 1440, "height": 900}

# Rows wholly inside the sheet's frame and the window, below the frozen header row; whether the
# document is taller than the window; whether the last column ends inside the window.
SHEET_FIGURES = """() => {
  const wrap = document.querySelector('.matrix-wrap').getBoundingClientRect();
  const head = document.querySelector('#matrix thead').getBoundingClientRect();
  const bottom = Math.min(innerHeight, wrap.bottom);
  const rows = [...document.querySelectorAll('tr.tp-row')].filter(row => {
    const box = row.getBoundingClientRect();
    return box.top >= head.bottom - 1 && box.bottom <= bottom + 1;
  });
  const heads = document.querySelectorAll('th.fn-head');
  return {rows: rows.length, columns: heads.length,
          page_scrolls: document.documentElement.scrollHeight > innerHeight,
          last_column: heads[heads.length - 1].getBoundingClientRect().right <= innerWidth};
}"""


class Command(BaseCommand):
    help = "Count the matrix sheet's rows on a 1440×900 screen with 13 functions, in Chromium."

    def add_arguments(self, parser):
        parser.add_argument("--touchpoints", type=int, default=400, help="the journey's touchpoints, default 400")
        parser.add_argument("--keep", action="store_true", help="keep the organization afterwards")
        parser.add_argument("--screenshot", metavar="FILE", help="save what Chromium shows as a PNG")

    def handle(self, *args, touchpoints: int, keep: bool, screenshot: str | None, **options):
        if not Path(CHROMIUM).exists():
            self.stdout.write(f"bench_sheet skipped: no Chromium at {CHROMIUM} (CHROMIUM_PATH); nothing recorded.")
            return
        if not 20 <= touchpoints <= 20000:
            self.stderr.write("--touchpoints 20–20000, please.")
            return
        organization, matrix_url, session = self.build(touchpoints)
        try:
            figures = self.measure(matrix_url, session, screenshot)
        finally:
            if not keep:
                delete_organization(organization)
        out = self.stdout.write
        shape = f"one journey of {touchpoints:,} touchpoints × {figures['columns']} functions"
        out(f"\nThe matrix sheet at 1440×900, {shape}:")
        out(f"  rows on screen    {figures['rows']:8d}     target ≥ {TARGET_ROWS}")
        out(f"  the page scrolls: {'YES (the sheet should)' if figures['page_scrolls'] else 'no, the sheet does'}")
        out(f"  last function column on screen: {'yes' if figures['last_column'] else 'NO'}")
        record(
            self.stdout,
            [
                at_least(
                    f"sheet rows on screen at 1440×900, {FUNCTIONS} functions",
                    figures["rows"],
                    TARGET_ROWS,
                    "",
                    digits=0,
                )
            ],
        )

    def build(self, touchpoints: int) -> tuple[Organization, str, str]:
        existing = Organization.objects.filter(slug=SLUG).first()
        if existing:
            delete_organization(existing)
        organization = Organization.objects.create(slug=SLUG, name="Bench sheet")
        user, _ = get_user_model().objects.get_or_create(username="bench-sheet-editor")
        Membership.objects.create(user=user, organization=organization, role=Membership.Role.EDITOR)
        names = [FUNCTION_NAMES[i] if i < len(FUNCTION_NAMES) else f"Function {i + 1}" for i in range(FUNCTIONS)]
        columns = Function.objects.bulk_create(
            Function(organization=organization, name=name, position=i) for i, name in enumerate(names)
        )
        journey = BenchPages().journey(organization, columns, touchpoints, position=1)
        analyze_tables()
        audit_organization(organization=organization, trigger="manual")
        client = Client()
        client.force_login(user)
        return organization, reverse("journeys:matrix", args=[SLUG, journey.pk]), client.cookies["sessionid"].value

    def measure(self, matrix_url: str, session: str, screenshot: str | None) -> dict:
        from playwright.sync_api import sync_playwright

        with pages_served() as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport=SCREEN)
                context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
                page = context.new_page()
                page.goto(f"{base}{matrix_url}", wait_until="load", timeout=60000)
                figures = page.evaluate(SHEET_FIGURES)
                if screenshot:
                    os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
                    page.screenshot(path=screenshot)
                return figures
            finally:
                browser.close()
