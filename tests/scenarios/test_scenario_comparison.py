"""A scenario's comparison, computed over what it changes, equals two full audits; its cost in
queries does not grow with the matrix."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journeys.services import journey_create, stage_create, touchpoint_create
from ownership.editor.services import CellChange, cells_set
from ownership.engine.comparison import compare_whole
from ownership.engine.whatif import MergeFunctions, MoveLetters, RemoveFunction, SetCells, SetRoleHolder
from ownership.models import Assignment, Scenario
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
