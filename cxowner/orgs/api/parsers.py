"""The API's JSON parser: bounded in size and depth before anything reads the data.

DRF's own JSONParser reads the whole stream (DATA_UPLOAD_MAX_MEMORY_SIZE does not apply to it)
and lets Python's decoder recurse until RecursionError, which was a 500 for a body nested
5,000 deep. Here a body over API_JSON_MAX_BYTES is 413 and one nested deeper than
API_JSON_MAX_DEPTH is 400, before a serializer sees it.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def json_depth_exceeds(value: object, limit: int) -> bool:
    """Whether `value` nests lists/objects deeper than `limit`, without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is over {limit:,} bytes.")
        try:
            data = json.loads(raw.decode((parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET))
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(data, settings.API_JSON_MAX_DEPTH):
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {settings.API_JSON_MAX_DEPTH} levels.")
        return data
