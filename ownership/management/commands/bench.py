"""Benchmark the audit against the database's own speed, on synthetic organizations.

`bench [--sizes 1000,10000,100000] [--functions 12] [--repeat 3] [--seed 1] [--keep]`

For each size it generates `bench-N` (generate_org --replace, timed), then times, best of
--repeat with time.perf_counter:

- the snapshot load (snapshot_load) and the rules (evaluate on a fresh snapshot) on their own;
- the full audit (audit_organization: snapshot, rules, gap bookkeeping, run record), first
  with no known gaps (every finding opens a gap; the gaps and runs are removed before each
  try) and then in the steady state (the same matrix audited again: every gap already known);
- one raw SQL GROUP BY over the same assignment rows, fetched in full: the floor that any
  audit reading the matrix cannot beat.

The target (QUALITY.md, speed) is checked at 10k touchpoints: the steady-state audit under
1 s and at most 3x the raw GROUP BY. Query logging is switched off while measuring
(settings.DEBUG=False), as in production.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from cxowner.orgs.models import Organization
from journeys.models import Touchpoint
from ownership.audits import audit_organization, collector_paused
from ownership.management.commands.generate_org import delete_organization, purge
from ownership.models import Assignment, AuditRun, Gap, GapEvent
from ownership.rules import evaluate
from ownership.snapshot import snapshot_load

TARGET_SIZE = 10_000
TARGET_SECONDS = 1.0
TARGET_RATIO = 3.0


@dataclass
class Result:
    size: int
    touchpoints: int
    assignments: int
    findings: int
    generate_s: float
    snapshot_ms: float
    rules_ms: float
    audit_first_ms: float
    audit_repeat_ms: float
    raw_ms: float

    @property
    def ratio(self) -> float:
        return self.audit_repeat_ms / self.raw_ms if self.raw_ms else float("inf")

    @property
    def meets_target(self) -> bool:
        return self.audit_repeat_ms < TARGET_SECONDS * 1000 and self.ratio <= TARGET_RATIO


def best_ms(repeat: int, action: Callable[[], object], before: Callable[[], object] | None = None) -> float:
    """The fastest of `repeat` runs of `action`, in milliseconds; `before` runs untimed each time."""
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best * 1000


class Command(BaseCommand):
    help = "Time the audit of synthetic organizations against a raw SQL GROUP BY over the same rows."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="1000,10000,100000", help="touchpoint counts, comma-separated")
        parser.add_argument("--functions", type=int, default=12, help="functions per organization, default 12")
        parser.add_argument("--repeat", type=int, default=3, help="runs per measure, the best is kept; default 3")
        parser.add_argument("--seed", type=int, default=1, help="generate_org seed, default 1")
        parser.add_argument("--keep", action="store_true", help="keep the bench-N organizations afterwards")

    def handle(self, *args, sizes, functions, repeat, seed, keep, **options):
        try:
            size_list = [int(part.replace("_", "")) for part in sizes.split(",") if part.strip()]
        except ValueError:
            raise CommandError(f"--sizes must be integers separated by commas, not {sizes!r}.") from None
        if not size_list or min(size_list) < 1 or repeat < 1:
            raise CommandError("--sizes needs positive integers and --repeat at least 1.")

        self.stdout.write(f"Database: {database_description()}")
        self.stdout.write(
            f"Best of {repeat} run(s) per measure; {functions} functions; seed {seed}; "
            "query logging off (settings.DEBUG=False) while measuring."
        )
        results: list[Result] = []
        slugs: list[str] = []
        try:
            with override_settings(DEBUG=False):
                for size in size_list:
                    slug = f"bench-{size}"
                    slugs.append(slug)
                    results.append(self._measure(slug, size, functions, repeat, seed))
            self._report(results)
        finally:
            if not keep:
                for slug in slugs:
                    org = Organization.objects.filter(slug=slug).first()
                    if org is not None:
                        delete_organization(org)
                self.stdout.write(f"Deleted {', '.join(slugs)} (pass --keep to keep them).")

    def _measure(self, slug: str, size: int, functions: int, repeat: int, seed: int) -> Result:
        output = io.StringIO()
        started = time.perf_counter()
        call_command(
            "generate_org",
            slug,
            touchpoints=size,
            functions=functions,
            seed=seed,
            replace=True,
            stdout=output,
        )
        generate_s = time.perf_counter() - started
        self.stdout.write(output.getvalue().strip())

        org = Organization.objects.get(slug=slug)
        touchpoints = Touchpoint.objects.filter(organization=org).count()
        assignments = Assignment.objects.filter(organization=org).count()

        table = connection.ops.quote_name(Assignment._meta.db_table)
        raw_sql = (
            f"SELECT a.touchpoint_id, a.letter, COUNT(*) FROM {table} a "
            "WHERE a.organization_id = %s GROUP BY a.touchpoint_id, a.letter"
        )

        def raw_group_by() -> None:
            with connection.cursor() as cursor:
                cursor.execute(raw_sql, [org.id])
                cursor.fetchall()

        raw_ms = best_ms(repeat, raw_group_by)

        # Snapshot and rules apart: each try loads a fresh snapshot (its indexes are cached
        # properties, built during the first evaluate), so the rules pay for building them.
        # As in the audit, with the cyclic garbage collector paused.
        snapshot_ms = rules_ms = float("inf")
        findings = 0
        for _ in range(repeat):
            with collector_paused():
                started = time.perf_counter()
                snapshot = snapshot_load(organization=org)
                loaded = time.perf_counter()
                findings = len(evaluate(snapshot))
                evaluated = time.perf_counter()
            snapshot_ms = min(snapshot_ms, (loaded - started) * 1000)
            rules_ms = min(rules_ms, (evaluated - loaded) * 1000)
            del snapshot

        def forget_audits() -> None:
            purge(
                [
                    (GapEvent, {"run__organization": org}),
                    (Gap, {"organization": org}),
                    (AuditRun, {"organization": org}),
                ]
            )

        def audit() -> None:
            audit_organization(organization=org, trigger=AuditRun.Trigger.MANUAL)

        audit_first_ms = best_ms(repeat, audit, before=forget_audits)
        audit_repeat_ms = best_ms(repeat, audit)
        return Result(
            size=size,
            touchpoints=touchpoints,
            assignments=assignments,
            findings=findings,
            generate_s=generate_s,
            snapshot_ms=snapshot_ms,
            rules_ms=rules_ms,
            audit_first_ms=audit_first_ms,
            audit_repeat_ms=audit_repeat_ms,
            raw_ms=raw_ms,
        )

    def _report(self, results: list[Result]) -> None:
        write = self.stdout.write
        write("")
        write(
            "| size | touchpoints | assignments | findings | generate s | snapshot ms | rules ms | audit first ms "
            "| audit repeat ms | raw GROUP BY ms | ratio audit/raw (repeat) | target (10k: < 1 s and ≤ 3×) |"
        )
        write("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in results:
            target = ("PASS" if r.meets_target else "MISS") if r.size == TARGET_SIZE else "—"
            write(
                f"| {r.size:,} | {r.touchpoints:,} | {r.assignments:,} | {r.findings:,} | {r.generate_s:.1f} "
                f"| {r.snapshot_ms:.0f} | {r.rules_ms:.0f} | {r.audit_first_ms:.0f} | {r.audit_repeat_ms:.0f} "
                f"| {r.raw_ms:.1f} | {r.ratio:.1f}× | {target} |"
            )
        write("")
        for r in results:
            rest = r.audit_repeat_ms - r.snapshot_ms - r.rules_ms
            write(
                f"{r.size:,}: steady-state audit {r.audit_repeat_ms:.0f} ms = snapshot {r.snapshot_ms:.0f} "
                f"+ rules {r.rules_ms:.0f} + gap bookkeeping and run record ≈ {rest:.0f} ms; "
                f"first audit {r.audit_first_ms:.0f} ms ({r.findings:,} gaps opened)."
            )
        at_target = [r for r in results if r.size == TARGET_SIZE]
        if not at_target:
            write(f"Target not measured: add {TARGET_SIZE} to --sizes.")
        for r in at_target:
            verdict = "PASS" if r.meets_target else "MISS"
            write(
                f"Target at {TARGET_SIZE:,} touchpoints: steady-state audit < {TARGET_SECONDS:.0f} s and "
                f"≤ {TARGET_RATIO:.0f}× the raw GROUP BY: {verdict} "
                f"({r.audit_repeat_ms:.0f} ms, {r.ratio:.1f}×; first audit {r.audit_first_ms:.0f} ms)."
            )


def database_description() -> str:
    settings_dict = connection.settings_dict
    version = ".".join(str(part) for part in connection.get_database_version())
    where = f"{settings_dict.get('NAME')}"
    if settings_dict.get("HOST"):
        where += f" on {settings_dict['HOST']}:{settings_dict.get('PORT') or 'default port'}"
    return f"{connection.vendor} {version} ({connection.display_name}, {where})"
