"""The editor's multi-cell endpoint (paste, fill down, clear) and its undo and redo buttons."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localtime

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import ChangeSet
from ownership.editor.services import CellChange, cells_set
from ownership.models import Assignment
from tests.factories import TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_user(member):
    return member("editor")


@pytest.fixture
def editor(editor_user):
    client = Client()
    client.force_login(editor_user)
    return client


def letters(touchpoint, function) -> str:
    rows = Assignment.objects.filter(touchpoint=touchpoint, function=function).values_list("letter", flat=True)
    return "".join(sorted(rows))


def batch(client, organization, journey, action: str, cells: list[dict]):
    return client.post(
        reverse("journeys:cells_batch", args=[organization.slug, journey.id]),
        json.dumps({"action": action, "cells": cells}),
        content_type="application/json",
    )


def paste_cells(matrix, values: dict) -> list[dict]:
    return [
        {"touchpoint": matrix[t].id, "function": matrix[f].id, "letters": value, "expected": ""}
        for (t, f), value in values.items()
    ]


def test_a_paste_saves_every_cell_and_returns_their_rows(organization, editor, matrix):
    cells = paste_cells(matrix, {("first", "sales"): "A/R", ("second", "finance"): "c"})
    response = batch(editor, organization, matrix["journey"], "paste", cells)
    assert response.status_code == 200
    assert letters(matrix["first"], matrix["sales"]) == "AR"
    assert letters(matrix["second"], matrix["finance"]) == "C"
    html = response.content.decode()
    assert f'data-swap="tp-{matrix["first"].id}"' in html and f'data-swap="tp-{matrix["second"].id}"' in html
    assert "Saved: paste of 2 cells." in html


def test_a_stale_paste_is_refused_naming_the_cell_and_its_letters(organization, editor, matrix):
    cells_set(organization=organization, changes=[CellChange(matrix["second"].id, matrix["sales"].id, frozenset("I"))])
    cells = paste_cells(matrix, {("first", "sales"): "A", ("second", "sales"): "R"})
    response = batch(editor, organization, matrix["journey"], "paste", cells)
    assert response.status_code == 409
    html = response.content.decode()
    assert "someone else changed Cashier × Sales at " in html and "(now I)" in html
    assert letters(matrix["first"], matrix["sales"]) == ""


def test_a_stale_paste_names_who_changed_the_cell_and_when(organization, editor, matrix, member):
    alice = member("editor")
    with change_context(surface="browser", user=alice):
        cells_set(
            organization=organization, changes=[CellChange(matrix["second"].id, matrix["sales"].id, frozenset("I"))]
        )
    cells = paste_cells(matrix, {("first", "sales"): "A", ("second", "sales"): "R"})
    response = batch(editor, organization, matrix["journey"], "paste", cells)
    assert response.status_code == 409
    at = localtime(ChangeSet.objects.filter(organization=organization).latest("id").created_at)
    assert f"{alice.username} changed Cashier × Sales at {at:%Y-%m-%d %H:%M %Z} (now I)" in response.content.decode()


def test_an_unreadable_paste_is_400_and_saves_nothing(organization, editor, matrix):
    cells = paste_cells(matrix, {("first", "sales"): "A", ("second", "sales"): "Z"})
    response = batch(editor, organization, matrix["journey"], "paste", cells)
    assert response.status_code == 400
    assert "Cashier × Sales: “Z” is not a RACI letter" in response.content.decode()
    assert letters(matrix["first"], matrix["sales"]) == ""


@pytest.mark.parametrize("body", ["not json", json.dumps({"action": "explode", "cells": []}), json.dumps([1])])
def test_a_malformed_batch_is_400(organization, editor, matrix, body):
    url = reverse("journeys:cells_batch", args=[organization.slug, matrix["journey"].id])
    assert editor.post(url, body, content_type="application/json").status_code == 400


def test_viewers_cannot_paste(organization, member, matrix):
    viewer = Client()
    viewer.force_login(member("viewer"))
    response = batch(viewer, organization, matrix["journey"], "paste", paste_cells(matrix, {("first", "sales"): "A"}))
    assert response.status_code == 403


def test_a_cell_of_another_organization_is_refused(organization, editor, matrix):
    foreign = TouchpointFactory()
    cells = [{"touchpoint": foreign.id, "function": matrix["sales"].id, "letters": "A", "expected": ""}]
    response = batch(editor, organization, matrix["journey"], "paste", cells)
    assert response.status_code == 400
    assert not Assignment.objects.filter(touchpoint=foreign).exists()


def test_undo_and_redo_buttons_walk_the_members_changes(organization, editor, matrix):
    batch(editor, organization, matrix["journey"], "paste", paste_cells(matrix, {("first", "sales"): "A"}))
    batch(editor, organization, matrix["journey"], "fill", paste_cells(matrix, {("second", "sales"): "A"}))
    undo_url = reverse("journeys:undo", args=[organization.slug, matrix["journey"].id])
    redo_url = reverse("journeys:redo", args=[organization.slug, matrix["journey"].id])
    assert editor.post(undo_url).status_code == 200
    assert editor.post(undo_url).status_code == 200
    assert (letters(matrix["first"], matrix["sales"]), letters(matrix["second"], matrix["sales"])) == ("", "")
    response = editor.post(redo_url)
    assert "Redone: Sales person × Sales changed again." in response.content.decode()
    assert letters(matrix["first"], matrix["sales"]) == "A"
    assert 'title="Redo “Fill down of 1 cell” (Ctrl+Shift+Z or Ctrl+Y)"' in response.content.decode()


def test_an_undo_refused_names_who_changed_the_cell_and_when(organization, editor, matrix, member):
    batch(editor, organization, matrix["journey"], "paste", paste_cells(matrix, {("first", "sales"): "R"}))
    alice = member("editor")
    with change_context(surface="browser", user=alice):
        cells_set(
            organization=organization, changes=[CellChange(matrix["first"].id, matrix["sales"].id, frozenset("RC"))]
        )
    response = editor.post(reverse("journeys:undo", args=[organization.slug, matrix["journey"].id]))
    assert response.status_code == 409
    at = localtime(ChangeSet.objects.filter(organization=organization).latest("id").created_at)
    assert (
        f"Sales person × Sales now holds R/C, written by {alice.username} at {at:%Y-%m-%d %H:%M %Z}."
        in response.content.decode()
    )


def test_the_stacks_survive_a_new_session(organization, editor_user, editor, matrix):
    batch(editor, organization, matrix["journey"], "paste", paste_cells(matrix, {("first", "sales"): "R"}))
    later = Client()
    later.force_login(editor_user)
    html = later.get(reverse("journeys:matrix", args=[organization.slug, matrix["journey"].id])).content.decode()
    assert 'title="Undo “Paste of 1 cell” (Ctrl+Z)"' in html
    later.post(reverse("journeys:undo", args=[organization.slug, matrix["journey"].id]))
    assert letters(matrix["first"], matrix["sales"]) == ""


def test_an_undo_refused_names_the_current_letters(organization, editor, matrix):
    batch(editor, organization, matrix["journey"], "paste", paste_cells(matrix, {("first", "sales"): "R"}))
    cells_set(organization=organization, changes=[CellChange(matrix["first"].id, matrix["sales"].id, frozenset("RC"))])
    response = editor.post(reverse("journeys:undo", args=[organization.slug, matrix["journey"].id]))
    assert response.status_code == 409
    assert "Cannot undo: Someone else changed this cell since: Sales person × Sales now holds R/C." in (
        response.content.decode()
    )
    assert ChangeSet.objects.filter(reverts__isnull=False).count() == 0


def test_redo_with_nothing_to_redo_is_400(organization, editor, matrix):
    response = editor.post(reverse("journeys:redo", args=[organization.slug, matrix["journey"].id]))
    assert response.status_code == 400
    assert response.content.decode() == "There is nothing to redo."


def test_a_paste_query_count_is_bounded(organization, editor, matrix, django_assert_max_num_queries):
    cells = paste_cells(matrix, {("first", "sales"): "A/R", ("first", "finance"): "C", ("second", "sales"): "I"})
    # session, user, membership, journey; names; cells_write with its live gaps; the journey's
    # touchpoint order, the rows (fields, functions, letters, open gaps); summary (3); stacks
    with django_assert_max_num_queries(50):
        response = batch(editor, organization, matrix["journey"], "paste", cells)
    assert response.status_code == 200
