"""The API's orjson renderer writes the bytes DRF's JSONRenderer writes (cxowner/orgs/api/renderers.py)."""

import datetime
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from cxowner.orgs.api.renderers import JSONRenderer

AWARE = datetime.datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=datetime.UTC)

SAMPLES = [
    {"id": 1, "name": "Café – “quoted”", "letters": "RA", "coverage": 0.75, "none": None, "yes": True},
    [{"nested": [1, 2, {"deep": [3.5, "x"]}]}, [], {}],
    {"at": AWARE, "day": AWARE.date(), "time": datetime.time(6, 30, 15, 123456), "naive": AWARE.replace(tzinfo=None)},
    {"amount": decimal.Decimal("12.50"), "uuid": uuid.UUID(int=7), "lazy": gettext_lazy("Not found.")},
    {"duration": datetime.timedelta(minutes=3), "tuple": (1, 2), "bytes": b"raw"},
    {1: "integer key", "big": 2**70},
    ReturnDict({"detail": "ordered"}, serializer=None),
]


@pytest.mark.parametrize("data", SAMPLES, ids=range(len(SAMPLES)))
def test_renderer_writes_the_bytes_drf_writes(data):
    assert JSONRenderer().render(data) == DrfJSONRenderer().render(data)


def test_renderer_indents_as_drf_when_asked():
    data = {"a": [1, {"b": 2}]}
    media_type = "application/json; indent=4"
    assert JSONRenderer().render(data, media_type) == DrfJSONRenderer().render(data, media_type)


def test_renderer_writes_nothing_for_no_data():
    assert JSONRenderer().render(None) == b""
