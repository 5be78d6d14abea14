"""Benchmark the audit against the database's own speed, on synthetic organizations.

`bench [--sizes 1000,10000,100000] [--functions 12] [--repeat 3] [--seed 1] [--keep] [--reuse]
[--only scenario]`

For each size it generates `bench-N` (generate_org --replace, timed), then times, best of
--repeat with time.perf_counter:

- the snapshot load (snapshot_load) and the rules (evaluate on a fresh snapshot) on their own;
- the audit (audit_organization), first with no known gaps (every finding opens a gap; the
  gaps and runs are removed before each try), then in the steady state (the same matrix audited
  again: the quick check of an unchanged organization), and a full check of the same matrix
  (every rule re-evaluated and compared with the live gaps, as done at least daily);
- one raw SQL GROUP BY over the same assignment rows, fetched in full: the floor that any
  audit reading the matrix cannot beat;
- the comparison of a what-if scenario (merge the first function into the second) with today:
  the live snapshot, the scenario replayed, both audited by the rules and compared;
- from --edit-sizes up (default 50,000 touchpoints): journeys of 20, 2,000 and 10,000
  touchpoints are added to the organization, and --edits cell edits in each (cells_set with
  its live gap update, committed) are timed one by one: the p50 must stay under 50 ms and the
  same, within 1.5x, whatever the journey's size.

`--only scenario` times the scenario comparison alone (after one untimed audit, so the live gaps
are a fresh audit's, as in the full run); `--reuse` keeps a bench-N organization of that size
left by `--keep` instead of generating it again.

Targets: the steady-state audit at most 3x the raw GROUP BY at every size from 10k; the first
audit of 100k under 10 s; the edit p50 as above; the scenario comparison under 2 s from 10k.
Query logging is switched off while measuring (settings.DEBUG=False), as in production; the
audit's "repaired" error (the first audit opens gaps written behind the services' back) is
silenced while timing.
"""

from __future__ import annotations

import io
import logging
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from cxowner.orgs.models import Organization
from journeys.models import Journey, Touchpoint
from ownership.editor.services import CellChange, cells_read, cells_set
from ownership.engine.rules import evaluate
from ownership.engine.whatif import MergeFunctions
from ownership.gaps.audits import audit_organization, collector_paused
from ownership.gaps.snapshots import snapshot_load
from ownership.management.commands._synthetic import analyze_tables, delete_organization, purge, sized_journeys_add
from ownership.management.commands._targets import Verdict, at_most, below, record
from ownership.models import Assignment, AuditRun, Function, Gap, GapEvent, Scenario
from ownership.scenarios.services import scenario_create
from ownership.scenarios.state import scenario_state

