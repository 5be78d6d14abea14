"""The organization's settings page: rule thresholds, the audit schedule and webhooks.

Every member may read it; only admins change anything (403 for others, 404 for outsiders).
Each form posts to its own view, which calls the same service the API calls and comes back
to the page. A secret is shown on the one response that made it, never again.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.forms import VersionForm
from cxowner.orgs.models import Membership
from cxowner.orgs.services import organization_settings_update, organization_settings_version
from cxowner.shown_once import shown_once_keep, shown_once_take
from cxowner.views import form_errors, form_write, org_object, org_view, render_org
from ownership.automation.schedules import (
    audit_schedule_get,
    audit_schedule_set,
    audit_schedule_version,
    crontab_fields,
    crontab_text,
    schedule_preview,
)
from ownership.automation.selectors import digests_failed, webhooks_with_deliveries
from ownership.automation.settings_forms import ScheduleChoiceFields, ScheduleForm, ThresholdsForm, WebhookForm
from ownership.automation.webhooks import (
    webhook_create,
    webhook_delete,
    webhook_secret_rotate,
    webhook_test_send,
    webhook_update,
)
from ownership.engine.schedule_words import cron_in_words
from ownership.models import Webhook

ADMIN = Membership.Role.ADMIN


def _thresholds_initial(organization) -> dict:
    return {
        "version": organization_settings_version(organization),
        **{name: getattr(organization, name) for name in ThresholdsForm.SETTINGS},
    }


def _schedule_initial(task) -> dict:
    initial = ScheduleForm.initial_for(crontab_text(task.crontab))
    return {"version": audit_schedule_version(task), "enabled": task.enabled, **initial}


def _preview(cron: str) -> dict:
    try:
        return {"preview": schedule_preview(cron=cron)}
    except ValidationError as error:
        return {"preview_errors": error.message_dict.get("cron", error.messages)}


def _settings_page(
    request,
    membership,
    *,
    thresholds_form=None,
    schedule_form=None,
    webhook_form=None,
    new_secret=None,
    stale: tuple[str, StaleVersion] | None = None,
    status=200,
) -> HttpResponse:
    """The page; `stale` names the form ("thresholds", "schedule") whose save lost a race, and why."""
    organization = membership.organization
    schedule = audit_schedule_get(organization=organization)
    schedule_form = schedule_form or ScheduleForm(initial=_schedule_initial(schedule))
    cron = _chosen_cron(schedule_form) or crontab_text(schedule.crontab)
    context = {
        "nav": "settings",
        "thresholds_form": thresholds_form or ThresholdsForm(initial=_thresholds_initial(organization)),
        "schedule_form": schedule_form,
        "schedule": schedule,
        "webhooks": webhooks_with_deliveries(organization=organization),
        "digests_failed": digests_failed(organization=organization),
        "webhook_form": webhook_form or WebhookForm(),
        "new_secret": new_secret,
        "stale": stale[0] if stale else "",
        "stale_message": _stale_message(stale[1]) if stale else "",
        **_preview(cron),
    }
    return render_org(request, membership, "ownership/settings.html", context, status)


@org_view()
def settings_page(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    return _settings_page(request, membership, new_secret=_new_secret(request, membership))


def _new_secret(request, membership) -> dict | None:
    """The secret webhook_add or webhook_rotate kept for this page: shown on this answer only."""
    kept = shown_once_take(request, organization=membership.organization, kind="webhook-secret")
    webhook = kept and Webhook.objects.filter(organization=membership.organization, pk=kept["webhook_id"]).first()
    return {"webhook": webhook, "secret": kept["secret"], "made": kept["made"]} if webhook else None


def _secret_shown_next(request, membership, webhook: Webhook, secret: str, *, made: bool) -> HttpResponse:
    """Redirect to the settings page, which shows the new secret once (reloading it makes nothing)."""
    value = {"webhook_id": webhook.pk, "secret": secret, "made": made}
    shown_once_keep(request, organization=membership.organization, kind="webhook-secret", value=value)
    return redirect("ownership:settings", org=membership.organization.slug)


@org_view()
def schedule_preview_partial(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """The words and next runs of the schedule being chosen or typed (htmx): nothing is saved."""
    form = ScheduleChoiceFields(request.GET)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        return render(request, "ownership/_schedule_preview.html", {"preview_errors": errors})
    return render(request, "ownership/_schedule_preview.html", _preview(form.cleaned_data["cron"]))


def _chosen_cron(form) -> str:
    """The cron a bound form chose (even with other fields in error), or the initial one."""
    if not form.is_bound:
        return form.initial.get("cron", "")
    choice = ScheduleChoiceFields(form.data)
    return choice.cleaned_data.get("cron", "") if choice.is_valid() else ""


@org_view(ADMIN, "POST")
def settings_thresholds(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = ThresholdsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, membership, thresholds_form=form, status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        organization_settings_update(organization=membership.organization, version=version, **data)
    except StaleVersion as refused:
        # The page reads the current values again: the form shows them, with the warning.
        return _settings_page(request, membership, stale=("thresholds", refused), status=409)
    except ValidationError as error:
        form_errors(form, error)
        return _settings_page(request, membership, thresholds_form=form, status=400)
    messages.success(request, "Rule thresholds saved; the gaps were brought up to date.")
    return redirect("ownership:settings", org=org)


@org_view(ADMIN, "POST")
def settings_schedule(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, membership, schedule_form=form, status=400)
    try:
        fields = crontab_fields(form.cleaned_data["cron"])
        schedule_preview(cron=form.cleaned_data["cron"])  # a date that never comes is refused too
        audit_schedule_set(
            organization=membership.organization,
            enabled=form.cleaned_data["enabled"],
            version=form.cleaned_data["version"],
            **fields,
        )
    except StaleVersion as refused:
        return _settings_page(request, membership, stale=("schedule", refused), status=409)
    except ValidationError as error:
        form.add_error("cron", error.messages)
        return _settings_page(request, membership, schedule_form=form, status=400)
    words = cron_in_words(" ".join(fields.values()))
    messages.success(request, f"Audit schedule saved: “{words}” (UTC).")
    return redirect("ownership:settings", org=org)


@org_view(ADMIN, "POST")
def webhook_add(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = WebhookForm(request.POST)
    made = form_write(form, lambda data: webhook_create(organization=membership.organization, **data))
    if made is None:
        return _settings_page(request, membership, webhook_form=form, status=400)
    webhook, secret = made
    return _secret_shown_next(request, membership, webhook, secret, made=True)


def _webhook(membership, webhook_id: int) -> Webhook:
    return org_object(membership, Webhook, webhook_id)


def _posted_version(request) -> int | None:
    """The version a webhook's buttons post; None (change it whatever its version) if there is none."""
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


