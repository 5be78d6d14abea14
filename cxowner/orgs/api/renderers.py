"""The API's JSON renderer: orjson, with DRF's encoder for whatever orjson does not write the same.

The matrix answers a quarter of a megabyte of JSON; the standard library took most of the
request's Python time writing it (measured in bench_api's profile), orjson takes a tenth of it.
The output is the one DRF's JSONRenderer writes: compact, UTF-8, and every type orjson would
write differently (datetimes, dates and times, Decimals, lazy strings, querysets) goes through
DRF's encoder. An indented answer (`Accept: application/json; indent=4`) is DRF's own. One
difference: a NaN or infinite float is written as null, where DRF's strict JSON raised (a 500).
"""

from __future__ import annotations

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# Dataclasses and datetimes are not orjson's business here: DRF's encoder decides their shape.
# Non-string keys are written as strings, as json.dumps does.
OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

_default = JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            return orjson.dumps(data, default=_default, option=OPTIONS)
        except orjson.JSONEncodeError:
            # What orjson refuses (an integer past 64 bits, nesting past 254 levels) gets DRF's
            # own answer: its output or its error.
            return super().render(data, accepted_media_type, renderer_context)
