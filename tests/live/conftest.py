"""Live sockets under test: the whole ASGI application (Origin check, session, routing) driven by
channels' WebsocketCommunicator, on an in-memory channel layer with changes sent on commit.

Each test's scenario is an async function run with async_to_sync from the test's thread, so the
consumer's database calls (thread-sensitive) run on the test's own connection."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from tests.factories import client_for


@pytest.fixture(autouse=True)
def live_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.LIVE_RELAY = False


@pytest.fixture
def socket_of():
    """socket_of(user, slug) -> a WebsocketCommunicator of the user's session on /ws/o/<slug>/live/;
    user None: no session; origin: the page's address (another site's is refused)."""
    from cxowner.asgi import application

    def make(user, slug: str, origin: bytes = b"http://127.0.0.1:8000") -> WebsocketCommunicator:
        headers = [(b"origin", origin)]
        if user is not None:
            session = client_for(user).cookies["sessionid"].value
            headers.append((b"cookie", f"sessionid={session}".encode()))
        return WebsocketCommunicator(application, f"/ws/o/{slug}/live/", headers=headers)

    return make


def run(scenario):
    """Run an async scenario (a coroutine function, or a function returning a coroutine) from the test."""

    async def scenario_run():
        return await scenario()

    return async_to_sync(scenario_run)()