TARGET_RATIO = 3.0  # steady-state audit / raw GROUP BY, from RATIO_FROM touchpoints
RATIO_FROM = 10_000
FIRST_AUDIT_SECONDS = 10.0  # at FIRST_AUDIT_SIZE
FIRST_AUDIT_SIZE = 100_000
EDIT_JOURNEYS = (20, 2_000, 10_000)
EDIT_P50_MS = 30.0
EDIT_SPREAD = 1.5
SCENARIO_COMPARE_MS = 2000.0  # from SCENARIO_FROM touchpoints
SCENARIO_FROM = 10_000


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
    audit_full_ms: float
    raw_ms: float
    edit_p50_ms: dict[int, float]  # journey size -> p50 of a cell edit with its live update
    scenario_ms: float  # a merge scenario compared with today (ownership.scenarios.state.scenario_state)

    @property
    def ratio(self) -> float:
        return self.audit_repeat_ms / self.raw_ms if self.raw_ms else float("inf")

    @property
    def edit_spread(self) -> float:
        values = list(self.edit_p50_ms.values())
        return max(values) / min(values) if values else 0.0

    def verdicts(self) -> list[Verdict]:
        found = []
        at = f"at {self.size:,}"
        measured_audits = not math.isnan(self.raw_ms)  # --only scenario measures none
        if self.size >= RATIO_FROM and measured_audits:
            found.append(at_most(f"steady-state audit / raw GROUP BY, {at}", self.ratio, TARGET_RATIO, "×", digits=2))
        if self.size >= FIRST_AUDIT_SIZE and measured_audits:
            found.append(below(f"first audit, {at}", self.audit_first_ms / 1000, FIRST_AUDIT_SECONDS, "s", digits=2))
        if self.size >= SCENARIO_FROM:
            found.append(below(f"scenario compare, {at}", self.scenario_ms / 1000, SCENARIO_COMPARE_MS / 1000, "s"))
        if self.edit_p50_ms:
            sizes = " / ".join(f"{size:,}" for size in self.edit_p50_ms)
            slowest = max(self.edit_p50_ms.values())
            found.append(below(f"cell edit p50 (slowest of journeys of {sizes}), {at}", slowest, EDIT_P50_MS, "ms"))
            spread = f"cell edit p50, largest / smallest journey, {at}"
            found.append(at_most(spread, self.edit_spread, EDIT_SPREAD, "×"))
        return found


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
        parser.add_argument(
            "--reuse", action="store_true", help="use a bench-N organization left by --keep instead of generating it"
        )
        parser.add_argument(
            "--only", choices=["scenario"], help="time only this measure (the scenario comparison), not the others"
        )
        parser.add_argument("--edits", type=int, default=40, help="timed cell edits per journey, default 40")
        parser.add_argument(
            "--edit-sizes-from", type=int, default=50_000, help="time edits from this size up, default 50000"
        )

    def handle(self, *args, sizes, functions, repeat, seed, keep, reuse, only, edits, edit_sizes_from, **options):
        self.edits, self.edits_from = max(edits, 1), edit_sizes_from
        self.reuse, self.only = reuse, only
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
        timed_edits = size >= self.edits_from and self.only is None
        generated_size = max(size - sum(EDIT_JOURNEYS), 1) if timed_edits else size
        started = time.perf_counter()
        org = self._generate(slug, generated_size, functions, seed)
        generate_s = time.perf_counter() - started
        if self.only == "scenario":
            return self._scenario_only(org, size, repeat, generate_s)
        edit_journeys = sized_journeys_add(org, list(EDIT_JOURNEYS)) if timed_edits else []
        touchpoints = Touchpoint.objects.filter(organization=org).count()
        assignments = Assignment.objects.filter(organization=org).count()
        raw_ms = raw_group_by_ms(org, repeat)
        snapshot_ms, rules_ms, findings = snapshot_and_rules_ms(org, repeat)
        audit_first_ms, audit_repeat_ms, audit_full_ms = audits_ms(org, repeat)
        scenario_ms = scenario_compare_ms(org, repeat)  # before the edits change the matrix
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
            audit_full_ms=audit_full_ms,
            raw_ms=raw_ms,
            edit_p50_ms={len_of(j): self._edit_p50(org, j) for j in edit_journeys},
            scenario_ms=scenario_ms,
        )

    def _scenario_only(self, org: Organization, size: int, repeat: int, generate_s: float) -> Result:
        """Only the scenario comparison, after one untimed audit (the live gaps a fresh audit's)."""
        audit_logger = logging.getLogger("ownership.gaps.audits")
        audit_logger.disabled = True  # "repaired N gaps": expected after a bulk load
        try:
            audit_organization(organization=org, trigger=AuditRun.Trigger.MANUAL, full=True)
        finally:
            audit_logger.disabled = False
        analyze_tables()
        nothing = float("nan")
        return Result(
            size=size,
            touchpoints=Touchpoint.objects.filter(organization=org).count(),
            assignments=Assignment.objects.filter(organization=org).count(),
            findings=Gap.objects.filter(organization=org, resolved_at__isnull=True).count(),
            generate_s=generate_s,
            snapshot_ms=nothing,
            rules_ms=nothing,
            audit_first_ms=nothing,
            audit_repeat_ms=nothing,
            audit_full_ms=nothing,
            raw_ms=nothing,
            edit_p50_ms={},
            scenario_ms=scenario_compare_ms(org, repeat),
        )

    def _generate(self, slug: str, touchpoints: int, functions: int, seed: int) -> Organization:
        existing = Organization.objects.filter(slug=slug).first() if self.reuse else None
        if existing is not None and Touchpoint.objects.filter(organization=existing).count() == touchpoints:
            self.stdout.write(f"Reusing {slug} ({touchpoints:,} touchpoints).")
            return existing
        output = io.StringIO()
        call_command(
            "generate_org",
            slug,
            touchpoints=touchpoints,
            functions=functions,
            seed=seed,
            replace=True,
            stdout=output,
        )
        self.stdout.write(output.getvalue().strip())
        return Organization.objects.get(slug=slug)

    def _edit_p50(self, org: Organization, journey: Journey) -> float:
        """The median time of a cell edit in `journey` with its live gap update, committed.

        Each edit toggles an A or an R, so the live update has real work: the touchpoint's rules,
        its two handoffs, the function's idle and bottleneck aggregates, gap rows and events.
        """
        rng = random.Random(journey.pk)
        touchpoint_ids = list(Touchpoint.objects.filter(journey=journey).values_list("id", flat=True))
        function_ids = list(Function.objects.filter(organization=org).values_list("id", flat=True))
        times = []
        for edit in range(self.edits):
            cell = (rng.choice(touchpoint_ids), rng.choice(function_ids))
            current = cells_read(organization=org, cells=[cell])[cell]
            letters = current ^ {"A" if edit % 2 else "R"}
            started = time.perf_counter()
            cells_set(organization=org, changes=[CellChange(*cell, letters, current)])
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    def _report(self, results: list[Result]) -> None:
        write = self.stdout.write
        write("")
        write(
            "| size | touchpoints | assignments | findings | snapshot ms | rules ms | first audit ms "
            "| steady audit ms | raw GROUP BY ms | audit/raw | full check ms | scenario compare ms "
            "| edit p50 ms (journey of 20 / 2,000 / 10,000) | targets |"
        )
        write("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for r in results:
            edits = " / ".join(f"{ms:.1f}" for ms in r.edit_p50_ms.values()) or "—"
            if r.edit_p50_ms:
                edits += f" (spread {r.edit_spread:.2f}×)"
            write(
                f"| {r.size:,} | {r.touchpoints:,} | {r.assignments:,} | {r.findings:,} "
                f"| {r.snapshot_ms:.0f} | {r.rules_ms:.0f} | {r.audit_first_ms:.0f} | {r.audit_repeat_ms:.0f} "
                f"| {r.raw_ms:.1f} | {r.ratio:.1f}× | {r.audit_full_ms:.0f} | {r.scenario_ms:.0f} | {edits} "
                f"| {'; '.join(f'{v.target}: {v.result}' for v in r.verdicts()) or '—'} |"
            )
        write("")
        for r in results:
            rest = r.audit_full_ms - r.snapshot_ms - r.rules_ms
            write(
                f"{r.size:,}: steady-state audit {r.audit_repeat_ms:.0f} ms (the quick check of an unchanged "
                f"organization: checksums and the A aged since the previous run); a full check "
                f"{r.audit_full_ms:.0f} ms = snapshot {r.snapshot_ms:.0f} + rules {r.rules_ms:.0f} + comparison "
                f"with the live gaps and run record ≈ {rest:.0f} ms; first audit {r.audit_first_ms:.0f} ms "
                f"({r.findings:,} gaps opened); a merge scenario compared with today in {r.scenario_ms:.0f} ms "
                f"(target < {SCENARIO_COMPARE_MS:.0f} ms from {SCENARIO_FROM:,}); generated in {r.generate_s:.1f} s."
            )
        record(self.stdout, [verdict for r in results for verdict in r.verdicts()])


def raw_group_by_ms(org: Organization, repeat: int) -> float:
    """The floor: one GROUP BY over the organization's assignment rows, fetched in full."""
    table = connection.ops.quote_name(Assignment._meta.db_table)
    raw_sql = (
        f"SELECT a.touchpoint_id, a.letter, COUNT(*) FROM {table} a "
        "WHERE a.organization_id = %s GROUP BY a.touchpoint_id, a.letter"
    )

    def raw_group_by() -> None:
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [org.id])
            cursor.fetchall()

    return best_ms(repeat, raw_group_by)


