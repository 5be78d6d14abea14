"""Review campaigns (ownership attestation): start, confirm one or all of a function's A's, change
one, progress, close, and the daily reminders. The services, then the beat task."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.models import ChangeSet
from cxowner.orgs.signals import MatrixScope
from ownership.editor.services import CellChange, assignment_confirm, assignment_role_set, cells_set
from ownership.gaps.live import gaps_refresh
from ownership.models import Assignment, Gap, ReviewCampaign, ReviewItem, ReviewOutcome
from ownership.reviews.reminders import campaign_reminders_send
from ownership.reviews.selectors import campaign_items
from ownership.reviews.services import (
    ItemsChanged,
    Progress,
    campaign_close,
    campaign_confirm,
    campaign_confirm_function,
    campaign_functions,
    campaign_holders,
    campaign_item_move,
    campaign_progress,
    campaign_start,
)
from ownership.reviews.tasks import campaign_reminders_task
from ownership.structure.services import function_delete
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
)
from tests.reviews.accountabilities import shelves

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ENDS = TODAY + timedelta(days=14)


class Store:
    """A store visit and a service journey: Sales holds three A's, Service one; one touchpoint is out of scope."""

    def __init__(self, organization):
        self.organization = organization
        self.sales = FunctionFactory(organization=organization, name="Sales")
        self.service = FunctionFactory(organization=organization, name="Customer Service")
        self.visit = JourneyFactory(organization=organization, name="Store visit")
        self.support = JourneyFactory(organization=organization, name="Support")
        stage = StageFactory(journey=self.visit, name="Buy")
        self.till, self.counter, self.parking = (
            TouchpointFactory(stage=stage, name=name) for name in ("Till", "Pick-up counter", "Parking lot")
        )
        self.parking.out_of_scope = True
        self.parking.save()
        self.hotline = TouchpointFactory(stage=StageFactory(journey=self.support, name="Ask"), name="Hotline")
        self.head_of_sales = RoleFactory(function=self.sales, title="Head of Sales", holder_email="tom@example.com")
        self.a = {
            "till": AssignmentFactory(touchpoint=self.till, function=self.sales, role=self.head_of_sales),
            "counter": AssignmentFactory(touchpoint=self.counter, function=self.sales),
            "hotline_sales": AssignmentFactory(touchpoint=self.hotline, function=self.sales),
            "parking": AssignmentFactory(touchpoint=self.parking, function=self.sales),
            "hotline": AssignmentFactory(touchpoint=self.hotline, function=self.service),
        }

    def make_stale(self):
        """Every A last confirmed over a year ago: the stale-ownership gaps open."""
        Assignment.objects.filter(organization=self.organization).update(
            created_at=timezone.now() - timedelta(days=400)
        )
        gaps_refresh(organization_id=self.organization.pk, scope=MatrixScope.of("test", organization_wide=True))


@pytest.fixture
def store(organization):
    return Store(organization)


@pytest.fixture
def admin(member):
    return member("admin")


def start(store, journey=None, **options):
    options = {"name": "Spring review", "ends_on": ENDS, "started_by": None, "today": TODAY, **options}
    return campaign_start(organization=store.organization, journey=journey, **options)


def states(campaign) -> dict[str, str]:
    return {item.touchpoint.name + "/" + item.function.name: item.state for item in campaign_items(campaign=campaign)}


def test_a_campaign_lists_every_in_scope_accountability_of_the_organization(store):
    campaign = start(store)

    assert set(states(campaign)) == {"Till/Sales", "Pick-up counter/Sales", "Hotline/Sales", "Hotline/Customer Service"}
    assert campaign_progress(campaign=campaign) == Progress(confirmed=0, changed=0, pending=4)


def test_a_journey_campaign_lists_only_that_journeys_accountabilities(store):
    campaign = start(store, journey=store.support)

    assert set(states(campaign)) == {"Hotline/Sales", "Hotline/Customer Service"}


def test_starting_a_campaign_is_recorded_in_the_history(store, admin):
    campaign = start(store, started_by=admin)

    change_set = ChangeSet.objects.get(organization=store.organization, kind="reviewcampaign.start")
    assert "4 accountabilities" in change_set.summary
    assert change_set.items.get().object_id == campaign.pk


