"""Reads of the history of changes: the feeds, one change set, a touchpoint's cells over time.

The history stores ids (cxowner.orgs.history); the names people read are looked up by
ownership.history.words, a constant number of queries per page: what the history recorded, else
the current name, else the name its deletion recorded, else words such as "a deleted role".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cxowner.orgs.history import ChangeItem, ChangeSet, items_expanded
from cxowner.orgs.models import Organization
from journeys.models import Touchpoint
from ownership.history.words import ItemView, NameBook, item_described

# Kinds of change a reader filters by: an operation's kind is "cells", "import" or "<object>.<action>".
KINDS = {
    "cells": "Cell edits",
    "import": "Imports",
    "journey": "Journeys",
    "stage": "Stages",
    "touchpoint": "Touchpoints",
    "function": "Functions",
    "role": "Roles",
    "assignment": "Confirmations and roles of letters",
    "reviewcampaign": "Ownership reviews",
    "organization": "Settings",
    "membership": "Members",
    "invitation": "Invitations",
    "apitoken": "API tokens",
    "auditschedule": "Audit schedule",
    "webhook": "Webhooks",
}


# Items shown inline in a feed; longer change sets are opened.
INLINE_ITEMS = 5

# What a change item says, as the API and the CSV export give it (after its change set's columns).
ITEM_COLUMNS = ("object_id", "journey_id", "touchpoint_id", "function_id", "field", "before", "after")


@dataclass(frozen=True)
class ChangeFilter:
    """The feeds' filters: who, what, when (and where: a journey)."""

    actor: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None
    journey_id: int | None = None

    def apply(self, change_sets: QuerySet[ChangeSet]) -> QuerySet[ChangeSet]:
        if self.actor:
            change_sets = change_sets.filter(actor_label=self.actor)
        if self.kind:
            change_sets = change_sets.filter(Q(kind=self.kind) | Q(kind__startswith=f"{self.kind}."))
        if self.since:
            change_sets = change_sets.filter(created_at__gte=_start_of(self.since))
        if self.until:
            change_sets = change_sets.filter(created_at__lt=_start_of(self.until, next_day=True))
        if self.journey_id:
            in_journey = ChangeItem.objects.filter(journey_id=self.journey_id).values("change_set_id")
            change_sets = change_sets.filter(Q(journey_id=self.journey_id) | Q(pk__in=in_journey))
        return change_sets


def _start_of(day: date, *, next_day: bool = False) -> datetime:
    moment = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return moment + timezone.timedelta(days=1) if next_day else moment


def change_sets_filtered(*, organization: Organization, changes: ChangeFilter) -> QuerySet[ChangeSet]:
    """The organization's change sets, newest first, with their number of items."""
    rows = ChangeSet.objects.filter(organization=organization).annotate(item_count=Count("items"))
    return changes.apply(rows).order_by("-id")


def change_actors(*, organization: Organization) -> list[str]:
    """Everyone who changed something, for the "who" filter."""
    rows = ChangeSet.objects.filter(organization=organization).exclude(actor_label="")
    return sorted(set(rows.values_list("actor_label", flat=True).distinct()))


def items_described(items: Sequence[ChangeItem], *, organization: Organization) -> list[ItemView]:
    """These items in words, their touchpoints, functions, roles and journeys by name (one query
    per kind of object named, and one more when some are deleted: ownership.history.words). A made
    touchpoint's item that carries its letters is shown as its cells too (items_expanded)."""
    items = items_expanded(items)
    book = NameBook(items, organization=organization)
    return [item_described(item, book) for item in items]


def one_cell_summary(change_set: ChangeSet, views: Sequence[ItemView]) -> str:
    """A change set's summary as people read it: a one-cell change names its cell and letters
    ("Parking lot × Service: R → A") where its stored summary says "1 cell changed"."""
    if change_set.kind == "cells" and len(views) == 1 and views[0].item.object_type == "cell":
        return views[0].line
    return change_set.summary


def change_set_summaries(change_sets: Sequence[ChangeSet], *, organization: Organization) -> dict[int, str]:
    """The summaries of a page of change sets (with item_count), one-cell changes named: one query
    for their items, and the names' (items_described)."""
    one_cell = [cs.pk for cs in change_sets if cs.kind == "cells" and cs.item_count == 1]
    items = list(ChangeItem.objects.filter(change_set_id__in=one_cell)) if one_cell else []
    views = {view.item.change_set_id: view for view in items_described(items, organization=organization)}
    return {cs.pk: one_cell_summary(cs, [views[cs.pk]] if cs.pk in views else []) for cs in change_sets}


@dataclass(frozen=True)
class FeedEntry:
    change_set: ChangeSet
    items: list[ItemView]  # shown inline when the set is small, else empty

    @property
    def summary(self) -> str:
        return one_cell_summary(self.change_set, self.items)

    @property
    def named_in_summary(self) -> bool:
        """A one-cell change says it all in its summary: its item is not listed again."""
        return self.summary != self.change_set.summary


def feed_entries(change_sets: Iterable[ChangeSet], *, organization: Organization) -> list[FeedEntry]:
    """A page of change sets, the small ones with their items (one query for all of those)."""
    change_sets = list(change_sets)
    small = [cs.pk for cs in change_sets if cs.item_count <= INLINE_ITEMS]
    items = list(ChangeItem.objects.filter(change_set_id__in=small).order_by("id")) if small else []
    described = items_described(items, organization=organization)
    by_set: dict[int, list[ItemView]] = {}
    for view in described:
        by_set.setdefault(view.item.change_set_id, []).append(view)
    return [FeedEntry(cs, by_set.get(cs.pk, [])) for cs in change_sets]


def touchpoint_history(*, touchpoint: Touchpoint, limit: int = 200) -> list[ItemView]:
    """The touchpoint's cells and fields over time, newest first, with who and when."""
    items = list(
        ChangeItem.objects.filter(touchpoint_id=touchpoint.pk, change_set__organization_id=touchpoint.organization_id)
        .select_related("change_set")
        .order_by("-id")[:limit]
    )
    return items_described(items, organization=touchpoint.organization)
