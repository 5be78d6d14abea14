"""The matrix editor at scale: rows in chunks, the filter, and costs that do not grow."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from ownership.editor.matrix import CHUNK_ROWS, MAP_CARDS, PAGE_ROWS
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from tests.factories import matrix_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(member):
    client = Client()
    client.force_login(member("editor"))
    client.get("/")  # the session exists before counting
    return client


def drawn_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="tp-(\d+)"', html)


def test_a_big_journey_draws_the_first_rows_and_offers_the_rest(organization, editor):
    journey = matrix_build(organization=organization, touchpoints=PAGE_ROWS * 3, functions=4, stages=2)
    html = editor.get(reverse("journeys:matrix", args=[organization.slug, journey.id])).content.decode()
    assert len(drawn_rows(html)) == PAGE_ROWS
    assert 'class="rows-more"' in html


def test_the_next_chunk_continues_where_the_page_stopped(organization, editor):
    journey = matrix_build(organization=organization, touchpoints=PAGE_ROWS * 3, functions=4, stages=1)
    stage = journey.stages.get()
    url = reverse("journeys:rows", args=[organization.slug, journey.id, stage.id])
    html = editor.get(url, {"offset": PAGE_ROWS}).content.decode()
    expected = list(journey.touchpoints.order_by("position").values_list("id", flat=True))[PAGE_ROWS:]
    assert drawn_rows(html) == [str(pk) for pk in expected[:CHUNK_ROWS]]


def test_a_bad_offset_is_refused(organization, editor):
    journey = matrix_build(organization=organization, touchpoints=5, functions=2, stages=1)
    url = reverse("journeys:rows", args=[organization.slug, journey.id, journey.stages.get().id])
    assert editor.get(url, {"offset": "many"}).status_code == 400


def test_search_keeps_the_rows_whose_name_matches(organization, editor):
    journey = matrix_build(organization=organization, touchpoints=30, functions=3)
    url = reverse("journeys:matrix", args=[organization.slug, journey.id])
    html = editor.get(url, {"q": "touchpoint 2"}).content.decode()
    names = re.findall(r'data-name="([^"]+)"', html)
    assert names and all(name.lower().startswith("touchpoint 2") for name in names)


def test_gaps_only_keeps_the_rows_with_a_finding(organization, editor):
    journey = matrix_build(organization=organization, touchpoints=21, functions=3, stages=1)
    audit_organization(organization=organization, trigger="manual")  # the bulk-built rows' gaps
    url = reverse("journeys:matrix", args=[organization.slug, journey.id])
    html = editor.get(url, {"gaps": "1"}).content.decode()
    rows = re.findall(r"<tr id=\"tp-\d+\"[^>]*>", html)
    assert rows and all("data-gaps" in row for row in rows)
    assert len(rows) < 21


def test_a_handoff_marker_is_right_on_the_first_row_of_a_chunk(organization, editor):
    """The row before a chunk is read too: its A decides the chunk's first handoff marker."""
    journey = matrix_build(organization=organization, touchpoints=PAGE_ROWS + 2, functions=3, stages=1)
    stage = journey.stages.get()
    before, first = journey.touchpoints.order_by("position")[PAGE_ROWS - 1 : PAGE_ROWS + 1]
    sales, finance = organization.functions.order_by("position")[:2]
    for touchpoint in (before, first):
        current = set(touchpoint.assignments.values_list("function_id", "letter"))
        changes = [
            CellChange(touchpoint.id, f, frozenset(), frozenset(x for g, x in current if g == f)) for f, _ in current
        ]
        cells_set(organization=organization, changes=changes)
    cells_set(organization=organization, changes=[CellChange(before.id, sales.id, frozenset("AR"))])
    cells_set(organization=organization, changes=[CellChange(first.id, finance.id, frozenset("AR"))])
    url = reverse("journeys:rows", args=[organization.slug, journey.id, stage.id])
    html = editor.get(url, {"offset": PAGE_ROWS}).content.decode()
    assert f"handoff gap from {before.name}" in html