@pytest.mark.parametrize(
    ("options", "field"),
    [({"name": "  "}, "name"), ({"ends_on": TODAY - timedelta(days=1)}, "ends_on"), ({"ends_on": None}, "ends_on")],
)
def test_a_campaign_without_a_name_or_a_future_end_date_is_refused(store, options, field):
    with pytest.raises(ValidationError) as refused:
        start(store, **options)

    assert field in refused.value.message_dict
    assert not ReviewCampaign.objects.exists()


def test_a_journey_without_accountable_functions_has_nothing_to_review(store):
    empty = JourneyFactory(organization=store.organization)

    with pytest.raises(ValidationError, match="Nothing to review"):
        start(store, journey=empty)
    assert not ReviewCampaign.objects.exists()


def test_a_second_open_campaign_on_the_same_scope_is_refused(store):
    start(store)

    with pytest.raises(ValidationError, match="already reviews the whole organization"):
        start(store, name="Again")
    assert start(store, journey=store.visit, name="Store only").journey == store.visit


def test_confirm_all_confirms_a_functions_accountabilities_in_one_change_set(store, admin):
    campaign = start(store)
    before = ChangeSet.objects.count()

    confirmed = campaign_confirm_function(campaign=campaign, function=store.sales, user=admin)

    assert confirmed == 3
    assert ChangeSet.objects.count() == before + 1
    change_set = ChangeSet.objects.latest("id")
    assert change_set.kind == "assignment.confirm"
    assert change_set.items.count() == 3
    assert campaign_progress(campaign=campaign) == Progress(confirmed=3, changed=0, pending=1)
    assert Assignment.objects.get(pk=store.a["till"].pk).confirmed_by == admin


def test_confirm_all_resolves_the_stale_ownership_gaps_live(store):
    store.make_stale()
    stale = Gap.objects.filter(organization=store.organization, rule="stale_ownership", resolved_at__isnull=True)
    assert stale.count() == 4
    campaign = start(store)

    campaign_confirm_function(campaign=campaign, function=store.sales)

    assert [gap.finding["functions"] for gap in stale] == [["Customer Service"]]


def test_confirming_one_confirms_only_that_accountability(store):
    campaign = start(store)
    item = ReviewItem.objects.get(campaign=campaign, assignment=store.a["counter"])

    assert campaign_confirm(campaign=campaign, item_ids=[item.pk]) == 1

    assert states(campaign)["Pick-up counter/Sales"] == ReviewOutcome.CONFIRMED
    assert states(campaign)["Till/Sales"] == ReviewOutcome.PENDING


def test_a_confirmation_made_outside_the_campaign_counts_in_it(store):
    campaign = start(store)

    assignment_confirm(assignment=store.a["till"])

    assert states(campaign)["Till/Sales"] == ReviewOutcome.CONFIRMED


def test_an_accountability_moved_or_recarried_in_the_matrix_counts_as_changed(store):
    campaign = start(store)
    other = RoleFactory(function=store.sales, title="Store manager")

    cells_set(organization=store.organization, changes=[CellChange(store.counter.pk, store.sales.pk, frozenset())])
    assignment_role_set(assignment=store.a["till"], role=other)

    assert states(campaign)["Pick-up counter/Sales"] == ReviewOutcome.CHANGED
    assert states(campaign)["Till/Sales"] == ReviewOutcome.CHANGED
    assert campaign_progress(campaign=campaign) == Progress(confirmed=0, changed=2, pending=2)


def test_a_function_deleted_during_a_review_leaves_it_with_its_accountabilities(store):
    campaign = start(store)

    function_delete(function=store.service)

    assert set(states(campaign)) == {"Till/Sales", "Pick-up counter/Sales", "Hotline/Sales"}


def test_confirm_all_is_refused_whole_when_an_accountability_shown_changed_meanwhile(store):
    campaign = start(store)
    seen = list(ReviewItem.objects.filter(campaign=campaign, function=store.sales).values_list("pk", flat=True))
    cells_set(organization=store.organization, changes=[CellChange(store.counter.pk, store.sales.pk, frozenset("R"))])

    with pytest.raises(ItemsChanged, match="Pick-up counter"):
        campaign_confirm_function(campaign=campaign, function=store.sales, seen=seen)

    assert campaign_progress(campaign=campaign).confirmed == 0


