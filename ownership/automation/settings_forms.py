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
from ownership.engine.schedule_words import (
    FREQUENCIES,
    WEEKDAYS,
    ScheduleWordsError,
    schedule_choice,
    schedule_from_cron,
)
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


# Monday first, as calendars here read; cron numbers Sunday 0.
WEEKDAY_CHOICES = [(number % 7, WEEKDAYS[number % 7].capitalize()) for number in range(1, 8)]


class ScheduleChoiceFields(forms.Form):
    """When the audit runs, chosen in words — every day / every weekday / every week on a day /
    every month on a day, at a time — or, as the advanced option, as five cron fields. Either
    way `cleaned_data["cron"]` is the cron stored (ownership.engine.schedule_words)."""

    frequency = forms.ChoiceField(
        required=False,
        label="How often",
        choices=[*FREQUENCIES.items(), ("cron", "Advanced: a cron expression")],
    )
    weekday = forms.TypedChoiceField(required=False, coerce=int, label="On", choices=WEEKDAY_CHOICES)
    day_of_month = forms.IntegerField(required=False, min_value=1, max_value=31, label="On day")
    time = forms.CharField(
        required=False,
        max_length=8,
        label="At (UTC)",
        help_text="24-hour clock, HH:MM.",
        widget=forms.TextInput(
            attrs={"placeholder": "06:00", "size": 6, "autocomplete": "off", "inputmode": "numeric"}
        ),
    )
    cron = forms.CharField(
        max_length=200,
        required=False,
        label="Cron expression (UTC)",
        help_text="Five fields: minute hour day-of-month month weekday. “0 2 * * *” is every night at 02:00.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("frequency"):
            # Posted without a choice (an older page, a script): the cron field decides.
            data = data.copy()
            data["frequency"] = "cron"
        super().__init__(data, *args, **kwargs)

    def clean(self):
        data = super().clean()
        # Without a choice, what was typed in the cron field decides (words are accepted there too).
        frequency = data.get("frequency") or "cron"
        if frequency == "cron":
            if not (data.get("cron") or "").strip():
                self.add_error("cron", "Write five cron fields, e.g. “0 2 * * *”, or choose how often above.")
            return data
        try:
            choice = schedule_choice(
                frequency=frequency,
                time=data.get("time") or "",
                weekday=data.get("weekday"),
                day_of_month=data.get("day_of_month"),
            )
        except ScheduleWordsError as error:
            field = {"week": "weekday", "month": "day_of_month"}.get(frequency, "time")
            self.add_error("time" if "time" in str(error) else field, str(error))
            return data
        data["cron"] = choice.cron
        return data

    @staticmethod
    def initial_for(cron: str) -> dict:
        """The fields as a stored cron reads: its form in words when it matches one, else cron."""
        choice = schedule_from_cron(cron)
        if choice is None:
            return {"frequency": "cron", "cron": cron, "time": "02:00"}
        return {
            "frequency": choice.frequency,
            "weekday": choice.weekday if choice.weekday is not None else 1,
            "day_of_month": choice.day_of_month or 1,
            "time": f"{choice.hour:02d}:{choice.minute:02d}",
            "cron": cron,
        }


class ScheduleForm(ScheduleChoiceFields):
    version = VersionField()
    enabled = forms.BooleanField(required=False, label="Run scheduled audits")


class WebhookForm(forms.Form):
    # A CharField, not a URLField: the service's URL checks give the one clear message.
    url = forms.CharField(max_length=500, label="URL", help_text="A public http:// or https:// address.")
    description = forms.CharField(
        max_length=200, required=False, help_text="What receives it, e.g. the ticketing system."
    )
