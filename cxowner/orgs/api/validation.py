"""The request body of an API action, validated by a serializer: one rule for every action that
reads a body outside a viewset's own `get_serializer` (a 400 with the serializer's errors)."""

from __future__ import annotations


def valid_data(serializer_class, request) -> dict:
    """The body's validated data, or a 400 answering the serializer's errors."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
