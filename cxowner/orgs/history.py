"""The record of every change: one ChangeSet per operation, with one ChangeItem per value changed.

Why a table written by the services, and not django-simple-history, django-auditlog or
django-pghistory: the writes that matter most here are bulk writes — a 10k-row import, a
200-cell matrix PATCH — made with bulk_create, update() and raw deletes. The signal-based
libraries record nothing for those, and pghistory's triggers need PostgreSQL while the embedded
default is SQLite. A service knows what one operation means ("import of acquisition.csv",
"3 cells of Cashier"), so it writes the change set itself, in its own transaction, in bulk:
one INSERT for the set and one bulk INSERT for its items, however many there are (on SQLite
the items go in batches under its 999-variable limit).

Who and through which surface come from `change_context` (cxowner.orgs.change_context), set
by the edges (middleware, API views, commands, tasks); services never read `request`.

The record is append-only: the default manager refuses update() and delete(), and a saved
row refuses save() and delete(). Only deleting the whole organization removes its history
(Django's cascade goes through the base manager).

Ids of journeys, touchpoints and functions are plain integers, not foreign keys: the history of
a deleted touchpoint outlives it, and this lowest layer does not import the apps above it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .bulk import columns_insert
from .change_context import current_change_context
from .live import live_record


class AppendOnly(Exception):
    """Someone tried to change or delete the record of a change."""

    def __init__(self) -> None:
        super().__init__("The history of changes is append-only: it cannot be changed or deleted.")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly()

    def delete(self):
        raise AppendOnly()

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnly()

    def update_or_create(self, *args, **kwargs):
        raise AppendOnly()


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly()


class Surface(models.TextChoices):
    BROWSER = "browser", "Browser"
    API = "api", "API"
    CLI = "cli", "Command line"
    TASK = "task", "Background task"
    SYSTEM = "system", "System"


class ChangeSet(AppendOnlyModel):
    """One operation that changed an organization: who, when, through which surface, what kind."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="change_sets")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_token = models.ForeignKey("orgs.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The actor as named when the change was made: it outlives a deleted user or token.
    actor_label = models.CharField(max_length=200, blank=True)
    surface = models.CharField(max_length=10, choices=Surface.choices)
    kind = models.CharField(max_length=40, help_text="What the operation was: cells, import, touchpoint.update …")
    summary = models.CharField(max_length=300)
    # The journey the change is about, when it is about one (the journey's activity feed).
    journey_id = models.BigIntegerField(null=True, blank=True)
    # The change set this one puts back (an undo, a redo, an admin's revert). Rows never change,
    # so a user's undo and redo stacks are read from these links (ownership/editor/undo.py).
    reverts = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="reverted_by")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "-id"], name="changeset_org_recent"),
            models.Index(fields=["journey_id", "-id"], name="changeset_journey_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.summary} ({self.actor_label or 'system'}, {self.created_at:%Y-%m-%d %H:%M})"


class ChangeItem(AppendOnlyModel):
    """One value an operation changed: a cell's letters, a field of an object, an object made or gone."""

    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="items")
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True, blank=True)
    journey_id = models.BigIntegerField(null=True, blank=True)
    touchpoint_id = models.BigIntegerField(null=True, blank=True)
    function_id = models.BigIntegerField(null=True, blank=True)
    field = models.CharField(
        max_length=60, help_text="The field or cell changed; empty when the object was made or deleted."
    )
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["id"]
        # The touchpoint history, and the journey and function filters of the feeds; the last
        # change of one object, which a stale write names (cxowner.orgs.versions). Cells have no
        # object id: the bulk of an import's items stays out of that index.
        indexes = [
            models.Index(fields=["touchpoint_id", "-id"], name="changeitem_touchpoint_recent"),
            models.Index(fields=["journey_id"], name="changeitem_journey"),
            models.Index(fields=["function_id"], name="changeitem_function"),
            models.Index(
                fields=["object_type", "object_id", "-id"],
                name="changeitem_object_recent",
                condition=models.Q(object_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} {self.field}: {self.before!r} → {self.after!r}"


@dataclass(frozen=True)
class Change:
    """One value changed, before it is written as a ChangeItem."""

    object_type: str
    object_id: int | None
    field: str = ""
    before: Any = None
    after: Any = None
    journey_id: int | None = None
    touchpoint_id: int | None = None
    function_id: int | None = None


def plain(value: Any) -> Any:
    """A value as the history stores it: objects by id, decimals and times as text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def letters_text(letters: Iterable[str]) -> str:
    """A cell's letters in the matrix's order, the way people write them: "A/R" → "RA"."""
    held = set(letters)
    return "".join(letter for letter in "RACI" if letter in held)


# A touchpoint an operation made can carry its first letters in its own item, after["cells"]
# (function id as text → letters), instead of one cell item each, every cell going from empty:
# an import of 10k new touchpoints records 10k items, not 45k (their insert and their key checks
# at commit were most of the import's history). Readers see the cells through items_expanded.
MADE_WITH_CELLS = "cells"


def items_expanded(items: Iterable[ChangeItem]) -> list[ChangeItem]:
    """The items as one cell item each: a made touchpoint's item carrying its letters is followed
    by its cells (unsaved items, without an id: they are part of the touchpoint's stored item)."""
    expanded: list[ChangeItem] = []
    for item in items:
        expanded.append(item)
        after = item.after
        if item.object_type != "touchpoint" or not isinstance(after, dict) or MADE_WITH_CELLS not in after:
            continue
        item.after = {key: value for key, value in after.items() if key != MADE_WITH_CELLS}
        expanded += [
            ChangeItem(
                change_set_id=item.change_set_id,
                object_type="cell",
                journey_id=item.journey_id,
                touchpoint_id=item.touchpoint_id,
                function_id=int(function_id),
                field="letters",
                before="",
                after=letters,
            )
            for function_id, letters in after[MADE_WITH_CELLS].items()
        ]
    return expanded


def cell_emptied(letters: Iterable[str], *, journey_id: int, touchpoint_id: int, function_id: int) -> Change:
    """A cell whose letters go with its touchpoint or its function: the history shows it emptied."""
    return Change("cell", None, "letters", letters_text(letters), "", journey_id, touchpoint_id, function_id)


def change_set_record(
    *,
    organization_id: int,
    kind: str,
    summary: str,
    changes: Iterable[Change],
    journey_id: int | None = None,
    reverts_id: int | None = None,
) -> ChangeSet | None:
    """Write one change set with its items, in the caller's transaction. None if nothing changed.

    `reverts_id` names the change set this one puts back (undo, redo, revert)."""
    changes = list(changes)
    combined = _combined.get()
    if combined is not None:
        combined.extend(changes)
        return None
    if not changes:
        return None
    context = current_change_context()
    change_set = ChangeSet.objects.create(
        organization_id=organization_id,
        actor_user_id=context.user_id,
        actor_token_id=context.token_id,
        actor_label=context.label[:200],
        surface=context.surface,
        kind=kind,
        summary=summary[:300],
        journey_id=journey_id,
        reverts_id=reverts_id,
    )
    # Column by column, without an instance per item: an import records tens of thousands.
    columns_insert(
        ChangeItem,
        {
            "change_set_id": [change_set.pk] * len(changes),
            "object_type": [change.object_type for change in changes],
            "object_id": [change.object_id for change in changes],
            "journey_id": [change.journey_id for change in changes],
            "touchpoint_id": [change.touchpoint_id for change in changes],
            "function_id": [change.function_id for change in changes],
            "field": [change.field for change in changes],
            "before": [change.before for change in changes],
            "after": [change.after for change in changes],
        },
    )
    live_record(
        organization_id=organization_id,
        kind=kind,
        journey_ids=[journey_id, *(change.journey_id for change in changes)],
        touchpoint_ids=[change.touchpoint_id for change in changes],
        cells=(
            {"touchpoint_id": c.touchpoint_id, "function_id": c.function_id, "letters": c.after or ""}
            for c in changes
            if c.object_type == "cell"
        ),
        change_set=change_set.pk,
    )
    return change_set


@dataclass
class CombinedChanges:
    """What change_set_combined collects, and the change set it wrote (None if nothing changed)."""

    changes: list[Change]
    change_set: ChangeSet | None = None


# Set inside change_set_combined: the changes of every service called there, written as one set.
_combined: ContextVar[list[Change] | None] = ContextVar("change_set_combined", default=None)


@contextmanager
def change_set_combined(
    *, organization_id: int, kind: str, summary: str, journey_id: int | None = None
) -> Iterator[CombinedChanges]:
    """Record every service called inside as ONE change set (a scenario applied: one operation).

    Call it inside the caller's transaction; nothing is written if the block raises.
    """
    combined = CombinedChanges(changes=[])
    reset = _combined.set(combined.changes)
    try:
        yield combined
    finally:
        _combined.reset(reset)
    combined.change_set = change_set_record(
        organization_id=organization_id, kind=kind, summary=summary, changes=combined.changes, journey_id=journey_id
    )


def object_changes(
    *, object_type: str, object_id: int, before: Mapping[str, Any], after: Mapping[str, Any], **ids: int | None
) -> list[Change]:
    """The fields whose values differ between two readings of one object."""
    return [
        Change(object_type, object_id, field, plain(before.get(field)), plain(after.get(field)), **ids)
        for field in after
        if plain(before.get(field)) != plain(after.get(field))
    ]


# Fields that say nothing a reader asks about: identity, bookkeeping, derived keys.
# Secrets are never recorded, not even hashed.
_UNRECORDED_FIELDS = {
    "id",
    "organization_id",
    "version",
    "name_key",
    "created_at",
    "updated_at",
    "key_hash",
    "token_hash",
    "secret",
}


def history_ids(obj: models.Model) -> dict[str, int | None]:
    """The journey, touchpoint and function an object belongs to, for the feeds' filters."""
    model_name = obj._meta.model_name
    return {
        "journey_id": obj.pk if model_name == "journey" else getattr(obj, "journey_id", None),
        "touchpoint_id": obj.pk if model_name == "touchpoint" else getattr(obj, "touchpoint_id", None),
        "function_id": obj.pk if model_name == "function" else getattr(obj, "function_id", None),
    }


def object_values(obj: models.Model) -> dict[str, Any]:
    """What a reader of the history wants to know of an object made or deleted."""
    return {
        field.attname: plain(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.attname not in _UNRECORDED_FIELDS
    }


def object_created(obj: models.Model) -> Change:
    return Change(obj._meta.model_name, obj.pk, "", None, object_values(obj), **history_ids(obj))


def object_deleted(obj: models.Model) -> Change:
    return Change(obj._meta.model_name, obj.pk, "", object_values(obj), None, **history_ids(obj))


# What a summary calls an object of each kind where its model's name does not read ("Apitoken").
SUMMARY_NOUNS = {
    "apitoken": "API token",
    "membership": "Member",
    "assignment": "Letter",
    "reportschedule": "Monthly report",
    "gapcomment": "Comment",
    "reviewcampaign": "Review campaign",
    "scimuser": "SCIM user",
    "scimgroup": "SCIM group",
}


def object_record(
    *, obj: models.Model, action: str, changes: Iterable[Change], organization_id: int | None = None
) -> ChangeSet | None:
    """The change set of one object's create, update or delete, summarised for the feeds:
    "Role “CFO (Rui Costa)” updated", "Member “sam” removed" (an object's `history_name`, when it
    has one, names it; else its str()).

    The organization is the object's own, unless given (the organization itself has none).
    """
    meta = obj._meta
    ids = history_ids(obj)
    noun = SUMMARY_NOUNS.get(meta.model_name) or str(meta.verbose_name).capitalize()
    name = getattr(obj, "history_name", None) or str(obj)
    return change_set_record(
        organization_id=organization_id or obj.organization_id,
        kind=f"{meta.model_name}.{action}",
        summary=f"{noun} “{name}” {action}{'d' if action.endswith('e') else 'ed'}",
        changes=changes,
        journey_id=ids["journey_id"],
    )
