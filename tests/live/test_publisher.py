"""The live publisher: pushes leave on a thread of their own, in order, never blocking a write
(cxowner/orgs/live_publisher.py)."""

import asyncio
import logging
import os
import threading

import pytest
from channels.layers import BaseChannelLayer

from cxowner.orgs.live import live_send, org_group, session_ended, user_group
from cxowner.orgs.live_publisher import Publisher, publisher

WAIT = 5  # seconds a flush may take before the test fails (never reached when it passes)


class Recorder:
    """An async send that keeps what it was given, and the thread it ran on."""

    def __init__(self):
        self.sent = []
        self.threads = set()

    async def __call__(self, *args):
        self.sent.append(args)
        self.threads.add(threading.current_thread())


class RecordingLayer(BaseChannelLayer):
    """A channel layer that is not the in-memory one (as Redis's is not): what it was sent."""

    sent: list = []

    async def group_send(self, group, message):
        RecordingLayer.sent.append((group, message))


@pytest.fixture
def recording_layer(settings):
    RecordingLayer.sent = []
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.live.test_publisher.RecordingLayer"}}
    yield RecordingLayer.sent


def test_a_published_message_is_sent_on_the_publishers_thread():
    send, own = Recorder(), Publisher()

    assert own.publish(send, "org.1", {"n": 1})
    assert own.flush(WAIT)

    assert send.sent == [("org.1", {"n": 1})]
    assert send.threads == {own.thread} != {threading.current_thread()}


def test_messages_leave_in_the_order_they_were_published():
    send, own = Recorder(), Publisher()

    for n in range(200):
        own.publish(send, f"org.{n % 3}", {"n": n})
    assert own.flush(WAIT)

    for organization in range(3):
        assert [m["n"] for group, m in send.sent if group == f"org.{organization}"] == list(range(organization, 200, 3))


def test_a_full_queue_drops_the_message_and_says_so(caplog):
    started, release = threading.Event(), threading.Event()

    async def blocked(*args):
        started.set()
        await asyncio.get_running_loop().run_in_executor(None, release.wait)

    send, own = Recorder(), Publisher(maxsize=1)
    own.publish(blocked)
    assert started.wait(WAIT)  # the thread holds the first message; the queue is empty
    assert own.publish(send, "org.1", {"n": 2})  # fills the queue
    with caplog.at_level(logging.WARNING, logger="cxowner.orgs.live_publisher"):
        assert not own.publish(send, "org.1", {"n": 3})
    release.set()
    assert own.flush(WAIT)

    assert send.sent == [("org.1", {"n": 2})]
    assert "Live push queue full" in caplog.text


def test_a_send_that_fails_does_not_stop_the_ones_after_it(caplog):
    async def failing(*args):
        raise ConnectionError("Redis is down")

    send, own = Recorder(), Publisher()
    with caplog.at_level(logging.ERROR, logger="cxowner.orgs.live_publisher"):
        own.publish(failing)
        own.publish(send, "org.1", {"n": 1})
        assert own.flush(WAIT)

    assert send.sent == [("org.1", {"n": 1})]
    assert "Could not push a live message" in caplog.text


def test_a_forked_process_starts_a_publisher_thread_of_its_own():
    """gunicorn and Celery fork their workers after the parent may have published."""
    own = Publisher()
    own.publish(Recorder(), "org.1", {})
    assert own.flush(WAIT)
    parent_thread = own.thread
    readable, writable = os.pipe()

    pid = os.fork()
    if pid == 0:  # the child: publish, and tell the parent whether it arrived on a new thread
        try:

            async def reply(*args):
                fresh = threading.current_thread() is not parent_thread
                os.write(writable, b"new thread" if fresh else b"parent's thread")

            own.publish(reply)
            own.flush(WAIT)
        finally:
            os._exit(0)
    os.close(writable)
    os.waitpid(pid, 0)
    with os.fdopen(readable, "rb") as answer:
        assert answer.read() == b"new thread"
    assert own.thread is parent_thread and parent_thread.is_alive()


def test_a_change_pushed_through_a_service_layer_does_not_wait_for_it(recording_layer):
    live_send(7, {"kind": "cells"})
    assert publisher.flush(WAIT)

    assert recording_layer == [(org_group(7), {"type": "live.change", "message": {"kind": "cells"}})]


def test_a_change_made_on_a_thread_that_runs_a_loop_is_pushed(recording_layer):
    """async_to_sync refuses to run there (a browser test's thread, where Playwright's loop runs)."""

    async def writer():
        live_send(7, {"kind": "cells"})  # sync code called from a running loop, as a test does

    asyncio.run(writer())
    assert publisher.flush(WAIT)

    assert [group for group, _ in recording_layer] == [org_group(7)]


def test_an_ended_session_is_told_through_the_publisher(recording_layer):
    session_ended(user_id=3, organization_id=7)
    assert publisher.flush(WAIT)

    assert recording_layer == [(user_group(3), {"type": "live.ended", "organization_id": 7})]
