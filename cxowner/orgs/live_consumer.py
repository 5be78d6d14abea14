"""The live socket of one organization's page: the changes pushed to it, and who else is here.

Who: the session (AuthMiddlewareStack), and a membership of the organization in the URL, checked
on connect; outsiders are refused exactly as anonymous visitors are. The socket never writes:
changes go through the pages' and the API's services, which check the role. A page only says
where its user is (`announce`), so a viewer's socket can do nothing more than an editor's.

A session that ends closes its sockets: logging out and losing the membership send the user's
group "live.ended" (cxowner.orgs.live_signals), and every received message and every
LIVE_SESSION_CHECK_SECONDS the socket checks the session and the membership again, which also
catches a session deleted behind the app's back.

Presence is kept by the sockets themselves, with no table: each announces its user's place to
the organization's group, answers a newcomer directly with its own, and forgets a place not
heard of again within PRESENCE_TTL (pages re-announce every 25 s).
"""

from __future__ import annotations

import asyncio
import time
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user

from .live import org_group, user_group
from .live_presence import Place, PresenceRefused, person_of, place_read
from .live_relay import relay_ensure
from .models import Membership

PRESENCE_TTL = 70
# Close codes the page tells apart (static/js/live.js): it stops reconnecting on these.
CLOSED_NOT_ALLOWED = 4403
CLOSED_SESSION_ENDED = 4401


class _Request:
    """What django.contrib.auth.get_user reads of a request: its session."""

    def __init__(self, session):
        self.session = session


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.organization_id = None
        self.tick = None
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["org"]
        membership = await self._membership(user, slug) if user is not None and user.is_authenticated else None
        if membership is None:
            await self.close(code=CLOSED_NOT_ALLOWED)
            return
        self.organization_id = membership.organization_id
        self.user_id = user.pk
        self.session_key = self.scope["session"].session_key
        self.person = person_of(user)
        self.can_type = membership.can_edit
        self.place: Place | None = None
        self.others: dict[str, dict] = {}
        await self.channel_layer.group_add(org_group(self.organization_id), self.channel_name)
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "you": self.person, "role": membership.role})
        self.tick = asyncio.get_running_loop().create_task(self._checks())
        relay_ensure()

    @database_sync_to_async
    def _membership(self, user, slug: str) -> Membership | None:
        return Membership.objects.filter(user=user, organization__slug=slug).first()

    async def disconnect(self, code) -> None:
        if self.organization_id is None:
            return
        if self.tick is not None:
            self.tick.cancel()
        group = org_group(self.organization_id)
        if self.place is not None:
            await self.channel_layer.group_send(group, {"type": "presence.gone", "channel": self.channel_name})
        await self.channel_layer.group_discard(group, self.channel_name)
        await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)

    # Checks ------------------------------------------------------------------------------------
    @database_sync_to_async
    def _still_allowed(self) -> bool:
        """The session still exists and is this user's (its password unchanged), and the user is
        still a member of the organization."""
        store = import_module(settings.SESSION_ENGINE).SessionStore(self.session_key)
        user = get_user(_Request(store))
        return (
            user.pk == self.user_id
            and Membership.objects.filter(user_id=self.user_id, organization_id=self.organization_id).exists()
        )

    async def _checks(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_SESSION_CHECK_SECONDS)
            if not await self._still_allowed():
                await self.close(code=CLOSED_SESSION_ENDED)
                return
            self._forget_silent()

    def _forget_silent(self) -> None:
        now = time.monotonic()
        gone = [channel for channel, state in self.others.items() if now - state["heard"] > PRESENCE_TTL]
        for channel in gone:
            del self.others[channel]

    # From the page -----------------------------------------------------------------------------
    async def receive_json(self, content, **kwargs) -> None:
        if not await self._still_allowed():
            await self.close(code=CLOSED_SESSION_ENDED)
            return
        if not isinstance(content, dict) or content.get("type") != "announce":
            await self.send_json(
                {"type": "error", "message": "This connection only says where you are: changes are saved by the page."}
            )
            return
        try:
            place = place_read(content, can_type=self.can_type)
        except PresenceRefused as refused:
            await self.send_json({"type": "error", "message": str(refused)})
            return
        previous, self.place = self.place, place
        await self._place_send(group=True)
        await self._people_send(place.page)
        if previous is not None and previous.page != place.page:
            await self._people_send(previous.page, only_if_mine=True)

    async def _place_send(self, *, group: bool, to: str | None = None) -> None:
        message = {
            "type": "presence.place",
            "channel": self.channel_name,
            "person": self.person,
            "place": self.place.as_dict() if self.place else None,
            "reply": not group,
        }
        if group:
            await self.channel_layer.group_send(org_group(self.organization_id), message)
        else:
            await self.channel_layer.send(to, message)

    async def _people_send(self, page: str, *, only_if_mine: bool = False) -> None:
        if only_if_mine and (self.place is None or self.place.page != page):
            return
        people = [
            {**state["person"], **{k: v for k, v in state["place"].items() if k != "page"}}
            for state in self.others.values()
            if state["place"] and state["place"]["page"] == page and state["person"]["id"] != self.user_id
        ]
        await self.send_json({"type": "presence", "page": page, "people": people})

    # From the group ----------------------------------------------------------------------------
    async def live_change(self, event) -> None:
        await self.send_json(event["message"])

    async def live_ended(self, event) -> None:
        if event.get("organization_id") in (None, self.organization_id):
            await self.close(code=CLOSED_SESSION_ENDED)

    async def presence_place(self, event) -> None:
        channel = event["channel"]
        if channel == self.channel_name:
            return
        before = self.others.get(channel)
        self.others[channel] = {"person": event["person"], "place": event["place"], "heard": time.monotonic()}
        if before is None and not event["reply"] and self.place is not None:
            await self._place_send(group=False, to=channel)  # a newcomer learns where we are
        if self.place is not None:
            pages = {p["page"] for p in (event["place"], before and before["place"]) if p}
            if self.place.page in pages:
                await self._people_send(self.place.page)

    async def presence_gone(self, event) -> None:
        state = self.others.pop(event["channel"], None)
        if state and state["place"] and self.place is not None and state["place"]["page"] == self.place.page:
            await self._people_send(self.place.page)
