"""The review campaign pages: the list with the start form, a campaign's progress per function,
and one function's confirmation page ("Confirm all 12", or confirm or change one).

Every member sees campaigns and their progress; editors and admins confirm and change A's;
admins start and close campaigns. Every change goes through ownership.campaigns; the page sends
the items it showed, so an A changed meanwhile refuses the confirmation with a message.
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone

from cxowner.orgs.forms import VersionForm
from cxowner.orgs.models import Membership
from cxowner.views import form_write, org_object, org_view, render_org, write_and_say
from journeys.models import Journey
from ownership.models import Function, ReviewCampaign, ReviewItem, ReviewOutcome, Role
from ownership.reviews import services as campaigns

EDITOR, ADMIN = Membership.Role.EDITOR, Membership.Role.ADMIN


class CampaignForm(forms.Form):
    name = forms.CharField(label="Name", max_length=campaigns.NAME_MAX_CHARS)
    journey = forms.ModelChoiceField(
        label="What to review",
        queryset=Journey.objects.none(),
        required=False,
        empty_label="The whole organization",
    )
    ends_on = forms.DateField(
        label="Ends on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Reminders go out once a day until this day.",
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["journey"].queryset = Journey.objects.filter(organization=organization).order_by("position")
        self.fields["journey"].label_from_instance = lambda journey: f"The journey “{journey.name}”"


class ConfirmForm(forms.Form):
    """The items the page showed ("confirm all"), or the one to confirm."""

    items = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    item = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, item_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(pk, pk) for pk in item_ids]
        self.item_ids = set(item_ids)

    def clean_item(self):
        item = self.cleaned_data["item"]
        if item is not None and item not in self.item_ids:
            raise ValidationError("This accountability is not in this function's list.")
        return item


def _campaign(membership: Membership, campaign_id: int) -> ReviewCampaign:
    rows = ReviewCampaign.objects.select_related("journey", "started_by", "organization")
    return org_object(membership, rows, campaign_id)


def _function_list(membership: Membership, campaign_id: int, function_id: int, role: str):
    """The campaign, its function whose list is shown, and the role of that function the list
    is narrowed to (`role`, from ?role= or the form; None when it names none)."""
    campaign = _campaign(membership, campaign_id)
    function = org_object(membership, Function, function_id)
    if not (role.isdigit() and len(role) < 19):
        return campaign, function, None
    return campaign, function, Role.objects.filter(function=function, pk=int(role)).first()


@org_view({"GET": Membership.Role.VIEWER, "POST": ADMIN})
def campaign_list(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """Every campaign with its progress; admins start one with the form below the list."""
    organization = membership.organization
    form = CampaignForm(request.POST or None, organization=organization)
    if request.method == "POST":
        campaign = form_write(
            form,
            lambda data: campaigns.campaign_start(
                organization=organization, started_by=request.user, today=timezone.localdate(), **data
            ),
        )
        if campaign is not None:
            messages.success(request, f"“{campaign.name}” started: the functions are asked to confirm their A's.")
            return redirect("ownership:campaign", org, campaign.pk)
    rows = list(ReviewCampaign.objects.filter(organization=organization).select_related("journey", "started_by"))
    progress = campaigns.campaigns_progress(campaigns=rows)
    context = {
        "nav": "functions",
        "rows": [(campaign, progress[campaign.pk]) for campaign in rows],
        "form": form,
        "today": timezone.localdate(),
    }
    status = 400 if request.method == "POST" else 200
    return render_org(request, membership, "ownership/campaign_list.html", context, status=status)


@org_view()
def campaign_detail(request: HttpRequest, membership: Membership, org: str, campaign_id: int) -> HttpResponse:
    campaign = _campaign(membership, campaign_id)
    context = {
        "nav": "functions",
        "campaign": campaign,
        "progress": campaigns.campaign_progress(campaign=campaign),
        "functions": campaigns.campaign_functions(campaign=campaign),
        "holders": campaigns.campaign_holders(campaign=campaign),
        "ended": campaign.ends_on < timezone.localdate(),
    }
    return render_org(request, membership, "ownership/campaign_detail.html", context)


@org_view()
def campaign_function(
    request: HttpRequest, membership: Membership, org: str, campaign_id: int, function_id: int
) -> HttpResponse:
    """One function's A's in the campaign: confirm them all at once, or confirm or change one."""
    campaign, function, role = _function_list(membership, campaign_id, function_id, request.GET.get("role", ""))
    context = _function_context(membership, campaign, function, role)
    if not context["items"]:
        messages.info(request, f"{function.name} holds no A in this campaign.")
        return redirect("ownership:campaign", org, campaign.pk)
    return render_org(request, membership, "ownership/campaign_function.html", context)


def _function_context(membership: Membership, campaign: ReviewCampaign, function: Function, role: Role | None) -> dict:
    """What one function's confirmation page shows: its A's with their state and the progress."""
    items = list(campaigns.campaign_items(campaign=campaign, function=function, role=role))
    waiting = [item for item in items if item.state == ReviewOutcome.PENDING]
    return {
        "nav": "functions",
        "campaign": campaign,
        "function": function,
        "role": role,
        "items": items,
        "waiting": waiting,
        "outcomes": ReviewOutcome,
        "others": Function.objects.filter(organization=membership.organization).exclude(pk=function.pk),
        "progress": campaigns.Progress(
            confirmed=sum(item.state == ReviewOutcome.CONFIRMED for item in items),
            changed=sum(item.state == ReviewOutcome.CHANGED for item in items),
            pending=len(waiting),
        ),
    }


def _row_answer(request: HttpRequest, membership: Membership, campaign, function, role, item_id: int) -> HttpResponse:
    """htmx's answer to one Confirm: the item's row as it is now, the progress and the message,
    swapped in place so the page neither reloads nor jumps (static/js/campaign.js keeps the focus)."""
    context = _function_context(membership, campaign, function, role)
    item = next((item for item in context["items"] if item.pk == item_id), None)
    if item is None:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return render_org(request, membership, "ownership/_campaign_confirmed.html", {**context, "item": item})


@org_view(EDITOR, "POST")
def campaign_confirm(
    request: HttpRequest, membership: Membership, org: str, campaign_id: int, function_id: int
) -> HttpResponse:
    """Confirm one A of the function (`item`), or all the page showed (`items`, with the holder's `role`)."""
    campaign, function, role = _function_list(membership, campaign_id, function_id, request.POST.get("role", ""))
    item_ids = ReviewItem.objects.filter(campaign=campaign, function=function).values_list("pk", flat=True)
    form = ConfirmForm(request.POST, item_ids=list(item_ids))
    back = reverse("ownership:campaign_function", args=[org, campaign.pk, function.pk])
    back = redirect(f"{back}?role={role.pk}" if role else back)
    if not form.is_valid() or not (form.cleaned_data["item"] or form.cleaned_data["items"]):
        messages.error(request, "Nothing to confirm: the list may have changed; it is shown as it is now.")
        # htmx would follow a redirect into the row: it loads the page instead.
        return HttpResponse(headers={"HX-Redirect": back["Location"]}) if request.htmx else back
    try:
        if form.cleaned_data["item"]:
            count = campaigns.campaign_confirm(
                campaign=campaign, item_ids=[form.cleaned_data["item"]], user=request.user
            )
        else:
            count = campaigns.campaign_confirm_function(
                campaign=campaign, function=function, role=role, user=request.user, seen=form.cleaned_data["items"]
            )
    except campaigns.ItemsChanged as changed:
        messages.error(request, f"Nothing was confirmed: {changed}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        noun = "accountability" if count == 1 else "accountabilities"
        messages.success(request, f"{count} {noun} of {function.name} confirmed.")
    if request.htmx and form.cleaned_data["item"]:
        return _row_answer(request, membership, campaign, function, role, form.cleaned_data["item"])
    return back


@org_view(EDITOR, "POST")
def campaign_item_move(
    request: HttpRequest, membership: Membership, org: str, campaign_id: int, item_id: int
) -> HttpResponse:
    """Change one: the A goes to the function chosen on the row."""
    campaign = _campaign(membership, campaign_id)
    item = get_object_or_404(ReviewItem, campaign=campaign, pk=item_id)
    back = redirect("ownership:campaign_function", org, campaign.pk, item.function_id)
    target = request.POST.get("function", "")
    functions = Function.objects.filter(organization=membership.organization)
    to_function = functions.filter(pk=target).first() if target.isdigit() and len(target) < 19 else None
    if to_function is None:
        messages.error(request, "Choose the function that takes the A.")
        return back
    try:
        campaigns.campaign_item_move(campaign=campaign, item=item, to_function=to_function)
    except campaigns.ItemsChanged:
        messages.error(request, "This A changed meanwhile; the list is shown as it is now.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"The A on {item.touchpoint.name} moved from {item.function.name} to {to_function.name}."
        )
    return back


@org_view(ADMIN, "POST")
def campaign_close(request: HttpRequest, membership: Membership, org: str, campaign_id: int) -> HttpResponse:
    campaign = _campaign(membership, campaign_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Reload the campaign before closing it.")
        return redirect("ownership:campaign", org, campaign.pk)
    write_and_say(
        request,
        partial(campaigns.campaign_close, campaign=campaign, version=form.cleaned_data["version"]),
        done=f"“{campaign.name}” closed; its outcome is kept as it stands.",
        stale_subject="This campaign",
    )
    return redirect("ownership:campaign", org, campaign.pk)
