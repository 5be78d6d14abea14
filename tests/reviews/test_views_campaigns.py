"""The review campaign pages: who sees and does what, "Confirm all", change one, close."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ownership.editor.services import CellChange, cells_set
from ownership.models import Assignment, ReviewCampaign, ReviewItem
from ownership.reviews.services import campaign_progress, campaign_start
from tests.factories import MembershipFactory, RoleFactory
from tests.reviews.accountabilities import store_visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def store(organization):
    return store_visit(organization, ["Till 1", "Till 2", "Till 3"])


@pytest.fixture
def campaign(organization, store):
    return campaign_start(
        organization=organization, name="Spring review", ends_on=TODAY + timedelta(days=7), today=TODAY
    )


def page(organization, name, *args):
    return reverse(f"ownership:{name}", args=[organization.slug, *args])


def test_an_admin_starts_a_review_from_the_list_page(organization, store, client_as):
    admin = client_as("admin")

    response = admin.post(
        page(organization, "campaigns"),
        {"name": "Spring review", "journey": store["journey"].pk, "ends_on": str(TODAY + timedelta(days=7))},
    )

    campaign = ReviewCampaign.objects.get()
    assert response.status_code == 302
    assert response.url == page(organization, "campaign", campaign.pk)
    assert campaign.journey == store["journey"]


def test_a_review_ending_in_the_past_is_refused_next_to_its_date(organization, store, client_as):
    admin = client_as("admin")

    response = admin.post(page(organization, "campaigns"), {"name": "Late", "ends_on": str(TODAY - timedelta(days=1))})

    assert response.status_code == 400
    assert "The end date cannot be in the past." in response.content.decode()
    assert not ReviewCampaign.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_start_reviews(organization, store, role, client_as):
    response = client_as(role).post(
        page(organization, "campaigns"), {"name": "Mine", "ends_on": str(TODAY + timedelta(days=7))}
    )

    assert response.status_code == 403
    assert not ReviewCampaign.objects.exists()


def test_a_viewer_sees_the_progress_but_no_buttons(organization, store, campaign, client_as):
    viewer = client_as("viewer")

    detail = viewer.get(page(organization, "campaign", campaign.pk)).content.decode()
    function = viewer.get(page(organization, "campaign_function", campaign.pk, store["sales"].pk)).content.decode()

    assert "0 confirmed" in detail and "3 not yet" in detail
    assert "Close the review" not in detail
    assert "Confirm all" not in function and "Move the A" not in function


@pytest.mark.parametrize("name", ["campaigns", "campaign", "campaign_function"])
def test_outsiders_get_404(organization, store, campaign, name):
    outsider = Client()
    outsider.force_login(MembershipFactory(role="admin").user)
    args = {"campaigns": [], "campaign": [campaign.pk], "campaign_function": [campaign.pk, store["sales"].pk]}[name]

    assert outsider.get(page(organization, name, *args)).status_code == 404


@pytest.mark.parametrize("name", ["campaign_confirm", "campaign_move", "campaign_close", "campaigns"])
def test_outsiders_posting_get_404_and_change_nothing(organization, store, campaign, name):
    outsider = Client()
    outsider.force_login(MembershipFactory(role="admin").user)
    item = ReviewItem.objects.first()
    args = {
        "campaign_confirm": [campaign.pk, store["sales"].pk],
        "campaign_move": [campaign.pk, item.pk],
        "campaign_close": [campaign.pk],
        "campaigns": [],
    }[name]
    body = {"item": item.pk, "function": store["service"].pk, "version": 1, "name": "X", "ends_on": "2030-01-01"}

    assert outsider.post(page(organization, name, *args), body).status_code == 404
    assert campaign_progress(campaign=campaign).pending == 3
    assert ReviewCampaign.objects.get().status == "open"


def test_confirm_all_confirms_every_accountability_shown(organization, store, campaign, client_as):
    editor = client_as("editor")
    function_page = page(organization, "campaign_function", campaign.pk, store["sales"].pk)
    assert "Confirm all 3" in editor.get(function_page).content.decode()
    shown = list(ReviewItem.objects.values_list("pk", flat=True))

    response = editor.post(
        page(organization, "campaign_confirm", campaign.pk, store["sales"].pk), {"items": shown}, follow=True
    )

    assert "3 accountabilities of Sales confirmed." in response.content.decode()
    assert campaign_progress(campaign=campaign).confirmed == 3


def test_confirm_all_confirms_nothing_when_an_accountability_shown_changed(organization, store, campaign, client_as):
    editor = client_as("editor")
    shown = list(ReviewItem.objects.values_list("pk", flat=True))
    moved = store["touchpoints"][0]
    cells_set(organization=organization, changes=[CellChange(moved.pk, store["sales"].pk, frozenset())])

    response = editor.post(
        page(organization, "campaign_confirm", campaign.pk, store["sales"].pk), {"items": shown}, follow=True
    )

    assert "Nothing was confirmed" in response.content.decode()
    assert campaign_progress(campaign=campaign).confirmed == 0


def test_a_holders_page_lists_and_confirms_only_the_as_their_role_carried(organization, store, campaign, client_as):
    role = RoleFactory(function=store["sales"], title="Head of Sales", holder_name="Tom Berger")
    ReviewItem.objects.filter(touchpoint=store["touchpoints"][0]).update(role=role)
    Assignment.objects.filter(touchpoint=store["touchpoints"][0]).update(role=role)
    editor = client_as("editor")
    holder_page = page(organization, "campaign_function", campaign.pk, store["sales"].pk) + f"?role={role.pk}"
    assert "Tom Berger" in editor.get(page(organization, "campaign", campaign.pk)).content.decode()
    assert "Confirm all 1" in editor.get(holder_page).content.decode()
    shown = list(ReviewItem.objects.filter(role=role).values_list("pk", flat=True))

    response = editor.post(
        page(organization, "campaign_confirm", campaign.pk, store["sales"].pk), {"items": shown, "role": role.pk}
    )

    assert response.url == holder_page
    assert campaign_progress(campaign=campaign).confirmed == 1


def test_an_editor_confirms_one(organization, store, campaign, client_as):
    item = ReviewItem.objects.first()

    client_as("editor").post(page(organization, "campaign_confirm", campaign.pk, store["sales"].pk), {"item": item.pk})

    assert campaign_progress(campaign=campaign).confirmed == 1


def test_an_editor_moves_one_a_to_another_function(organization, store, campaign, client_as):
    item = ReviewItem.objects.first()

    client_as("editor").post(
        page(organization, "campaign_move", campaign.pk, item.pk), {"function": store["service"].pk}
    )

    assert Assignment.objects.get(touchpoint=item.touchpoint, letter="A").function == store["service"]
    assert campaign_progress(campaign=campaign).changed == 1


def test_a_viewer_cannot_confirm(organization, store, campaign, client_as):
    response = client_as("viewer").post(
        page(organization, "campaign_confirm", campaign.pk, store["sales"].pk), {"item": ReviewItem.objects.first().pk}
    )

    assert response.status_code == 403
    assert campaign_progress(campaign=campaign).confirmed == 0


def test_an_admin_closes_the_review_and_an_editor_cannot(organization, store, campaign, client_as):
    close = page(organization, "campaign_close", campaign.pk)

    assert client_as("editor").post(close, {"version": 1}).status_code == 403
    client_as("admin").post(close, {"version": 1})

    assert ReviewCampaign.objects.get().status == "closed"


def test_closing_a_review_changed_meanwhile_is_refused(organization, store, campaign, client_as):
    response = client_as("admin").post(page(organization, "campaign_close", campaign.pk), {"version": 5}, follow=True)

    assert "This campaign was changed by someone else at " in response.content.decode()
    assert ReviewCampaign.objects.get().status == "open"


def test_the_review_pages_read_in_constant_queries(
    organization, store, campaign, django_assert_max_num_queries, client_as
):
    admin = client_as("admin")
    admin.get(page(organization, "campaigns"))  # warm the session

    # * session, user, membership, organizations of the switcher, messages
    # * list: campaigns, progress, journeys of the form
    with django_assert_max_num_queries(10):
        assert admin.get(page(organization, "campaigns")).status_code == 200
    # * detail: campaign, progress, progress per function, holders and the functions the admins are
    #   asked for, functions, progress per holder (the holders' roles: none here)
    with django_assert_max_num_queries(12):
        assert admin.get(page(organization, "campaign", campaign.pk)).status_code == 200
    # * function page: campaign, function, items with their rows, the other functions
    with django_assert_max_num_queries(10):
        assert admin.get(page(organization, "campaign_function", campaign.pk, store["sales"].pk)).status_code == 200


def test_confirming_one_with_htmx_answers_its_row_and_the_progress_in_place(organization, store, campaign, client_as):
    editor = client_as("editor")
    item = ReviewItem.objects.order_by("pk").first()

    response = editor.post(
        page(organization, "campaign_confirm", campaign.pk, store["sales"].pk),
        {"item": item.pk},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr data-item="{item.pk}">') and "confirmed</span>" in html
    assert 'id="function-progress-card" hx-swap-oob="true"' in html and "Confirm all 2" in html
    assert "1 accountability of Sales confirmed." in html
    assert campaign_progress(campaign=campaign).confirmed == 1


def test_confirming_nothing_with_htmx_reloads_the_page_instead_of_the_row(organization, store, campaign, client_as):
    response = client_as("editor").post(
        page(organization, "campaign_confirm", campaign.pk, store["sales"].pk), {"item": "x"}, HTTP_HX_REQUEST="true"
    )

    assert response["HX-Redirect"] == page(organization, "campaign_function", campaign.pk, store["sales"].pk)
    assert campaign_progress(campaign=campaign).confirmed == 0
