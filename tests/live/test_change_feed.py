"""The change feed: what every kind of change records for the open pages, and the catch-up after
a dropped connection (GET /o/<org>/live/changes?after=<cursor>)."""

import pytest
from channels.layers import get_channel_layer

from cxowner.orgs.live import LiveEvent, live_cursor
from cxowner.orgs.live_relay import relay_tick
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.workflow import gap_acknowledge, gap_assign, gap_comment_add
from tests.factories import (
    FunctionFactory,
    GapFactory,
    MembershipFactory,
    OrganizationFactory,
    TouchpointFactory,
    client_for,
)
from tests.live.conftest import run

pytestmark = pytest.mark.django_db


def write(organization, letters: str, touchpoint=None, function=None):
    touchpoint = touchpoint or TouchpointFactory(stage__journey__organization=organization)
    function = function or FunctionFactory(organization=organization)
    cells_set(organization=organization, changes=[CellChange(touchpoint.id, function.id, frozenset(letters))])
    return touchpoint, function


def changes_after(client, organization, cursor):
    return client.get(f"/o/{organization.slug}/live/changes", {"after": cursor})


def test_catching_up_returns_exactly_the_changes_after_the_cursor_oldest_first(organization, viewer):
    write(organization, "A")
    cursor = live_cursor(organization_id=organization.id)
    second, third = write(organization, "R"), write(organization, "C")

    answer = changes_after(viewer, organization, cursor).json()

    assert [m["touchpoint_ids"] for m in answer["messages"]] == [[second[0].id], [third[0].id]]
    assert answer["cursor"] == answer["messages"][-1]["cursor"] == live_cursor(organization_id=organization.id)


def test_caught_up_messages_have_the_shape_the_socket_pushes(organization, viewer):
    touchpoint, function = write(organization, "AR")

    [message] = changes_after(viewer, organization, 0).json()["messages"]

    assert message == LiveEvent.objects.get().as_message()
    assert message["cells"] == [{"touchpoint_id": touchpoint.id, "function_id": function.id, "letters": "RA"}]
    assert message["change_set"] > 0


def test_catching_up_never_returns_another_organizations_changes(organization, viewer):
    write(OrganizationFactory(), "A")

    assert changes_after(viewer, organization, 0).json() == {"cursor": 0, "messages": []}


def test_too_many_missed_changes_ask_the_page_to_reload(organization, viewer, settings):
    settings.LIVE_CATCH_UP_MAX = 2
    touchpoint, function = write(organization, "A")
    for letters in ("R", "C"):
        write(organization, letters, touchpoint, function)

    answer = changes_after(viewer, organization, 0).json()

    assert answer == {"cursor": live_cursor(organization_id=organization.id), "reload": True}


@pytest.mark.parametrize("cursor", ["", "-1", "soon"])
def test_a_cursor_that_is_not_a_whole_number_is_refused(organization, viewer, cursor):
    answer = changes_after(viewer, organization, cursor)

    assert answer.status_code == 400
    assert "whole number" in answer.json()["error"]


def test_an_outsider_cannot_read_the_feed(organization):
    outsider = client_for(MembershipFactory(organization=OrganizationFactory()).user)

    assert changes_after(outsider, organization, 0).status_code == 404


def test_a_page_starts_from_the_latest_cursor(organization, viewer):
    write(organization, "A")

    page = viewer.get(f"/o/{organization.slug}/").content.decode()

    assert f'data-live-cursor="{live_cursor(organization_id=organization.id)}"' in page
    assert f'data-live-url="/ws/o/{organization.slug}/live/"' in page


def test_a_gap_assigned_is_in_the_feed_with_its_gap_touchpoint_and_journey(organization, member):
    gap = GapFactory(touchpoint__stage__journey__organization=organization)

    gap_assign(gap=gap, assignee=member("editor"), due_on=None, version=None)

    message = LiveEvent.objects.get().as_message()
    assert (message["kind"], message["gap_ids"]) == ("gap.assigned", [gap.id])
    assert (message["touchpoint_ids"], message["journey_ids"]) == ([gap.touchpoint_id], [gap.journey_id])


def test_a_gap_acknowledged_is_in_the_feed(organization):
    gap = GapFactory(touchpoint__stage__journey__organization=organization)

    gap_acknowledge(gap=gap, version=None)

    assert LiveEvent.objects.get().message["kind"] == "gap.acknowledged"


def test_a_comment_is_in_the_feed(organization, member):
    gap = GapFactory(touchpoint__stage__journey__organization=organization)

    comment = gap_comment_add(gap=gap, author=member("editor"), body="On it")

    message = LiveEvent.objects.get().message
    assert (message["kind"], message["gap_ids"], message["comment_id"]) == ("comment", [gap.id], comment.id)


def test_a_change_of_many_touchpoints_names_only_its_journeys(organization, monkeypatch):
    monkeypatch.setattr("cxowner.orgs.live.LIVE_IDS_MAX", 1)
    function = FunctionFactory(organization=organization)
    first = TouchpointFactory(stage__journey__organization=organization)
    second = TouchpointFactory(stage=first.stage)

    cells_set(
        organization=organization,
        changes=[CellChange(t.id, function.id, frozenset("A")) for t in (first, second)],
    )

    message = LiveEvent.objects.get().message
    assert (message["partial"], message["touchpoint_ids"], message["cells"]) == (True, [], [])
    assert message["journey_ids"] == [first.journey_id]


@pytest.mark.django_db(transaction=True)  # the relay's reads close and reopen the connection
def test_the_relay_sends_what_the_feed_holds_after_its_cursor_to_the_organizations_group(organization, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    write(organization, "A")
    cursor = live_cursor(organization_id=organization.id)
    write(organization, "R")

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(f"org.{organization.id}", channel)
        return await relay_tick(cursor), await layer.receive(channel)

    new_cursor, sent = run(scenario)

    assert new_cursor == live_cursor(organization_id=organization.id)
    assert sent == {"type": "live.change", "message": LiveEvent.objects.last().as_message()}
