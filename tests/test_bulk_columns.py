"""columns_insert and columns_update store every value as given, whatever its text: on PostgreSQL
each column travels as one array in PostgreSQL's text format (cxowner/orgs/bulk.py), so quotes,
backslashes, braces, commas and the word NULL must come back as written."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxowner.orgs.bulk import columns_insert, columns_update
from cxowner.orgs.history import ChangeItem, ChangeSet
from journeys.models import Touchpoint
from tests.factories import StageFactory, TouchpointFactory

AWKWARD = ['say "hi"', "back\\slash", "{braces}", "a,b", "NULL", "", "ünïcødé ✓", '\\"', "tab\there"]


@pytest.fixture
def change_set(organization):
    return ChangeSet.objects.create(organization=organization, surface="cli", kind="test", summary="bulk")


def test_awkward_texts_and_json_are_stored_as_given(change_set):
    count = len(AWKWARD)
    afters = [{"name": text, "cells": {"3": "RA"}, "list": [text, None]} for text in AWKWARD]
    columns_insert(
        ChangeItem,
        {
            "change_set_id": [change_set.pk] * count,
            "object_type": ["touchpoint"] * count,
            "object_id": [None, *range(1, count)],
            "field": AWKWARD,
            "before": [None] * count,
            "after": afters,
        },
    )
    stored = list(ChangeItem.objects.filter(change_set=change_set).order_by("id").values_list("field", "after"))
    assert stored == list(zip(AWKWARD, afters, strict=True))


def test_a_column_of_one_repeated_value_is_stored_on_every_row(change_set):
    ids = columns_insert(
        ChangeItem,
        {"change_set_id": [change_set.pk] * 3, "object_type": ['cell "x"'] * 3, "after": [{"a": 1}] * 3},
        returning=True,
    )
    rows = ChangeItem.objects.filter(pk__in=ids).values_list("change_set_id", "object_type", "after")
    assert list(rows) == [(change_set.pk, 'cell "x"', {"a": 1})] * 3


@pytest.mark.postgres
def test_a_text_holding_a_nul_is_refused_on_postgresql_not_split(change_set):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores a NUL as any other character")
    with pytest.raises(ValueError):
        columns_insert(ChangeItem, {"change_set_id": [change_set.pk] * 2, "field": ["a\0b", "c"]})
    assert not ChangeItem.objects.filter(change_set=change_set).exists()


def test_columns_update_rewrites_awkward_texts_as_given(organization):
    stage = StageFactory(journey__organization=organization)
    touchpoints = [TouchpointFactory(stage=stage, position=n) for n in range(len(AWKWARD))]
    descriptions = [f"{text} {n}" for n, text in enumerate(AWKWARD)]
    columns_update(Touchpoint, [t.pk for t in touchpoints], {"description": descriptions})
    stored = Touchpoint.objects.filter(stage=stage).order_by("position").values_list("description", flat=True)
    assert list(stored) == descriptions


@pytest.mark.postgres
def test_a_thousand_rows_are_one_insert_on_postgresql(change_set):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite inserts in batches under its variable limit")
    count = 1000
    with CaptureQueriesContext(connection) as queries:
        columns_insert(
            ChangeItem,
            {"change_set_id": [change_set.pk] * count, "object_id": list(range(count)), "field": ["x"] * count},
        )
    assert [q["sql"][:29] for q in queries.captured_queries] == ['INSERT INTO "orgs_changeitem"']
    assert ChangeItem.objects.filter(change_set=change_set).count() == count


def test_json_values_are_written_as_the_fields_encoder_writes_them(change_set):
    moment = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    after = {"at": moment, "share": Decimal("1.50"), 7: "a key that is a number", "pair": (1, 2)}
    columns_insert(ChangeItem, {"change_set_id": [change_set.pk], "after": [after]})
    stored = ChangeItem.objects.get(change_set=change_set).after
    assert stored == json.loads(json.dumps(after, cls=DjangoJSONEncoder))
