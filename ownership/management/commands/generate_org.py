"""Generate a large, realistic synthetic organization for benchmarks and load tests.

`generate_org ORG --touchpoints N --functions F [--seed S] [--replace]` builds F functions
with a few roles each (some vacant), journeys of 4–8 stages and 20–60 touchpoints until N
touchpoints exist, and about 3.5 RACI letters per touchpoint: mostly clean rows (one A, an R,
a few C/I), with every kind of gap mixed in (unassigned, no A, two A, overloads, stale A,
vacant roles, journeys without owner, handoffs between functions).

Everything is written with bulk_create in batches, never row by row, so 100k touchpoints and
350k assignments take seconds. The same --seed gives the same organization (only the
timestamps follow the clock).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Organization
from cxowner.orgs.services import membership_admin_add
from cxowner.orgs.signals import MatrixScope
from journeys.models import Journey, Stage, Touchpoint
from ownership.gaps.live import gaps_refresh
from ownership.management.commands._owner import add_owner_argument, owner_admin_user, owner_sentence
from ownership.management.commands._synthetic import (
    CHANNELS,
    FIRST_NAMES,
    FUNCTION_NAMES,
    IMPORTANCE_WEIGHTS,
    JOURNEY_NAMES,
    LAST_NAMES,
    OUT_OF_SCOPE_REASONS,
    PERSONAS,
    ROLE_TITLES,
    STAGE_NAMES,
    TOUCHPOINT_NAMES,
    analyze_tables,
    delete_organization,
)
from ownership.models import Assignment, Function, JourneyOwner, Role

BATCH_SIZE = 2000
# Journeys are written in chunks so that memory stays flat whatever the size.
JOURNEYS_PER_CHUNK = 200


@dataclass
class Counts:
    functions: int = 0
    roles: int = 0
    vacant_roles: int = 0
    journeys: int = 0
    journeys_without_owner: int = 0
    stages: int = 0
    touchpoints: int = 0
    out_of_scope: int = 0
    assignments: int = 0
    by_profile: dict[str, int] = field(default_factory=dict)


class Command(BaseCommand):
    help = "Generate a synthetic organization with N touchpoints and F functions (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="slug of the organization to create")
        parser.add_argument("--touchpoints", type=int, required=True, help="number of touchpoints (N)")
        parser.add_argument("--functions", type=int, default=12, help="number of functions (F), default 12")
        parser.add_argument("--seed", type=int, default=1, help="random seed, default 1")
        parser.add_argument("--replace", action="store_true", help="delete the organization first if it exists")
        add_owner_argument(parser)

    def handle(self, *args, organization, touchpoints, functions, seed, replace, owner, **options):
        owner_user = owner_admin_user(owner)
        if touchpoints < 1:
            raise CommandError("--touchpoints must be at least 1.")
        if functions < 1:
            raise CommandError("--functions must be at least 1.")
        started = time.perf_counter()
        with transaction.atomic():
            existing = Organization.objects.filter(slug=organization).first()
            if existing is not None:
                if not replace:
                    raise CommandError(f"Organization {organization!r} exists; pass --replace to re-create it.")
                delete_organization(existing)
            org = Organization.objects.create(slug=organization, name=f"Synthetic {organization}")
            counts = Generator(org, random.Random(seed), touchpoints=touchpoints, functions=functions).run()
            if owner_user is not None:
                with change_context(surface="cli"):
                    membership_admin_add(organization=org, user=owner_user)
        analyze_tables()
        generated = time.perf_counter()
        # Written in bulk, behind the services' back: the live gaps are built once, from scratch.
        gaps_refresh(organization_id=org.pk, scope=MatrixScope.of("generate", organization_wide=True))
        analyze_tables()  # the gaps too
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Generated {org.slug}: {counts.functions} functions, {counts.roles} roles "
            f"({counts.vacant_roles} vacant), {counts.journeys} journeys ({counts.journeys_without_owner} "
            f"without owner), {counts.stages} stages, {counts.touchpoints} touchpoints "
            f"({counts.out_of_scope} out of scope), {counts.assignments} assignments "
            f"({counts.assignments / counts.touchpoints:.2f} per touchpoint) in {elapsed:.1f} s, "
            f"of which {elapsed - (generated - started):.1f} s building its live gaps (seed {seed})."
        )
        self.stdout.write(owner_sentence(username=owner_user and owner_user.username, slug=org.slug))


class Generator:
    """Plans with one random.Random and writes with bulk_create, journey chunk by journey chunk."""

    def __init__(self, org: Organization, rng: random.Random, *, touchpoints: int, functions: int):
        self.org = org
        self.rng = rng
        self.total_touchpoints = touchpoints
        self.function_count = functions
        self.now = timezone.now()
        self.counts = Counts()

    def run(self) -> Counts:
        self._functions_and_roles()
        self._journeys()
        for start in range(0, len(self.journeys), JOURNEYS_PER_CHUNK):
            self._chunk(self.journeys[start : start + JOURNEYS_PER_CHUNK])
        return self.counts

    # Functions, roles, journeys -----------------------------------------------------------

    def _functions_and_roles(self) -> None:
        rng, org = self.rng, self.org
        names = [
            FUNCTION_NAMES[i] if i < len(FUNCTION_NAMES) else f"Function {i + 1}" for i in range(self.function_count)
        ]
        self.functions = Function.objects.bulk_create(
            [Function(organization=org, name=name, position=i) for i, name in enumerate(names)],
            batch_size=BATCH_SIZE,
        )
        roles: list[Role] = []
        for function in self.functions:
            titles = ROLE_TITLES.get(function.name) or [
                f"Head of {function.name}",
                f"{function.name} manager",
                f"{function.name} lead",
            ]
            others = titles[1:]
            chosen = [titles[0], *rng.sample(others, rng.randint(min(1, len(others)), min(3, len(others))))]
            for title in chosen:
                vacant = rng.random() < 0.2
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                roles.append(
                    Role(
                        organization=org,
                        function=function,
                        title=title,
                        holder_name="" if vacant else f"{first} {last}",
                        holder_email="" if vacant else f"{first}.{last}@{org.slug}.example".lower(),
                    )
                )
        self.roles = Role.objects.bulk_create(roles, batch_size=BATCH_SIZE)
        self.roles_of: list[list[Role]] = [[] for _ in self.functions]
        index_of = {function.id: i for i, function in enumerate(self.functions)}
        for role in self.roles:
            self.roles_of[index_of[role.function_id]].append(role)
        self.counts.functions = len(self.functions)
        self.counts.roles = len(self.roles)
        self.counts.vacant_roles = sum(1 for role in self.roles if not role.holder_name)

    def _journeys(self) -> None:
        rng = self.rng
        sizes: list[int] = []
        remaining = self.total_touchpoints
        while remaining > 0:
            size = min(rng.randint(20, 60), remaining)
            sizes.append(size)
            remaining -= size
        journeys, owners = [], []
        for i, _size in enumerate(sizes):
            base = JOURNEY_NAMES[i % len(JOURNEY_NAMES)]
            round_ = i // len(JOURNEY_NAMES)
            persona = PERSONAS[round_ % len(PERSONAS)]
            cycle = round_ // len(PERSONAS)
            name = base + (f" – {persona}" if persona else "") + (f" {cycle + 1}" if cycle else "")
            owners.append(rng.choice(self.roles) if rng.random() < 0.85 else None)
            journeys.append(
                Journey(
                    organization=self.org,
                    name=name,
                    persona=persona,
                    description=f"The {base.lower()} journey" + (f" of a {persona.lower()}" if persona else ""),
                    position=i,
                )
            )
        self.journeys = Journey.objects.bulk_create(journeys, batch_size=BATCH_SIZE)
        JourneyOwner.objects.bulk_create(
            [
                JourneyOwner(organization=self.org, journey=journey, role=owner)
                for journey, owner in zip(self.journeys, owners, strict=True)
                if owner is not None
            ],
            batch_size=BATCH_SIZE,
        )
        self.journey_sizes = {journey.position: size for journey, size in zip(self.journeys, sizes, strict=True)}
        self.counts.journeys = len(self.journeys)
        self.counts.journeys_without_owner = sum(1 for owner in owners if owner is None)

    # Stages, touchpoints, assignments ------------------------------------------------------

    def _chunk(self, journeys: list[Journey]) -> None:
        stages, stage_plan = self._stages(journeys)
        touchpoints, letters_of = self._touchpoints(stages, stage_plan)
        assignments: list[Assignment] = []
        for touchpoint, letters in zip(touchpoints, letters_of, strict=True):
            for function_index, letter, role_index, confirmed_days_ago in letters:
                roles = self.roles_of[function_index]
                assignments.append(
                    Assignment(
                        organization_id=self.org.id,
                        touchpoint_id=touchpoint.id,
                        function_id=self.functions[function_index].id,
                        letter=letter,
                        role_id=roles[role_index].id if role_index is not None else None,
                        confirmed_at=(
                            self.now - timedelta(days=confirmed_days_ago) if confirmed_days_ago is not None else None
                        ),
                    )
                )
        Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)
        self.counts.stages += len(stages)
        self.counts.touchpoints += len(touchpoints)
        self.counts.assignments += len(assignments)

    def _stages(self, journeys: list[Journey]) -> tuple[list[Stage], list[tuple[int, int]]]:
        """The journeys' stages, stored; per stage, its touchpoint count and its lead function
        (who holds A on most rows there)."""
        rng = self.rng
        stages: list[Stage] = []
        stage_plan: list[tuple[int, int]] = []
        for journey in journeys:
            size = self.journey_sizes[journey.position]
            stage_count = min(rng.randint(4, 8), size)
            names = [STAGE_NAMES[i] for i in sorted(rng.sample(range(len(STAGE_NAMES)), stage_count))]
            cuts = [0, *sorted(rng.sample(range(1, size), stage_count - 1)), size]
            for position, name in enumerate(names):
                stages.append(Stage(organization_id=self.org.id, journey_id=journey.id, name=name, position=position))
                stage_plan.append((cuts[position + 1] - cuts[position], rng.randrange(self.function_count)))
        return Stage.objects.bulk_create(stages, batch_size=BATCH_SIZE), stage_plan

    def _touchpoints(
        self, stages: list[Stage], stage_plan: list[tuple[int, int]]
    ) -> tuple[list[Touchpoint], list[list[tuple[int, str, int | None, int | None]]]]:
        """The stages' touchpoints, stored, and the letters each is to get (see _letters)."""
        rng = self.rng
        touchpoints: list[Touchpoint] = []
        letters_of: list[list[tuple[int, str, int | None, int | None]]] = []
        used: dict[int, dict[str, int]] = {}
        for stage, (count, lead) in zip(stages, stage_plan, strict=True):
            names_used = used.setdefault(stage.journey_id, {})
            for position in range(count):
                base = rng.choice(TOUCHPOINT_NAMES)
                names_used[base] = names_used.get(base, 0) + 1
                name = base if names_used[base] == 1 else f"{base} {names_used[base]}"
                out_of_scope = rng.random() < 0.03
                touchpoints.append(
                    Touchpoint(
                        organization_id=self.org.id,
                        journey_id=stage.journey_id,
                        stage_id=stage.id,
                        name=name,
                        position=position,
                        channel=rng.choice(CHANNELS),
                        description=f"{base} while the customer is at {stage.name}" if rng.random() < 0.3 else "",
                        importance=rng.choices(range(1, 6), IMPORTANCE_WEIGHTS)[0],
                        out_of_scope=out_of_scope,
                        out_of_scope_reason=rng.choice(OUT_OF_SCOPE_REASONS) if out_of_scope else "",
                    )
                )
                letters_of.append(self._letters(lead))
                self.counts.out_of_scope += out_of_scope
        return Touchpoint.objects.bulk_create(touchpoints, batch_size=BATCH_SIZE), letters_of

    def _letters(self, lead: int) -> list[tuple[int, str, int | None, int | None]]:
        """One touchpoint's letters: (function index, letter, role index or None, days since confirmed or None)."""
        rng = self.rng
        held = self._held(lead)
        letters: list[tuple[int, str, int | None, int | None]] = []
        for letter in ("R", "A", "C", "I"):
            for function_index in held.get(letter, ()):
                roles = self.roles_of[function_index]
                role_index = None
                confirmed = None
                if letter == "A":
                    if roles and rng.random() < 0.5:
                        role_index = rng.randrange(len(roles))
                    confirm = rng.random()
                    if confirm < 0.5:
                        confirmed = rng.randint(0, 170)
                    elif confirm < 0.6:
                        confirmed = rng.randint(200, 700)  # stale
                elif letter == "R" and roles and rng.random() < 0.2:
                    role_index = rng.randrange(len(roles))
                letters.append((function_index, letter, role_index, confirmed))
        return letters

    def _held(self, lead: int) -> dict[str, list[int]]:
        """Which functions hold each letter on one touchpoint: mostly clean rows, and each gap the
        rules look for in a few percent of them."""
        rng, f_count = self.rng, self.function_count
        everyone = range(f_count)

        def some(count: int, exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
            """`count` distinct functions outside `exclude` (fewer if there are not that many)."""
            pool = [f for f in everyone if f not in exclude]
            return rng.sample(pool, min(count, len(pool)))

        def accountable_owner() -> int:
            return lead if rng.random() < 0.85 else rng.randrange(f_count)

        def support(exclude: set[int]) -> dict[str, list[int]]:
            """The usual C and I around a row: 0–2 consulted, 0–2 informed (under one of each on average)."""
            return {
                "C": some(rng.choice((0, 0, 0, 1, 1, 2)), exclude),
                "I": some(rng.choice((0, 0, 1, 1, 2)), exclude),
            }

        roll = rng.random()
        if roll < 0.03:  # unassigned
            return {}
        if roll < 0.07:  # nobody accountable
            doer = accountable_owner()
            return {"R": [doer], **support({doer})}
        if roll < 0.10:  # contested: two accountable
            first = accountable_owner()
            held = {"A": [first, *some(1, {first})]}
            held.update({"R": [rng.choice(held["A"])], **support(set(held["A"]))})
            return held
        if roll < 0.13:  # overloaded: too many R, C or I
            owner = accountable_owner()
            kind = rng.choice("RCI")
            held = {"A": [owner], "R": [owner], **support({owner})}
            if kind == "R":
                held["R"] = some(rng.randint(4, 5))
            elif kind == "C":
                held["C"] = some(rng.randint(4, 6), {owner})
            else:
                held["I"] = some(rng.randint(6, 8), {owner})
            return held
        if roll < 0.16:  # accountable but nobody responsible
            owner = accountable_owner()
            return {"A": [owner], **support({owner})}
        # clean: one A, usually R by the same function, a few C/I
        owner = accountable_owner()
        doer = owner if rng.random() < 0.6 or f_count == 1 else some(1, {owner})[0]
        return {"A": [owner], "R": [doer], **support({owner, doer})}
