"""The live socket: who may open one, what it carries, and when it closes (docs/live.md)."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session

from cxowner.orgs.live_consumer import CLOSED_NOT_ALLOWED, CLOSED_SESSION_ENDED
from cxowner.orgs.models import Membership
from ownership.editor.services import CellChange, cells_set
from ownership.models import Assignment
from tests.factories import FunctionFactory, MembershipFactory, OrganizationFactory, TouchpointFactory, client_for
from tests.live.conftest import run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cell(organization):
    """A touchpoint and a function of `organization`, with nothing in their cell."""
    return TouchpointFactory(stage__journey__organization=organization), FunctionFactory(organization=organization)


def write(organization, cell, letters="A"):
    touchpoint, function = cell
    return database_sync_to_async(cells_set)(
        organization=organization, changes=[CellChange(touchpoint.id, function.id, frozenset(letters))]
    )


async def connected(socket):
    connected, code = await socket.connect()
    assert connected, code
    hello = await socket.receive_json_from()
    assert hello["type"] == "hello"
    return hello


async def refused(socket) -> int:
    connected, code = await socket.connect()
    assert not connected
    return code


def test_a_socket_without_a_session_is_refused(socket_of, organization):
    socket = socket_of(None, organization.slug)
    assert run(lambda: refused(socket)) == CLOSED_NOT_ALLOWED


def test_a_socket_of_someone_outside_the_organization_is_refused(socket_of, organization):
    outsider = MembershipFactory(role=Membership.Role.ADMIN).user  # an admin elsewhere
    socket = socket_of(outsider, organization.slug)
    assert run(lambda: refused(socket)) == CLOSED_NOT_ALLOWED


def test_a_socket_opened_by_another_site_is_refused(socket_of, organization, member):
    socket = socket_of(member("editor"), organization.slug, origin=b"https://evil.example")

    async def scenario():
        connected, _ = await socket.connect()
        return connected

    assert run(scenario) is False


def test_a_member_hears_a_cell_change_with_its_letters_and_who_made_it(socket_of, organization, member, cell):
    socket = socket_of(member("viewer"), organization.slug)

    async def scenario():
        await connected(socket)
        await write(organization, cell, "AR")
        message = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return message

    message = run(scenario)
    touchpoint, function = cell
    assert message["type"] == "change"
    assert message["kind"] == "cells"
    assert message["journey_ids"] == [touchpoint.journey_id]
    assert message["touchpoint_ids"] == [touchpoint.id]
    assert message["cells"] == [{"touchpoint_id": touchpoint.id, "function_id": function.id, "letters": "RA"}]
    assert message["cursor"] > 0


def test_a_socket_of_one_organization_hears_nothing_of_another(socket_of, organization, member):
    other = OrganizationFactory()
    elsewhere = (TouchpointFactory(stage__journey__organization=other), FunctionFactory(organization=other))

    socket = socket_of(member("admin"), organization.slug)

    async def scenario():
        await connected(socket)
        await write(other, elsewhere)
        nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return nothing

    assert run(scenario) is True


def test_a_viewers_socket_cannot_change_anything(socket_of, organization, member, cell):
    touchpoint, function = cell

    socket = socket_of(member("viewer"), organization.slug)

    async def scenario():
        await connected(socket)
        await socket.send_json_to(
            {"type": "cells", "cells": [{"touchpoint_id": touchpoint.id, "function_id": function.id, "letters": "A"}]}
        )
        answer = await socket.receive_json_from()
        await socket.disconnect()
        return answer

    answer = run(scenario)
    assert answer["type"] == "error"
    assert not Assignment.objects.filter(touchpoint=touchpoint).exists()


def test_a_viewers_socket_cannot_say_it_is_typing(socket_of, organization, member, cell):
    touchpoint, function = cell
    place = {"touchpoint_id": touchpoint.id, "function_id": function.id}

    editor, viewer = socket_of(member("editor"), organization.slug), socket_of(member("viewer"), organization.slug)

    async def scenario():
        await connected(editor)
        await connected(viewer)
        await editor.send_json_to({"type": "announce", "page": "journey:1"})
        await editor.receive_json_from()
        await viewer.send_json_to({"type": "announce", "page": "journey:1", "cell": place, "typing": True})
        while (seen := await editor.receive_json_from())["people"] == []:
            pass
        await editor.disconnect()
        await viewer.disconnect()
        return seen

    [person] = run(scenario)["people"]
    assert person["typing"] is False
    assert person["cell"] == place


def test_a_logged_out_sessions_socket_is_closed(socket_of, organization):
    user = MembershipFactory(organization=organization, role="editor").user

    socket, browser = socket_of(user, organization.slug), client_for(user)

    async def scenario():
        await connected(socket)
        await database_sync_to_async(lambda: browser.post("/accounts/logout/"))()
        closed = await socket.receive_output(timeout=2)
        return closed

    assert run(scenario) == {"type": "websocket.close", "code": CLOSED_SESSION_ENDED}


def test_a_member_removed_from_the_organization_is_disconnected(socket_of, organization):
    membership = MembershipFactory(organization=organization, role="editor")

    socket = socket_of(membership.user, organization.slug)

    async def scenario():
        await connected(socket)
        await database_sync_to_async(membership.delete)()
        return await socket.receive_output(timeout=2)

    assert run(scenario) == {"type": "websocket.close", "code": CLOSED_SESSION_ENDED}


def test_a_session_deleted_behind_the_apps_back_is_closed_at_the_next_message(socket_of, organization, member):
    socket = socket_of(member("editor"), organization.slug)

    async def scenario():
        await connected(socket)
        await database_sync_to_async(lambda: Session.objects.all().delete())()
        await socket.send_json_to({"type": "announce", "page": "journey:1"})
        return await socket.receive_output(timeout=2)

    assert run(scenario) == {"type": "websocket.close", "code": CLOSED_SESSION_ENDED}


def test_the_periodic_check_closes_a_socket_whose_session_was_deleted(socket_of, organization, member, settings):
    settings.LIVE_SESSION_CHECK_SECONDS = 0.1

    socket = socket_of(member("editor"), organization.slug)

    async def scenario():
        await connected(socket)
        await database_sync_to_async(lambda: Session.objects.all().delete())()
        return await socket.receive_output(timeout=2)

    assert run(scenario) == {"type": "websocket.close", "code": CLOSED_SESSION_ENDED}
