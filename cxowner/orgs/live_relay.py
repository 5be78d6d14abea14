"""Without Redis, the web process relays the change feed to its open pages (LIVE_RELAY).

The in-memory channel layer of `make run` lives in the web server's process; the Celery worker
writes in another. Both write every change's LiveEvent to the database they share, so the web
process reads the events after the last one it sent every LIVE_RELAY_SECONDS (one indexed query)
and sends them on: a change made by the worker reaches the pages as one made by a request does,
within the period. With Redis the writers send on commit themselves and nothing is relayed.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from .live import LiveEvent, org_group

logger = logging.getLogger(__name__)
BATCH = 500
_relay: asyncio.Task | None = None


def relay_ensure() -> None:
    """Start this process's relay if the settings ask for one and it does not run yet."""
    global _relay
    if not settings.LIVE_RELAY:
        return
    loop = asyncio.get_running_loop()
    if _relay is None or _relay.done() or _relay.get_loop() is not loop:
        _relay = loop.create_task(relay_run())


@database_sync_to_async
def _latest() -> int:
    return LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@database_sync_to_async
def _after(cursor: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(pk__gt=cursor).order_by("pk")[:BATCH])


async def relay_run() -> None:
    cursor, failing = 0, True
    while True:
        try:
            cursor = await _latest() if failing and not cursor else await relay_tick(cursor)
            failing = False
        except Exception:
            # A locked or briefly unreachable database: the next period tries again from the same
            # cursor. Said once per outage, not every period.
            if not failing:
                logger.exception("The live relay could not read the change feed")
            failing = True
        await asyncio.sleep(settings.LIVE_RELAY_SECONDS)


async def relay_tick(cursor: int) -> int:
    """Send the events after `cursor` to their organizations' pages; the new cursor."""
    layer = get_channel_layer()
    events = await _after(cursor)
    if not events:
        # A feed that went back (a database restored or emptied) is followed from its new end.
        return min(cursor, await _latest())
    for event in events:
        await layer.group_send(org_group(event.organization_id), {"type": "live.change", "message": event.as_message()})
        cursor = event.pk
    return cursor