@pytest.mark.parametrize("size", [10, 300])
def test_the_matrix_page_query_count_does_not_grow_with_the_journey(
    size, organization, editor, django_assert_max_num_queries
):
    journey = matrix_build(organization=organization, touchpoints=size, functions=12)
    # session, user, membership, organization switcher, journey; functions, roles, touchpoints,
    # stages, the drawn rows' letters and open gaps; coverage, open gaps by severity, gaps about
    # the journey; the member's undo/redo history
    with django_assert_max_num_queries(16):  # + the live feed's cursor
        response = editor.get(reverse("journeys:matrix", args=[organization.slug, journey.id]), {"dense": "1"})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [10, 300])
def test_a_chunk_query_count_does_not_grow_with_the_journey(size, organization, editor, django_assert_max_num_queries):
    journey = matrix_build(organization=organization, touchpoints=size, functions=12, stages=1)
    url = reverse("journeys:rows", args=[organization.slug, journey.id, journey.stages.get().id])
    # session, user, membership, journey, stage; functions, roles, touchpoints, stages, the
    # chunk's letters and open gaps
    with django_assert_max_num_queries(11):
        response = editor.get(url, {"offset": 1})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [10, 300])
def test_a_cell_edit_query_count_does_not_grow_with_the_journey(
    size, organization, editor, django_assert_max_num_queries
):
    journey = matrix_build(organization=organization, touchpoints=size, functions=12)
    touchpoint = journey.touchpoints.order_by("position")[size // 2]
    function = organization.functions.order_by("position").last()
    url = reverse("journeys:cell", args=[organization.slug, journey.id])
    # The organization's first edit also fills its in-scope count: measure an ordinary one.
    editor.post(url, {"touchpoint": touchpoint.id, "function": function.id, "expected": "", "letters": "C"})
    # session, user, membership, journey, touchpoint; cells_set with its live gap refresh (up to
    # 21: lock, functions, read, write, version, history, on PostgreSQL the organization's shared
    # lock, the journey's row and the organization read before the refresh, the window's rows, gap
    # reads and writes, the counter last; a C or an I counts no function; no savepoint); the next
    # in-scope touchpoint, the two rows' fields, functions, letters and open gaps; coverage, open
    # gaps by severity, gaps about the journey; the member's undo/redo history; the live feed's
    # event (cxowner.orgs.live), written in the edit's transaction
    with django_assert_max_num_queries(40):
        response = editor.post(
            url, {"touchpoint": touchpoint.id, "function": function.id, "expected": "C", "letters": "I"}
        )
    assert response.status_code == 200


def test_the_map_of_a_long_stage_shows_its_first_cards_and_links_to_the_rest(organization, editor):
    journey = matrix_build(organization=organization, touchpoints=MAP_CARDS + 5, functions=3, stages=1)
    html = editor.get(reverse("journeys:map", args=[organization.slug, journey.id])).content.decode()
    assert html.count('<li class="map-card') == MAP_CARDS
    assert "5 more touchpoints of" in html


@pytest.mark.parametrize("size", [10, 300])
def test_a_matrix_patch_query_count_does_not_grow_with_the_journey(
    size, organization, api_as, django_assert_max_num_queries
):
    journey = matrix_build(organization=organization, touchpoints=size, functions=12)
    touchpoint = journey.touchpoints.order_by("position")[size // 2]
    function = organization.functions.order_by("position").last()
    api = api_as("editor")
    url = f"{api.base}/journeys/{journey.pk}/matrix/"
    # The organization's first edit also fills its in-scope count: measure an ordinary one.
    cell = {"touchpoint": touchpoint.id, "function": function.id}
    api.patch(url, {"cells": [{**cell, "letters": "C", "expected": ""}]}, format="json")
    # session, user, membership, organization; the journey, its touchpoints locked; cells_set with
    # its live gap refresh (up to 21, as the page's edit); the matrix version (touchpoints,
    # functions), coverage and the journey's open gaps for the answer; the live feed's event
    with django_assert_max_num_queries(36):
        response = api.patch(url, {"cells": [{**cell, "letters": "I", "expected": "C"}]}, format="json")
    assert response.status_code == 200
