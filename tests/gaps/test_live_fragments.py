"""The gaps list's and a gap page's live fragments: what an open page fetches after a change. Drawn
as the page draws the same parts, of the asking member's organization only, for their role."""

import re

import pytest
from django.urls import reverse

from ownership.editor.services import CellChange, cells_set
from ownership.gaps.workflow import gap_assign, gap_comment_add
from tests.factories import FunctionFactory, GapFactory, MembershipFactory, OrganizationFactory, client_for
from tests.live_parts import live_parts

pytestmark = pytest.mark.django_db


def list_urls(organization, query=""):
    slug = organization.slug
    return reverse("ownership:gaps", args=[slug]) + query, reverse("ownership:gaps_live", args=[slug]) + query


def gap_urls(gap):
    args = [gap.organization.slug, gap.pk]
    return reverse("ownership:gap", args=args), reverse("ownership:gap_live", args=args)


@pytest.mark.parametrize("query", ["", "?ordering=journey", "?severity=error&ordering=-score"])
def test_the_list_fragment_draws_the_table_as_the_page_does(organization, client_as, gap, query):
    GapFactory(touchpoint__stage__journey__organization=organization, rule="no_responsible", severity="warning")
    client = client_as("editor")
    page, live = list_urls(organization, query)

    fragment = live_parts(client.get(live).content.decode())

    assert fragment and fragment == live_parts(client.get(page).content.decode())


def open_figure(html: str) -> int:
    return int(re.search(r'<strong data-figure="open">(\d+)</strong>', html).group(1))


def test_the_list_fragment_shows_a_change_made_since_the_page_was_drawn(organization, viewer, gap):
    live = list_urls(organization)[1]
    before = viewer.get(live).content.decode()
    cells_set(
        organization=organization,
        changes=[CellChange(gap.touchpoint_id, FunctionFactory(organization=organization).id, frozenset("AR"))],
    )

    after = live_parts(viewer.get(live).content.decode())

    assert f'data-live-key="gap-{gap.pk}"' in before
    assert f'data-live-key="gap-{gap.pk}"' not in after["table"]  # the gap is resolved: gone from the open list
    assert open_figure(after["table"]) == open_figure(before) - 1


def test_the_list_fragment_keeps_the_bulk_form_coming_back_to_the_list_not_to_the_fragment(organization, editor, gap):
    html = editor.get(list_urls(organization, "?severity=error")[1]).content.decode()

    assert f'name="next" value="{list_urls(organization)[0]}?severity=error"' in html


def test_a_viewers_list_fragment_has_no_selection_boxes(organization, viewer, gap):
    html = viewer.get(list_urls(organization)[1]).content.decode()

    assert f'data-live-key="gap-{gap.pk}"' in html
    assert "data-gap-select" not in html and "gaps_bulk" not in html


def test_another_organizations_member_gets_404_from_the_list_fragment(organization, gap):
    outsider = client_for(MembershipFactory(organization=OrganizationFactory()).user)

    response = outsider.get(list_urls(organization)[1])

    assert response.status_code == 404
    assert gap.finding["message"] not in response.content.decode()


def test_a_logged_out_browser_is_sent_to_log_in_by_every_fragment(organization, client, gap):
    for url in (list_urls(organization)[1], gap_urls(gap)[1]):
        response = client.get(url)

        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_list_fragment_costs_a_fixed_number_of_queries(organization, editor, django_assert_max_num_queries):
    for _ in range(30):
        GapFactory(touchpoint__stage__journey__organization=organization)
    live = list_urls(organization)[1]
    editor.get(live, HTTP_HX_REQUEST="true")  # the session, once

    with django_assert_max_num_queries(9):
        response = editor.get(live, HTTP_HX_REQUEST="true")  # as livepages.js asks

    assert response.content.decode().count("data-gap-row=") == 30


def test_the_gap_fragment_draws_its_parts_as_the_page_does(gap, organization, client_as, member):
    gap_assign(gap=gap, assignee=member("editor"), due_on=None, version=gap.version)
    gap_comment_add(gap=gap, author=member("viewer"), body="Who runs the till?")
    client = client_as("admin")
    page, live = gap_urls(gap)

    fragment = live_parts(client.get(live).content.decode())

    assert set(fragment) == {"head", "score", "decision", "decide", "fix", "comments"}
    assert fragment == live_parts(client.get(page).content.decode())


def test_the_gap_fragment_shows_a_decision_and_a_comment_made_elsewhere(gap, organization, viewer, member):
    live = gap_urls(gap)[1]
    viewer.get(live, HTTP_HX_REQUEST="true")  # the session, once
    gap_assign(gap=gap, assignee=member("editor"), due_on=None, version=gap.version)
    gap_comment_add(gap=gap, author=member("editor"), body="I take it.")

    parts = live_parts(viewer.get(live).content.decode())

    assert "Assigned to <strong>" in parts["decision"]
    assert "I take it." in parts["comments"]


def test_a_viewers_gap_fragment_has_no_decision_forms(gap, viewer):
    parts = live_parts(viewer.get(gap_urls(gap)[1]).content.decode())

    assert "<form" not in parts["decide"] and "<form" not in parts["fix"]
    assert "Open" in parts["decision"]


def test_another_organizations_gap_is_not_found_by_its_fragment(gap, organization):
    outsider = client_for(MembershipFactory(organization=OrganizationFactory(), role="admin").user)
    stranger_gap = GapFactory()  # of another organization
    member = client_for(MembershipFactory(organization=organization, role="admin").user)

    assert outsider.get(gap_urls(gap)[1]).status_code == 404
    assert member.get(gap_urls(stranger_gap)[1]).status_code == 404


def test_a_deleted_gaps_fragment_answers_404(gap, viewer):
    live = gap_urls(gap)[1]
    gap.delete()

    assert viewer.get(live).status_code == 404


def test_the_gap_fragment_costs_a_fixed_number_of_queries(gap, member, client_as, django_assert_max_num_queries):
    for n in range(10):
        gap_comment_add(gap=gap, author=member("viewer"), body=f"Comment {n}")
    client = client_as("admin")
    live = gap_urls(gap)[1]
    client.get(live, HTTP_HX_REQUEST="true")  # the session, once

    with django_assert_max_num_queries(8):
        response = client.get(live, HTTP_HX_REQUEST="true")  # as livepages.js asks

    assert response.content.decode().count('data-live-key="comment-') == 10
