"""What every page that writes under a version posts: the version it was drawn with.

A form that changes a versioned object carries a `VersionField`; an action that posts nothing
else (close a campaign, discard a scenario, switch a webhook off) posts a `VersionForm`. The view
passes `form.cleaned_data["version"]` to the service, which refuses a stale one with StaleVersion;
the page tells the person with `StaleVersion.message()` who changed the object and when.
"""

from __future__ import annotations

from django import forms

from .versions import MAX_VERSION


class VersionField(forms.IntegerField):
    """The version the page was drawn with, in a hidden input."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        super().__init__(**kwargs)


class VersionForm(forms.Form):
    """A versioned action that posts nothing but the version."""

    version = VersionField()
