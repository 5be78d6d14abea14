"""The version a client read, sent back with a write to a versioned object.

One field for every versioned object, in answers (read-only) and in the bodies of writes, so the
schema shows it the same way everywhere: a whole number, the same as the ETag.
"""

from rest_framework import serializers

from cxowner.orgs.versions import MAX_VERSION

VERSION_HELP = "The version read (also the ETag): send it back, or as If-Match, with a write; a stale one answers 412."


class VersionField(serializers.IntegerField):
    default_error_messages = {
        **serializers.IntegerField.default_error_messages,
        "invalid": "A version is a whole number (the ETag).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        kwargs.setdefault("help_text", VERSION_HELP)
        super().__init__(**kwargs)


class VersionSerializer(serializers.Serializer):
    """The body of a versioned action (close, discard, rebase …); bodies that say more extend it."""

    version = VersionField(required=False)
