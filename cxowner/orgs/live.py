"""The change feed every open page follows: one LiveEvent per change that reaches the live gap state.

Why a table of its own rather than the ChangeSet id as the cursor: the gap workflow (assign,
acknowledge, accept, reopen), comments and an audit's repairs write no ChangeSet, yet pages must
hear of them and catch up on them after a dropped connection. One feed with one increasing id
gives every kind of change the same cursor; a change set's event carries its id as `change_set`.

The event is written inside the change's transaction (so it exists exactly when the change does)
and, once that commits, sent to the organization's group on the channel layer: with Redis by the
process's publisher thread (cxowner.orgs.live_publisher), so the write does not wait for it. Without Redis the
layer lives inside one process: `make run`'s worker could not reach the web server's pages, so
there the web process relays the table instead (cxowner.orgs.live_relay), and nothing is sent
on commit (LIVE_RELAY).

A message is small and its size does not grow with the journey: the ids of what changed, the
letters of at most LIVE_CELLS_MAX cells, and the actor. A page fetches the few rows and figures
it shows (or, past LIVE_IDS_MAX touchpoints, `partial`, the whole part it shows).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from itertools import islice

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .change_context import current_change_context
from .live_publisher import publisher

# Past this many touchpoints a message names only the journeys (`partial`): the page reloads them.
LIVE_IDS_MAX = 200
LIVE_CELLS_MAX = 200


class LiveEvent(models.Model):
    """One change pushed to the organization's open pages; its id is the pages' cursor."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    message = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["organization", "id"], name="liveevent_org_cursor")]

    def __str__(self) -> str:
        return f"{self.message.get('kind')} #{self.pk}"

    def as_message(self) -> dict:
        return {**self.message, "cursor": self.pk}


def org_group(organization_id: int) -> str:
    return f"org.{organization_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def live_record(
    *,
    organization_id: int,
    kind: str,
    journey_ids: Iterable[int | None] = (),
    touchpoint_ids: Iterable[int | None] = (),
    gap_ids: Iterable[int] = (),
    cells: Iterable[dict] = (),
    **extra,
) -> LiveEvent:
    """Write the event of one change in the caller's transaction; it is pushed once that commits."""
    touchpoints = sorted({t for t in touchpoint_ids if t is not None})
    gaps = sorted(set(gap_ids))
    cells = list(islice(cells, LIVE_CELLS_MAX + 1))  # an import's 45k cells are not all listed
    partial = len(touchpoints) > LIVE_IDS_MAX or len(gaps) > LIVE_IDS_MAX or len(cells) > LIVE_CELLS_MAX
    label = current_change_context().label
    message = {
        "type": "change",
        "kind": kind,
        "journey_ids": sorted({j for j in journey_ids if j is not None}),
        "touchpoint_ids": [] if partial else touchpoints,
        "gap_ids": [] if partial else gaps,
        "cells": [] if partial else cells,
        "partial": partial,
        "actor": {"name": label} if label else None,
        **extra,
    }
    event = LiveEvent.objects.create(organization_id=organization_id, message=message)
    if not settings.LIVE_RELAY:
        # robust: a channel layer that is down must not turn a saved change into an error.
        transaction.on_commit(lambda: live_send(organization_id, event.as_message()), robust=True)
    return event


def live_send(organization_id: int, message: dict) -> None:
    """Push one message to every open page of the organization (from sync code)."""
    _group_send(org_group(organization_id), {"type": "live.change", "message": message})


def session_ended(*, user_id: int, organization_id: int | None = None) -> None:
    """Close the user's sockets (of one organization, or all): logged out, or no longer a member."""
    _group_send(user_group(user_id), {"type": "live.ended", "organization_id": organization_id})


def _group_send(group: str, message: dict) -> None:
    """A layer that is a service (Redis) is sent to by this process's publisher thread, so the
    caller does not wait for it (cxowner.orgs.live_publisher). The in-memory layer (`make run`,
    the socket tests) lives on the socket server's own loop, in this process: async_to_sync hands
    it the message there, and a loop of the publisher's would not wake its consumers."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
    else:
        publisher.publish(layer.group_send, group, message)


def live_events_after(*, organization_id: int, cursor: int, limit: int) -> tuple[list[dict], bool]:
    """The messages after `cursor`, oldest first, and whether there were more than `limit`."""
    events = LiveEvent.objects.filter(organization_id=organization_id, pk__gt=cursor).order_by("pk")[: limit + 1]
    messages = [event.as_message() for event in events]
    return messages[:limit], len(messages) > limit


def live_cursor(*, organization_id: int) -> int:
    """The organization's latest cursor: a page loaded now has seen everything up to it."""
    last = LiveEvent.objects.filter(organization_id=organization_id).order_by("-pk").values_list("pk", flat=True)
    return last.first() or 0


def live_events_prune() -> int:
    """Forget the changes older than LIVE_FEED_KEEP_HOURS; how many were forgotten."""
    before = timezone.now() - timedelta(hours=settings.LIVE_FEED_KEEP_HOURS)
    deleted, _ = LiveEvent.objects.filter(created_at__lt=before).delete()
    return deleted


def live_feed_forgot_after(cursor: int) -> bool:
    """Whether changes after `cursor` may have been forgotten (pruned): the oldest change kept, of
    any organization, came more than one step after it."""
    oldest = LiveEvent.objects.order_by("pk").values_list("pk", flat=True).first()
    return cursor > 0 and oldest is not None and cursor < oldest - 1
