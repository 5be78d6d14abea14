"""The history pages: the organization's activity (filters, CSV), a journey's, one change set,
and a touchpoint's cells over time. Every member may read them."""

from __future__ import annotations

import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404

from cxowner.orgs.history import ChangeItem, ChangeSet, items_expanded
from cxowner.views import membership_for, render_org
from journeys.models import Journey, Touchpoint
from ownership.engine.spreadsheets import FORMULA_STARTS
from ownership.history.selectors import (
    ITEM_COLUMNS,
    KINDS,
    ChangeFilter,
    change_actors,
    change_sets_filtered,
    feed_entries,
    items_described,
    one_cell_summary,
    touchpoint_history,
)

FEED_PAGE = 50


SET_ITEMS_PAGE = 500


class ChangeFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="Who")
    kind = forms.ChoiceField(required=False, label="What", choices=[("", "Every change"), *KINDS.items()])
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def change_filter(self, journey_id: int | None = None) -> ChangeFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return ChangeFilter(
            actor=data.get("actor") or "",
            kind=data.get("kind") or "",
            since=data.get("since"),
            until=data.get("until"),
            journey_id=journey_id,
        )


def _feed(request: HttpRequest, org: str, *, journey: Journey | None = None) -> HttpResponse:
    membership = membership_for(request, org)
    organization = membership.organization
    form = ChangeFilterForm(request.GET)
    changes = form.change_filter(journey_id=journey.pk if journey else None)
    change_sets = change_sets_filtered(organization=organization, changes=changes)
    before = form.cleaned_data.get("before") if form.is_valid() else None
    if before:
        change_sets = change_sets.filter(pk__lt=before)
    page = list(change_sets[: FEED_PAGE + 1])
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "nav": "journeys" if journey else "activity",
        "journey": journey,
        "form": form,
        "actors": change_actors(organization=organization),
        "entries": feed_entries(page[:FEED_PAGE], organization=organization),
        "older": page[FEED_PAGE - 1].pk if len(page) > FEED_PAGE else None,
        "query": query.urlencode(),
    }
    return render_org(request, membership, "ownership/activity.html", context)


@login_required
def activity(request: HttpRequest, org: str) -> HttpResponse:
    return _feed(request, org)


@login_required
def journey_activity(request: HttpRequest, org: str, journey_id: int) -> HttpResponse:
    membership = membership_for(request, org)
    journey = get_object_or_404(Journey, pk=journey_id, organization=membership.organization)
    return _feed(request, org, journey=journey)


@login_required
def change_set_detail(request: HttpRequest, org: str, change_set_id: int) -> HttpResponse:
    membership = membership_for(request, org)
    change_set = get_object_or_404(ChangeSet, pk=change_set_id, organization=membership.organization)
    after = _int(request.GET.get("after"))
    rows = list(change_set.items.filter(pk__gt=after).order_by("id")[: SET_ITEMS_PAGE + 1])
    items = items_described(rows[:SET_ITEMS_PAGE], organization=membership.organization)
    item_count = change_set.items.count()
    context = {
        "nav": "activity",
        "change_set": change_set,
        "summary": one_cell_summary(change_set, items if item_count == 1 else []),
        "item_count": item_count,
        "items": items,
        "more_after": rows[SET_ITEMS_PAGE - 1].pk if len(rows) > SET_ITEMS_PAGE else None,
    }
    return render_org(request, membership, "ownership/change_set.html", context)


@login_required
def touchpoint_changes(request: HttpRequest, org: str, journey_id: int, touchpoint_id: int) -> HttpResponse:
    membership = membership_for(request, org)
    touchpoint = get_object_or_404(
        Touchpoint.objects.select_related("journey", "organization"),
        pk=touchpoint_id,
        journey_id=journey_id,
        organization=membership.organization,
    )
    context = {"nav": "journeys", "touchpoint": touchpoint, "items": touchpoint_history(touchpoint=touchpoint)}
    return render_org(request, membership, "ownership/touchpoint_history.html", context)


def _int(value: str | None) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet must not run a value someone typed as a formula (CSV injection).
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


CSV_HEADER = ["change", "when", "who", "surface", "kind", "summary", "object", *ITEM_COLUMNS]


def items_expanded_each(items):
    """items_expanded one stored item at a time: the export streams."""
    for item in items:
        for expanded in items_expanded([item]):
            expanded.change_set = item.change_set
            yield expanded


@login_required
def activity_csv(request: HttpRequest, org: str) -> StreamingHttpResponse:
    """Every item of the filtered change sets, one row each, streamed."""
    membership = membership_for(request, org)
    changes = ChangeFilterForm(request.GET).change_filter()
    change_sets = changes.apply(ChangeSet.objects.filter(organization=membership.organization))
    items = (
        ChangeItem.objects.filter(change_set__in=change_sets)
        .select_related("change_set")
        .order_by("change_set_id", "id")
        .iterator(chunk_size=2000)
    )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_HEADER)
        for item in items_expanded_each(items):
            cs = item.change_set
            values = [cs.pk, cs.created_at.isoformat(), cs.actor_label, cs.surface, cs.kind, cs.summary]
            values += [item.object_type, *(getattr(item, column) for column in ITEM_COLUMNS)]
            yield writer.writerow([_cell(value) for value in values])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{membership.organization.slug}-changes.csv"'
    return response