def test_items_of_another_campaign_cannot_be_confirmed(store):
    mine = start(store, journey=store.visit)
    other = start(store, journey=store.support, name="Support review")
    foreign = ReviewItem.objects.filter(campaign=other).first()

    with pytest.raises(ValidationError, match="not part of this review campaign"):
        campaign_confirm(campaign=mine, item_ids=[foreign.pk])


def test_change_one_moves_the_a_to_another_function_through_the_matrix(store):
    campaign = start(store)
    item = ReviewItem.objects.get(campaign=campaign, assignment=store.a["till"])
    AssignmentFactory(touchpoint=store.till, function=store.service, letter="R")

    campaign_item_move(campaign=campaign, item=item, to_function=store.service)

    till = Assignment.objects.filter(touchpoint=store.till)
    assert sorted(till.values_list("function__name", "letter")) == [
        ("Customer Service", "A"),
        ("Customer Service", "R"),
    ]
    assert states(campaign)["Till/Sales"] == ReviewOutcome.CHANGED
    assert ChangeSet.objects.latest("id").kind == "cells"


def test_change_one_to_the_same_function_is_refused(store):
    campaign = start(store)
    item = ReviewItem.objects.get(campaign=campaign, assignment=store.a["till"])

    with pytest.raises(ValidationError, match="another function"):
        campaign_item_move(campaign=campaign, item=item, to_function=store.sales)


def test_progress_per_function_names_the_holders_asked(store):
    campaign = start(store)
    campaign_confirm_function(campaign=campaign, function=store.service)

    rows = {row.function.name: row for row in campaign_functions(campaign=campaign)}

    assert rows["Sales"].progress == Progress(confirmed=0, changed=0, pending=3)
    assert rows["Sales"].holders == ["Alex Example"]
    assert rows["Sales"].admins_asked  # the counter and the hotline are carried by no role
    assert (rows["Customer Service"].holders, rows["Customer Service"].admins_asked) == ([], True)
    assert rows["Customer Service"].progress.done_percent == 100


def test_a_function_whose_as_all_have_a_holder_with_an_email_does_not_ask_the_admins(store):
    Assignment.objects.filter(function=store.sales).update(role=store.head_of_sales)
    campaign = start(store)

    rows = {row.function.name: row for row in campaign_functions(campaign=campaign)}

    assert (rows["Sales"].holders, rows["Sales"].admins_asked) == (["Alex Example"], False)


def test_progress_per_holder_counts_the_as_their_role_carried(store):
    campaign = start(store)

    rows = campaign_holders(campaign=campaign)

    assert [(row.role.title, row.progress) for row in rows] == [("Head of Sales", Progress(pending=1))]


def test_confirm_all_of_one_holder_confirms_only_the_as_their_role_carries(store):
    campaign = start(store)

    confirmed = campaign_confirm_function(campaign=campaign, function=store.sales, role=store.head_of_sales)

    assert confirmed == 1
    assert states(campaign)["Till/Sales"] == ReviewOutcome.CONFIRMED
    assert states(campaign)["Pick-up counter/Sales"] == ReviewOutcome.PENDING
    assert "Alex Example (Head of Sales)" in ChangeSet.objects.latest("id").summary


def test_confirm_all_refuses_items_of_another_function(store):
    campaign = start(store)
    service_item = ReviewItem.objects.get(campaign=campaign, function=store.service)

    with pytest.raises(ValidationError, match="not Sales's"):
        campaign_confirm_function(campaign=campaign, function=store.sales, seen=[service_item.pk])
    assert campaign_progress(campaign=campaign).confirmed == 0


