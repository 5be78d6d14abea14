"""Reads of the history of changes: the feeds, one change set, a touchpoint's cells over time.

The history stores ids (cxowner.orgs.history); the names people read are looked up here, a
constant number of queries per page. Names of objects since deleted come from the history
itself (what the item recorded), else "#id".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cxowner.orgs.history import ChangeItem, ChangeSet, items_expanded
from cxowner.orgs.models import Organization
from journeys.models import Journey, Touchpoint
from ownership.models import Function

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


@dataclass(frozen=True)
class ItemView:
    """One item as a person reads it: what changed (by name), before and after."""

    item: ChangeItem
    subject: str
    field: str
    before: str
    after: str


def items_described(items: Sequence[ChangeItem], *, organization: Organization) -> list[ItemView]:
    """Name the touchpoints, functions and journeys of these items (three queries, and one more
    when some of them are deleted: they are named as their deletion recorded them). A made
    touchpoint's item that carries its letters is shown as its cells too (items_expanded)."""
    items = items_expanded(items)
    touchpoint_ids = {item.touchpoint_id for item in items if item.touchpoint_id}
    function_ids = {item.function_id for item in items if item.function_id}
    journey_ids = {item.journey_id for item in items if item.journey_id}
    touchpoints = _names(Touchpoint.objects.filter(organization=organization), touchpoint_ids)
    functions = _names(Function.objects.filter(organization=organization), function_ids)
    journeys = _names(Journey.objects.filter(organization=organization), journey_ids)
    gone = {
        kind: ids - set(found)
        for kind, ids, found in (
            ("touchpoint", touchpoint_ids, touchpoints),
            ("function", function_ids, functions),
            ("journey", journey_ids, journeys),
        )
        if ids - set(found)
    }
    if gone:
        deleted = _deleted_names(organization, gone)
        touchpoints = {**deleted.get("touchpoint", {}), **touchpoints}
        functions = {**deleted.get("function", {}), **functions}
        journeys = {**deleted.get("journey", {}), **journeys}
    return [_described(item, touchpoints, functions, journeys) for item in items]


def _names(rows: QuerySet, ids: set[int]) -> dict[int, str]:
    return dict(rows.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _deleted_names(organization: Organization, gone: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    """Names of deleted touchpoints, functions and journeys, from the items that recorded their
    deletion (whole-object items: no field, nothing after)."""
    wanted = Q()
    for kind, ids in gone.items():
        # Through the feeds' indexes: a deletion's item carries its own id as journey_id etc.
        wanted |= Q(object_type=kind, object_id__in=ids, **{f"{kind}_id__in": ids})
    rows = ChangeItem.objects.filter(wanted, change_set__organization=organization, field="", after__isnull=True)
    names: dict[str, dict[int, str]] = {}
    for kind, object_id, before in rows.values_list("object_type", "object_id", "before"):
        if isinstance(before, dict) and before.get("name"):
            names.setdefault(kind, {})[object_id] = f"{before['name']} (deleted)"
    return names


def _recorded_name(item: ChangeItem) -> str | None:
    for values in (item.after, item.before):
        if isinstance(values, dict):
            return values.get("name") or values.get("title") or values.get("email")
    return None


def _described(item: ChangeItem, touchpoints: dict, functions: dict, journeys: dict) -> ItemView:
    def name(names: dict, object_id: int | None) -> str:
        return names.get(object_id) or f"#{object_id}"

    if item.object_type == "cell":
        subject = f"{name(touchpoints, item.touchpoint_id)} × {name(functions, item.function_id)}"
    else:
        own = {"touchpoint": touchpoints, "function": functions, "journey": journeys}.get(item.object_type, {})
        label = own.get(item.object_id) or _recorded_name(item) or f"#{item.object_id}"
        subject = f"{item.object_type.capitalize()} {label}"
    if not item.field:
        return ItemView(
            item, subject, "", "" if item.before is None else "existed", "deleted" if item.after is None else "created"
        )
    return ItemView(item, subject, item.field, _shown(item.before), _shown(item.after))


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        # A recorded moment (confirmed_at …): as people read it, in the site's time zone.
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment:%-d %b %Y, %H:%M}"
    return str(value)


@dataclass(frozen=True)
class FeedEntry:
    change_set: ChangeSet
    items: list[ItemView]  # shown inline when the set is small, else empty


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