def snapshot_and_rules_ms(org: Organization, repeat: int) -> tuple[float, float, int]:
    """The snapshot load and the rules apart, best of `repeat`; and how many findings there are.

    Each try loads a fresh snapshot (its indexes are cached properties, built during the first
    evaluate), so the rules pay for building them. As in the audit, with the cyclic garbage
    collector paused.
    """
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
    return snapshot_ms, rules_ms, findings


def audits_ms(org: Organization, repeat: int) -> tuple[float, float, float]:
    """The first audit (no gap known yet), the steady state (the same matrix again) and a full check."""

    def forget_audits() -> None:
        purge(
            [
                (GapEvent, {"organization": org}),
                (Gap, {"organization": org}),
                (AuditRun, {"organization": org}),
            ]
        )

    def audit() -> None:
        audit_organization(organization=org, trigger=AuditRun.Trigger.MANUAL)

    audit_logger = logging.getLogger("ownership.gaps.audits")
    audit_logger.disabled = True  # "repaired N gaps": expected after a bulk load
    try:
        first_ms = best_ms(repeat, audit, before=forget_audits)
    finally:
        audit_logger.disabled = False
    analyze_tables()  # after the bulk loads, as autovacuum would soon
    repeat_ms = best_ms(repeat, audit)
    full_ms = best_ms(repeat, lambda: audit_organization(organization=org, trigger=AuditRun.Trigger.MANUAL, full=True))
    return first_ms, repeat_ms, full_ms


def scenario_compare_ms(org: Organization, repeat: int) -> float:
    """Best time to compare "merge the first function into the second" with today, as its page does."""
    first, second = Function.objects.filter(organization=org).order_by("position", "id")[:2]
    operation = MergeFunctions(first.pk, second.pk)
    scenario = scenario_create(
        organization=org, name=f"Bench: merge {first.name} into {second.name}", operations=[operation]
    )
    scenario = Scenario.objects.select_related("organization").get(pk=scenario.pk)
    try:
        with collector_paused():
            return best_ms(repeat, lambda: scenario_state(scenario=scenario))
    finally:
        scenario.delete()


def len_of(journey: Journey) -> int:
    return Touchpoint.objects.filter(journey=journey).count()


def database_description() -> str:
    settings_dict = connection.settings_dict
    version = ".".join(str(part) for part in connection.get_database_version())
    where = f"{settings_dict.get('NAME')}"
    if settings_dict.get("HOST"):
        where += f" on {settings_dict['HOST']}:{settings_dict.get('PORT') or 'default port'}"
    return f"{connection.vendor} {version} ({connection.display_name}, {where})"