def _stale_message(stale: StaleVersion) -> str:
    return f"{stale.message()}; nothing was saved. The current values are shown: check them and try again."


def _stale_webhook(request, membership, stale: StaleVersion) -> HttpResponse:
    messages.error(request, f"{stale.message(f'Webhook {stale.obj.url}')}; nothing was done.")
    return _settings_page(request, membership, status=409)


def _webhook_change(request, membership, org: str, webhook_id: int, change, done: str) -> HttpResponse:
    """Change a webhook at the version its button posted; `done` says what was done to "{url}".
    A change made meanwhile shows the page as it is now (409)."""
    webhook = _webhook(membership, webhook_id)
    try:
        change(webhook=webhook, version=_posted_version(request))
    except StaleVersion as stale:
        return _stale_webhook(request, membership, stale)
    messages.success(request, done.replace("{url}", webhook.url))
    return redirect("ownership:settings", org=org)


@org_view(ADMIN, "POST")
def webhook_toggle(request: HttpRequest, membership: Membership, org: str, webhook_id: int) -> HttpResponse:
    active = request.POST.get("active") == "true"
    change = partial(webhook_update, active=active)
    done = f"Webhook {{url}} {'enabled' if active else 'disabled'}."
    return _webhook_change(request, membership, org, webhook_id, change, done)


@org_view(ADMIN, "POST")
def webhook_remove(request: HttpRequest, membership: Membership, org: str, webhook_id: int) -> HttpResponse:
    done = "Webhook {url} deleted, with its delivery log."
    return _webhook_change(request, membership, org, webhook_id, webhook_delete, done)


@org_view(ADMIN, "POST")
def webhook_test(request: HttpRequest, membership: Membership, org: str, webhook_id: int) -> HttpResponse:
    delivery = webhook_test_send(webhook=_webhook(membership, webhook_id))
    if delivery.succeeded:
        messages.success(request, f"Test delivered: HTTP {delivery.status_code} in {delivery.duration_ms} ms.")
    else:
        messages.error(request, f"Test not delivered: {delivery.error or f'HTTP {delivery.status_code}'}.")
    return redirect("ownership:settings", org=org)


@org_view(ADMIN, "POST")
def webhook_rotate(request: HttpRequest, membership: Membership, org: str, webhook_id: int) -> HttpResponse:
    try:
        webhook, secret = webhook_secret_rotate(
            webhook=_webhook(membership, webhook_id), version=_posted_version(request)
        )
    except StaleVersion as stale:
        return _stale_webhook(request, membership, stale)
    return _secret_shown_next(request, membership, webhook, secret, made=False)