def test_closing_writes_the_outcomes_down_and_later_edits_leave_them(store):
    campaign = start(store)
    campaign_confirm_function(campaign=campaign, function=store.service)

    campaign = campaign_close(campaign=campaign, version=campaign.version)
    cells_set(organization=store.organization, changes=[CellChange(store.hotline.pk, store.service.pk, frozenset())])

    assert campaign.status == ReviewCampaign.Status.CLOSED
    assert campaign_progress(campaign=campaign) == Progress(confirmed=1, changed=0, pending=3)
    assert ChangeSet.objects.latest("id").kind != "reviewcampaign.close"  # the edit came after
    assert ChangeSet.objects.filter(kind="reviewcampaign.close").get().summary.endswith("3 not reviewed")


def test_a_closed_campaign_confirms_nothing_more(store):
    campaign = campaign_close(campaign=start(store), version=None)

    with pytest.raises(ValidationError, match="closed"):
        campaign_confirm_function(campaign=campaign, function=store.sales)


def test_closing_with_a_stale_version_is_refused(store):
    campaign = start(store)

    with pytest.raises(StaleVersion):
        campaign_close(campaign=campaign, version=campaign.version + 1)
    assert ReviewCampaign.objects.get(pk=campaign.pk).status == ReviewCampaign.Status.OPEN


# -- reminders --------------------------------------------------------------------------------------


def test_reminders_go_to_each_holder_and_to_the_admins_for_accountabilities_nobody_carries(store, admin):
    start(store)

    sent = campaign_reminders_send(today=TODAY)

    assert sent == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"tom@example.com", admin.email}
    assert "1 accountability" in by_recipient["tom@example.com"].subject
    assert "Store visit › Till" in by_recipient["tom@example.com"].body
    assert "3 accountabilities" in by_recipient[admin.email].subject


def test_a_long_reminder_lists_fifty_and_counts_the_rest(store, admin):
    shelves(StageFactory(journey=store.support), store.service, 60)
    start(store)

    campaign_reminders_send(today=TODAY)

    body = next(message.body for message in mail.outbox if message.to == [admin.email])
    assert "… and 13 more" in body  # 63 A's carried by no role: 50 listed


def test_reminders_go_out_at_most_once_a_day(store, admin):
    start(store)

    campaign_reminders_send(today=TODAY)
    assert campaign_reminders_send(today=TODAY) == 0
    assert campaign_reminders_send(today=TODAY + timedelta(days=1)) == 2
    assert len(mail.outbox) == 4


def test_reminders_stop_after_the_end_date_and_once_closed(store, admin):
    campaign = start(store)

    assert campaign_reminders_send(today=ENDS + timedelta(days=1)) == 0
    campaign_close(campaign=campaign, version=None)
    assert campaign_reminders_send(today=TODAY) == 0
    assert mail.outbox == []


def test_reminders_leave_out_what_was_reviewed(store, admin):
    campaign = start(store)
    campaign_confirm_function(campaign=campaign, function=store.sales)

    campaign_reminders_send(today=TODAY)

    assert [message.to[0] for message in mail.outbox] == [admin.email]
    assert "1 accountability" in mail.outbox[0].subject


def test_the_beat_task_sends_todays_reminders_once(store, admin, monkeypatch):
    start(store)
    # The clock stands on the campaign's last day.
    monkeypatch.setattr(timezone, "localdate", lambda *args: ENDS)

    assert campaign_reminders_task.delay().get() == 2
    assert campaign_reminders_task.delay().get() == 0
    assert ReviewCampaign.objects.get().last_reminded_on == ENDS


def test_the_beat_task_sends_nothing_the_day_after_the_end(store, admin, monkeypatch):
    start(store)
    monkeypatch.setattr(timezone, "localdate", lambda *args: ENDS + timedelta(days=1))

    assert campaign_reminders_task.delay().get() == 0
    assert mail.outbox == []


def test_starting_a_campaign_sends_its_first_reminders_once_committed(store, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(store)

    assert len(mail.outbox) == 2


def test_the_campaign_pages_lists_load_with_constant_queries(store, django_assert_max_num_queries):
    campaign = start(store)

    # * progress per function  * holders  * functions the admins are asked for  * functions
    with django_assert_max_num_queries(4):
        campaign_functions(campaign=campaign)
    # * the items with their touchpoints, functions, roles and A's
    with django_assert_max_num_queries(1):
        list(campaign_items(campaign=campaign))
