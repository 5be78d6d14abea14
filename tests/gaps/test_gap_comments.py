"""Comments on a gap: written by members or integrations, shown by their author's name, deleted by
their author or an admin (issue 18, item 3: a token's comment once made the gap's page 500 for good)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.history import ChangeSet
from ownership.gaps.audits import audit_organization
from ownership.gaps.workflow import gap_comment_add
from ownership.models import Gap, GapComment
from tests.factories import ApiTokenFactory, MembershipFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gap(organization):
    TouchpointFactory(stage=StageFactory(journey__organization=organization), name="Flagship till")
    audit_organization(organization=organization, trigger="manual")
    return Gap.objects.get(organization=organization, rule="unassigned")


def browser(organization, role):
    user = MembershipFactory(organization=organization, role=role).user
    client = Client()
    client.force_login(user)
    return client, user


def token_client(organization, *, name="Jira sync", role="editor") -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {ApiTokenFactory(organization=organization, name=name, role=role).key}"
    )
    return client


def comments_url(gap) -> str:
    return f"/api/v1/orgs/{gap.organization.slug}/gaps/{gap.pk}/comments/"


def page_url(gap) -> str:
    return reverse("ownership:gap", args=[gap.organization.slug, gap.pk])


def delete_url(comment) -> str:
    return reverse("ownership:gap_comment_delete", args=[comment.organization.slug, comment.gap_id, comment.pk])


def test_a_token_comment_leaves_the_gap_page_readable_and_names_the_integration(gap, organization):
    answer = token_client(organization).post(comments_url(gap), {"body": "hi"}, format="json")
    assert answer.status_code == 201
    assert answer.json()["author"] == "Jira sync (integration)"

    for role in ("viewer", "admin"):
        client, _ = browser(organization, role)
        page = client.get(page_url(gap))
        assert page.status_code == 200
        assert "Jira sync (integration)" in page.content.decode()


def test_the_api_lists_a_token_comment_with_the_integration_as_author(gap, organization):
    token_client(organization).post(comments_url(gap), {"body": "hi"}, format="json")

    client = APIClient()
    client.force_login(MembershipFactory(organization=organization, role="viewer").user)
    [comment] = client.get(comments_url(gap)).json()
    assert (comment["author"], comment["body"]) == ("Jira sync (integration)", "hi")


def test_a_comment_whose_author_left_still_shows(gap, organization):
    _, user = browser(organization, "viewer")
    gap_comment_add(gap=gap, author=user, body="Until I go")
    user.delete()
    client, _ = browser(organization, "viewer")

    page = client.get(page_url(gap))

    assert page.status_code == 200
    assert "A former member or an integration" in page.content.decode()


def test_its_author_deletes_a_comment_for_everyone_and_the_history_keeps_it(gap, organization):
    client, user = browser(organization, "viewer")
    comment = gap_comment_add(gap=gap, author=user, body="Wrong gap, sorry")

    answer = client.post(delete_url(comment))

    assert answer.status_code == 302
    assert not GapComment.objects.filter(pk=comment.pk).exists()
    other, _ = browser(organization, "viewer")
    assert "Wrong gap, sorry" not in other.get(page_url(gap)).content.decode()
    recorded = ChangeSet.objects.get(kind="gapcomment.delete")
    assert recorded.actor_user == user
    assert recorded.items.get().before["body"] == "Wrong gap, sorry"


def test_an_admin_deletes_a_token_comment_on_the_page(gap, organization):
    token_client(organization).post(comments_url(gap), {"body": "spam"}, format="json")
    comment = GapComment.objects.get()
    admin, _ = browser(organization, "admin")

    assert delete_url(comment) in admin.get(page_url(gap)).content.decode()
    assert admin.post(delete_url(comment)).status_code == 302
    assert not GapComment.objects.exists()


def test_a_viewer_cannot_delete_someone_elses_comment(gap, organization):
    _, author = browser(organization, "editor")
    comment = gap_comment_add(gap=gap, author=author, body="Mine")
    viewer, _ = browser(organization, "viewer")

    assert delete_url(comment) not in viewer.get(page_url(gap)).content.decode()
    assert viewer.post(delete_url(comment)).status_code == 403
    assert GapComment.objects.filter(pk=comment.pk).exists()


def test_the_api_deletes_a_comment_for_its_author_or_an_admin_token_only(gap, organization):
    comment = gap_comment_add(gap=gap, author=None, body="From a sync", integration="Jira sync")
    url = f"{comments_url(gap)}{comment.pk}/"
    viewer = APIClient()
    viewer.force_login(MembershipFactory(organization=organization, role="viewer").user)

    assert viewer.delete(url).status_code == 403
    assert token_client(organization, name="Editor sync", role="editor").delete(url).status_code == 403
    assert token_client(organization, name="Admin sync", role="admin").delete(url).status_code == 204
    assert not GapComment.objects.exists()
    assert token_client(organization, name="Admin 2", role="admin").delete(url).status_code == 404


def test_another_organizations_comment_is_not_found(gap, organization):
    comment = gap_comment_add(gap=gap, author=None, body="Ours", integration="Jira sync")
    stranger = MembershipFactory(role="admin")
    client = Client()
    client.force_login(stranger.user)

    url = reverse("ownership:gap_comment_delete", args=[stranger.organization.slug, gap.pk, comment.pk])
    assert client.post(url).status_code == 404
    assert GapComment.objects.filter(pk=comment.pk).exists()
