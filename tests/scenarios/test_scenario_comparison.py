"""A scenario's comparison, computed over what it changes, equals two full audits; its cost in
queries does not grow with the matrix."""

import io
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxowner.orgs.models import Organization
from journeys.models import Touchpoint
from journeys.services import journey_create, stage_create, touchpoint_create
from ownership.editor.services import CellChange, cells_set
from ownership.engine.comparison import compare_whole
from ownership.engine.whatif import MergeFunctions, MoveLetters, RemoveFunction, SetCells, SetRoleHolder
from ownership.models import Assignment, Function, Role, Scenario
from ownership.scenarios.services import scenario_create
from ownership.scenarios.state import scenario_state

from .test_scenarios import fid, rid, tid

pytestmark = pytest.mark.django_db


SCENARIOS = {
    "merge": lambda o: [MergeFunctions(fid(o, "Marketing"), fid(o, "Sales"))],
    "remove": lambda o: [RemoveFunction(fid(o, "IT"))],
    "move": lambda o: [MoveLetters(fid(o, "Service"), fid(o, "IT"))],
    "holder leaves": lambda o: [SetRoleHolder(rid(o, "CMO"), "")],
    "cells": lambda o: [
        SetCells(((tid(o, "Ad"), fid(o, "Sales"), ""), (tid(o, "Delivery"), fid(o, "IT"), "A"))),
        SetCells(((tid(o, "Hotline"), fid(o, "Service"), "C"),)),
    ],
    "several": lambda o: [
        SetRoleHolder(rid(o, "Head of Sales"), ""),
        MergeFunctions(fid(o, "Service"), fid(o, "Sales")),
        MoveLetters(fid(o, "IT"), fid(o, "Marketing")),
    ],
}


def state_of(organization, operations):
    scenario = scenario_create(organization=organization, name="What if", operations=operations)
    return scenario_state(scenario=Scenario.objects.select_related("organization").get(pk=scenario.pk))


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_scenarios_comparison_equals_two_full_audits(acme, name):
    state = state_of(acme, SCENARIOS[name](acme))

    assert state.comparison == compare_whole(state.live, state.replayed.snapshot)


def test_an_accountability_gone_stale_since_the_last_write_counts_as_an_audit_would(acme):
    # Time passes with no write: the live gaps have not seen this A go stale yet, a fresh audit does.
    long_ago = timezone.now() - timedelta(days=400)
    Assignment.objects.filter(organization=acme, letter="A", touchpoint__name="Delivery").update(
        created_at=long_ago, confirmed_at=None
    )
    state = state_of(acme, SCENARIOS["merge"](acme))

    assert state.comparison == compare_whole(state.live, state.replayed.snapshot)


def merge_scenario(organization) -> Scenario:
    scenario = scenario_create(organization=organization, name="Merge", operations=SCENARIOS["merge"](organization))
    return Scenario.objects.select_related("organization").get(pk=scenario.pk)


def test_comparing_a_scenario_reads_as_many_queries_however_large_the_matrix(acme, django_assert_max_num_queries):
    scenario = merge_scenario(acme)
    # * 5 for the live snapshot  * the scenario's operations  * today's open gaps: their totals,
    # and the fingerprints of those about touchpoints  * the matrix version
    with django_assert_max_num_queries(9), CaptureQueriesContext(connection) as small:
        scenario_state(scenario=scenario)
    stage = stage_create(journey=journey_create(organization=acme, name="Grow"), name="Renew")
    marketing, sales = fid(acme, "Marketing"), fid(acme, "Sales")
    for n in range(40):
        touchpoint = touchpoint_create(stage=stage, name=f"Renewal {n}")
        cells_set(
            organization=acme,
            changes=[
                CellChange(touchpoint.pk, marketing, frozenset("AR" if n % 2 else "C")),
                CellChange(touchpoint.pk, sales, frozenset("A" if n % 3 else "I")),
            ],
        )
    scenario = merge_scenario(acme)

    with CaptureQueriesContext(connection) as large:
        scenario_state(scenario=scenario)

    assert len(large) == len(small)


def random_steps(rng, organization) -> list:
    """One to three steps of every kind, drawn on the organization's functions, roles and cells."""
    functions = list(Function.objects.filter(organization=organization).values_list("id", flat=True))
    roles = list(Role.objects.filter(organization=organization).values_list("id", flat=True))
    touchpoints = list(Touchpoint.objects.filter(organization=organization).values_list("id", flat=True))
    steps = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["merge", "move", "remove", "cells", "holder"])
        if kind in ("merge", "move"):
            source, target = rng.sample(functions, 2)
            steps.append((MergeFunctions if kind == "merge" else MoveLetters)(source, target))
            if kind == "merge":
                functions.remove(source)
        elif kind == "remove":
            function = rng.choice(functions)
            steps.append(RemoveFunction(function))
            functions.remove(function)
        elif kind == "cells":
            cells = {(rng.choice(touchpoints), rng.choice(functions)) for _ in range(rng.randint(1, 8))}
            steps.append(SetCells(tuple((t, f, rng.choice(["", "A", "R", "AR", "CI", "RACI"])) for t, f in cells)))
        else:
            steps.append(SetRoleHolder(rng.choice(roles), rng.choice(["", "Kim"])))
    return steps


def test_random_scenarios_of_a_generated_organization_compare_as_two_full_audits():
    # A generated organization has every kind of gap, and its live gaps are built as the
    # services keep them; the fast path (the region, the live gaps, the replay's columns) must
    # give exactly what running every rule on both whole matrices gives.
    call_command("generate_org", "generated", touchpoints=240, functions=8, seed=7, stdout=io.StringIO())
    organization = Organization.objects.get(slug="generated")
    rng = random.Random(23)
    for _ in range(12):
        state = state_of(organization, random_steps(rng, organization))

        assert state.comparison == compare_whole(state.live, state.replayed.snapshot)
