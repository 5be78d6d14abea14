"""Conditional reads: lists, gaps and the matrix answer ETag/Last-Modified and 304 when unchanged."""

import pytest

from ownership.editor.services import CellChange, cells_set
from ownership.structure.services import function_update, role_create
from tests.editor.test_api_matrix import url

from . import test_api_matrix

# The matrix tests' fixtures: an editor's API client and a small journey.
editor_client, matrix = test_api_matrix.editor_client, test_api_matrix.matrix

pytestmark = pytest.mark.django_db


def api(organization, path):
    return f"/api/v1/orgs/{organization.slug}/{path}"


@pytest.mark.parametrize("path", ["journeys/", "stages/", "touchpoints/", "functions/", "roles/", "assignments/"])
def test_a_list_answers_304_to_its_own_etag(editor_client, organization, matrix, path):
    first = editor_client.get(api(organization, path))
    assert first.status_code == 200
    assert first["Last-Modified"]
    again = editor_client.get(api(organization, path), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_gap_list_answers_304_until_an_edit_changes_the_gaps(editor_client, organization, matrix):
    first = editor_client.get(api(organization, "gaps/"))
    assert editor_client.get(api(organization, "gaps/"), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    touchpoint, sales = matrix["touchpoints"][1], matrix["sales"]
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, sales.pk, frozenset("AR"))])
    changed = editor_client.get(api(organization, "gaps/"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_the_same_list_with_other_filters_has_another_etag(editor_client, organization, matrix):
    every = editor_client.get(api(organization, "gaps/"))
    errors = editor_client.get(api(organization, "gaps/?severity=error"), HTTP_IF_NONE_MATCH=every["ETag"])
    assert errors.status_code == 200


def test_matrix_answers_304_until_a_function_elsewhere_is_renamed(editor_client, organization, matrix):
    first = editor_client.get(url(organization, matrix["journey"]))
    again = editor_client.get(url(organization, matrix["journey"]), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    function_update(function=matrix["sales"], version=None, name="Sales EMEA")
    renamed = editor_client.get(url(organization, matrix["journey"]), HTTP_IF_NONE_MATCH=first["ETag"])
    assert renamed.status_code == 200
    assert "Sales EMEA" in renamed.content.decode()


def test_a_matrix_read_etag_is_accepted_as_if_match_for_a_write(editor_client, organization, matrix):
    read = editor_client.get(url(organization, matrix["journey"]))
    touchpoint, sales = matrix["touchpoints"][2], matrix["sales"]
    cell = {"touchpoint": touchpoint.pk, "function": sales.pk, "letters": "R", "expected": ""}
    response = editor_client.patch(
        url(organization, matrix["journey"]), {"cells": [cell]}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert response.status_code == 200


def test_a_new_role_changes_the_role_list_etag(editor_client, organization, matrix):
    first = editor_client.get(api(organization, "roles/"))
    role_create(function=matrix["sales"], title="Head of Sales")
    assert editor_client.get(api(organization, "roles/"), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
