"""The version a client read, sent back with a write to a versioned object."""

from rest_framework import serializers


class VersionSerializer(serializers.Serializer):
    """The body of a versioned action that changes nothing else (close, discard, rebase …)."""

    version = serializers.IntegerField(required=False, help_text="Or send the ETag in If-Match.")
