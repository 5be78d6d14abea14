"""Forms of the organization's settings page: rule thresholds, audit schedule, webhooks.

They check the shape of what was typed; the services (organization_settings_update,
audit_schedule_set, ownership.webhook_admin) decide what is allowed and say why not.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from cxowner.orgs.forms import VersionField
from cxowner.orgs.services import ORGANIZATION_SETTINGS
from ownership.engine.constants import Rule
from ownership.engine.vocabulary import rule_text


def _rule(rule: Rule) -> str:
    return f"“{rule_text(rule).title}”"


def _per_touchpoint_limit(label: str, rule: Rule) -> forms.IntegerField:
    # The limits are small integers in the database (PositiveSmallIntegerField).
    return forms.IntegerField(min_value=0, max_value=32767, label=label, help_text=f"More than this is {_rule(rule)}.")


class ThresholdsForm(forms.Form):
    """What organization_settings_update accepts, with the version the admin read."""

    version = VersionField()
    name = forms.CharField(max_length=200, label="Organization name")
    responsible_limit = _per_touchpoint_limit(
        "Most functions responsible (R) per touchpoint", Rule.TOO_MANY_RESPONSIBLE
    )
    consult_limit = _per_touchpoint_limit("Most functions consulted (C) per touchpoint", Rule.CONSULT_OVERLOAD)
    inform_limit = _per_touchpoint_limit("Most functions informed (I) per touchpoint", Rule.INFORM_OVERLOAD)
    bottleneck_min_touchpoints = forms.IntegerField(
        min_value=0,
        label="Bottleneck check from this many touchpoints",
        help_text=f"Smaller organizations are never flagged {_rule(Rule.ACCOUNTABILITY_BOTTLENECK)}.",
    )
    bottleneck_share = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("1"),
        max_digits=3,
        decimal_places=2,
        label="Bottleneck share (0.01–1)",
        help_text=f"Accountable for more than this share of touchpoints: {_rule(Rule.ACCOUNTABILITY_BOTTLENECK)}.",
    )
    review_period_days = forms.IntegerField(
        min_value=1,
        label="Review period (days)",
        help_text=f"An accountable letter not confirmed for longer is {_rule(Rule.STALE_OWNERSHIP)}.",
    )

    SETTINGS = ORGANIZATION_SETTINGS

    def setting_fields(self):
        return [self[name] for name in self.SETTINGS]


class ScheduleForm(forms.Form):
    version = VersionField()
    cron = forms.CharField(
        max_length=200,
        label="Audit schedule (cron, UTC)",
        help_text="Five fields: minute hour day-of-month month weekday. “0 2 * * *” is every night at 02:00.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    enabled = forms.BooleanField(required=False, label="Run scheduled audits")


class WebhookForm(forms.Form):
    # A CharField, not a URLField: the service's URL checks give the one clear message.
    url = forms.CharField(max_length=500, label="URL", help_text="A public http:// or https:// address.")
    description = forms.CharField(
        max_length=200, required=False, help_text="What receives it, e.g. the ticketing system."
    )
