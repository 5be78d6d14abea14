"""The inbox pages: the bell's count, the list (newest first) with "mark read" and "mark all
read", opening an item's subject, and the member's choice of e-mail.

Every member has an inbox; each sees only their own items of the organization in the URL (an
item of anyone else is not found). Opening an item is a POST that marks it read and redirects
to its subject, so it works without JavaScript and never changes anything on a GET.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from cxowner.orgs.models import Membership
from cxowner.views import org_object, org_view, render_org
from ownership.engine.vocabulary import rule_text
from ownership.inbox import selectors, services
from ownership.models import InboxItem

ITEMS_PER_PAGE = 50
VIEWER = Membership.Role.VIEWER


class PreferenceForm(forms.Form):
    email = forms.TypedChoiceField(
        label="Tell me",
        choices=[("1", "In the app and by e-mail"), ("0", "In the app only")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


def subject_url(item: InboxItem, org: str) -> str:
    """Where an item leads: the gap's page (at the comment), the review campaign, or the role."""
    if item.role_id:
        return reverse("ownership:role_edit", args=[org, item.role_id])
    if item.campaign_id:
        return reverse("ownership:campaign", args=[org, item.campaign_id])
    url = reverse("ownership:gap", args=[org, item.gap_id])
    return f"{url}#comment-{item.comment_id}" if item.comment_id else url


@org_view()
def inbox(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    items = selectors.inbox_of(organization_id=membership.organization_id, user_id=membership.user_id)
    if unread_only:
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"item": item, "text": rule_text(item.gap.rule) if item.gap_id else None} for item in page.object_list]
    mails = selectors.inbox_mails(membership=membership)
    context = {
        "nav": "inbox",
        "page": page,
        "rows": rows,
        "unread_only": unread_only,
        "kinds": InboxItem.Kind,
        "unread": selectors.inbox_unread_count(organization_id=membership.organization_id, user_id=request.user.pk),
        "preference_form": PreferenceForm(initial={"email": "1" if mails else "0"}),
        "mails": mails,
        "has_email": bool(request.user.email),
    }
    return render_org(request, membership, "ownership/inbox.html", context)


@org_view()
def inbox_bell(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """The top bar's bell with the unread count, loaded after the page (so no page pays for it)."""
    unread = selectors.inbox_unread_count(organization_id=membership.organization_id, user_id=request.user.pk)
    # htmx names the page the bell is on: the inbox's own bell stays marked as the current page.
    on_inbox = urlsplit(request.headers.get("HX-Current-URL", "")).path == reverse("ownership:inbox", args=[org])
    context = {
        "organization": membership.organization,
        "unread": unread,
        "bell_max": selectors.BELL_MAX,
        "nav": "inbox" if on_inbox else "",
    }
    return render_org(request, membership, "includes/_inbox_bell.html", {**context, "bell_loaded": True})


def _item(membership: Membership, item_id: int) -> InboxItem:
    mine = InboxItem.objects.filter(recipient_id=membership.user_id)
    return org_object(membership, mine, item_id)


@org_view(VIEWER, "POST")
def inbox_open(request: HttpRequest, membership: Membership, org: str, item_id: int) -> HttpResponse:
    item = _item(membership, item_id)
    services.inbox_items_read(
        organization_id=membership.organization_id, user_id=membership.user_id, item_ids=[item.pk]
    )
    return redirect(subject_url(item, org))


@org_view(VIEWER, "POST")
def inbox_read(request: HttpRequest, membership: Membership, org: str, item_id: int) -> HttpResponse:
    item = _item(membership, item_id)
    services.inbox_items_read(
        organization_id=membership.organization_id, user_id=membership.user_id, item_ids=[item.pk]
    )
    messages.success(request, "Marked read.")
    return redirect(_back(request, org))


@org_view(VIEWER, "POST")
def inbox_read_all(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    count = services.inbox_items_read(
        organization_id=membership.organization_id, user_id=membership.user_id, item_ids=None
    )
    messages.success(request, f"{count} item{'' if count == 1 else 's'} marked read." if count else "Nothing unread.")
    return redirect(_back(request, org))


@org_view(VIEWER, "POST")
def inbox_preference(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how you want to be told: in the app only, or also by e-mail.")
        return redirect("ownership:inbox", org)
    preference = services.inbox_preference_set(membership=membership, email=form.cleaned_data["email"])
    said = "also by e-mail" if preference.email else "in the app only"
    messages.success(request, f"Saved: your inbox comes {said}.")
    return redirect("ownership:inbox", org)


def _back(request: HttpRequest, org: str) -> str:
    """Back to the inbox as it was shown (unread only, the page), never to another site."""
    url = reverse("ownership:inbox", args=[org])
    show = request.POST.get("show") == "unread"
    page = request.POST.get("page", "")
    query = "&".join(filter(None, ["show=unread" if show else "", f"page={page}" if page.isdigit() else ""]))
    return f"{url}?{query}" if query else url
