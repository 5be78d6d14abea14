"""The history in words: "Role “Store manager”: function Retail → Service", never "Role #2 · function 2 → 3".

The history stores ids (cxowner.orgs.history). A name comes from what the history itself recorded
when it can — the values an item kept of an object made or deleted — else from the object as it is
now, else from the item that recorded its deletion ("Finance (deleted)"), else plain words ("a
deleted role"). The names of a page of items are read in one query per kind of object named
(touchpoints, functions, roles…) and one more for the deleted ones: a bounded number, however
many items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from cxowner.orgs.history import ChangeItem
from cxowner.orgs.models import ApiToken, Invitation, Membership, Organization
from journeys.models import Journey, Stage, Touchpoint
from ownership.engine.schedule_words import cron_in_words
from ownership.models import Function, ReviewCampaign, Role, Scenario, Webhook

# What each kind of object the history records is called.
NOUNS = {
    "cell": "cell",
    "touchpoint": "touchpoint",
    "function": "function",
    "journey": "journey",
    "stage": "stage",
    "role": "role",
    "assignment": "letter",
    "reviewcampaign": "review campaign",
    "scenario": "scenario",
    "apitoken": "API token",
    "webhook": "webhook",
    "invitation": "invitation",
    "membership": "member",
    "organization": "organization",
    "auditschedule": "audit schedule",
    "reportschedule": "monthly report",
    "gapcomment": "comment",
}

# Where the current name of each kind of object is read (model, the field that names it).
NAMED_BY = {
    "touchpoint": (Touchpoint, "name"),
    "function": (Function, "name"),
    "journey": (Journey, "name"),
    "stage": (Stage, "name"),
    "role": (Role, "title"),
    "reviewcampaign": (ReviewCampaign, "name"),
    "scenario": (Scenario, "name"),
    "apitoken": (ApiToken, "name"),
    "webhook": (Webhook, "url"),
    "invitation": (Invitation, "email"),
    "membership": (Membership, "user__username"),
}

# The keys under which an item's recorded values name their object, best first.
_NAME_KEYS = ("name", "title", "email", "url", "username")

# Fields whose values are ids of another object: the kind of object they name.
REFERENCES = {
    "function": "function",
    "function_id": "function",
    "role": "role",
    "role_id": "role",
    "owner": "role",
    "journey": "journey",
    "journey_id": "journey",
    "stage": "stage",
    "stage_id": "stage",
    "touchpoint_id": "touchpoint",
    "holder_member": "membership",
    "holder_member_id": "membership",
}

# Fields as people call them; any other reads as its name in words ("review_period_days" → "review period days").
FIELD_WORDS = {
    "letters": "",
    "schedule": "",
    "confirmed_at": "confirmed",
    "holder_name": "holder",
    "holder_email": "holder's e-mail",
    "holder_member": "holder's account",
    "owner": "manager",
    "enabled": "active",
    "is_active": "active",
    "revoked_at": "revoked",
}

# Objects that are one per organization: named by their noun alone.
_SINGLE = {"auditschedule": "Audit schedule", "reportschedule": "Monthly report", "organization": "Settings"}


def noun(object_type: str) -> str:
    return NOUNS.get(object_type, object_type.replace("_", " "))


def field_words(field: str) -> str:
    if field in FIELD_WORDS:
        return FIELD_WORDS[field]
    return field.removesuffix("_id").replace("_", " ")


@dataclass(frozen=True)
class ItemView:
    """One item as a person reads it: what changed (by name), before and after, and where."""

    item: ChangeItem
    subject: str  # "Parking lot × Service", "Role “Store manager”", "Audit schedule"
    field: str  # in words; empty for a cell's letters, a schedule, an object made or deleted
    before: str
    after: str
    journey: str = ""  # the journey of a cell, a letter or a touchpoint, by name
    action: str = ""  # "created" or "deleted" for an object made or deleted

    @property
    def line(self) -> str:
        """The item in one sentence: "Parking lot × Service: R → A", "Role “Cashier” deleted"."""
        if self.action:
            return f"{self.subject} {self.action}"
        if self.item.field == "confirmed_at":
            return f"{self.subject}: confirmed"
        field = f"{self.field} " if self.field else ""
        return f"{self.subject}: {field}{self.before} → {self.after}"


class NameBook:
    """The names of every object a list of items speaks of, read at once (see the module's docstring)."""

    def __init__(self, items: Sequence[ChangeItem], *, organization: Organization) -> None:
        wanted: dict[str, set[int]] = {}
        for item in items:
            for kind, object_id in _named_by(item):
                if object_id is not None:
                    wanted.setdefault(kind, set()).add(object_id)
        self.names: dict[str, dict[int, str]] = {}
        for kind, ids in wanted.items():
            model, field = NAMED_BY[kind]
            rows = model.objects.filter(pk__in=ids, organization=organization)
            self.names[kind] = dict(rows.values_list("pk", field))
        gone = {kind: ids - set(self.names[kind]) for kind, ids in wanted.items() if ids - set(self.names[kind])}
        for kind, found in _deleted_names(organization, gone).items():
            self.names[kind].update(found)

    def name(self, kind: str, object_id: int | None) -> str:
        """The object's name, or "a deleted role" when nothing names it any more."""
        return self.names.get(kind, {}).get(object_id) or f"a deleted {noun(kind)}"


def _named_by(item: ChangeItem) -> Iterable[tuple[str, int | None]]:
    """The objects an item needs named: its own, its cell's, and those its values point at."""
    if item.object_type in ("cell", "assignment"):
        yield from (("touchpoint", item.touchpoint_id), ("function", item.function_id))
    elif item.object_type in NAMED_BY:
        yield item.object_type, item.object_id
    if item.journey_id and item.object_type in ("cell", "assignment", "touchpoint"):
        yield "journey", item.journey_id
    kind = REFERENCES.get(item.field)
    if kind:
        for value in (item.before, item.after):
            if isinstance(value, int) and not isinstance(value, bool):
                yield kind, value


def _deleted_names(organization: Organization, gone: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    """Names of deleted objects, from the items that recorded their deletion (whole-object items:
    no field, nothing after); one query for every kind."""
    if not gone:
        return {}
    wanted = Q()
    for kind, ids in gone.items():
        wanted |= Q(object_type=kind, object_id__in=ids)
    rows = ChangeItem.objects.filter(wanted, change_set__organization=organization, field="", after__isnull=True)
    names: dict[str, dict[int, str]] = {}
    for kind, object_id, before in rows.values_list("object_type", "object_id", "before"):
        recorded = _recorded_name(before)
        if recorded:
            names.setdefault(kind, {})[object_id] = f"{recorded} (deleted)"
    return names


def _recorded_name(values) -> str | None:
    if isinstance(values, dict):
        for key in _NAME_KEYS:
            if values.get(key):
                return str(values[key])
    return None


def item_described(item: ChangeItem, book: NameBook) -> ItemView:
    kind = item.object_type
    journey = book.name("journey", item.journey_id) if item.journey_id and "journey" in book.names else ""
    if kind in ("cell", "assignment"):
        subject = f"{book.name('touchpoint', item.touchpoint_id)} × {book.name('function', item.function_id)}"
    elif kind in _SINGLE:
        subject = _SINGLE[kind]
    else:
        # What the item recorded first (the name when it was made or deleted), then the book.
        recorded = _recorded_name(item.after) or _recorded_name(item.before)
        name = recorded or book.names.get(kind, {}).get(item.object_id)
        if name:
            subject = f"{noun(kind).capitalize()} “{name}”"
        else:
            # An object of a kind with a name that nothing names any more; a kind without one
            # (a comment) by its noun alone.
            subject = f"A deleted {noun(kind)}" if kind in NAMED_BY else noun(kind).capitalize()
    if kind == "journey":
        journey = ""
    if not item.field:
        action = "deleted" if item.after is None else "created"
        before = "" if item.before is None else "existed"
        return ItemView(item, subject, "", before, action, journey, action)
    before, after = (_value(item, value, book) for value in (item.before, item.after))
    return ItemView(item, subject, field_words(item.field), before, after, journey)


def _value(item: ChangeItem, value, book: NameBook) -> str:
    kind = REFERENCES.get(item.field)
    if kind and isinstance(value, int) and not isinstance(value, bool):
        return book.name(kind, value)
    if item.object_type == "auditschedule" and item.field == "schedule" and isinstance(value, str):
        return cron_in_words(value)
    return shown(value)


def shown(value) -> str:
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
