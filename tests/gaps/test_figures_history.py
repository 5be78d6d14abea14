"""The figures of past days, read back from the live gaps and their history (no audit needed):
ownership.gaps.figures.history, whose change over a period every surface shows.

Days are frozen by running the services at chosen moments: every gap event carries the moment
its edit was made.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.gaps.figures import PERIODS, Figure, daily_trend, gap_counts_on, period_change, period_changes
from ownership.gaps.selectors import audit_run_changes
from ownership.gaps.workflow import accepted_risks_reopen, gap_accept_risk, gap_acknowledge, gap_reopen
from ownership.models import Gap, GapEvent
from tests.factories import FunctionFactory, JourneyFactory, RoleFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


@contextmanager
def on(day: date, hour: int = 12):
    """Run the services as if it were `day` at `hour` (UTC, the site's time zone)."""
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
def store(organization):
    """A journey of four touchpoints and two functions, every touchpoint covered and no gap at all
    since day 60: the journey has a manager, Sales is accountable everywhere, Service responsible
    for the parking too."""
    organization.created_at = timezone.make_aware(datetime(2026, 1, 5, 9))  # well before the period
    organization.save()
    sales, service = (FunctionFactory(organization=organization, name=n) for n in ("Sales", "Service"))
    journey = JourneyFactory(organization=organization, name="Store visit", owner=RoleFactory(function=sales))
    stage = StageFactory(journey=journey, organization=organization)
    touchpoints = [
        TouchpointFactory(journey=journey, stage=stage, organization=organization, name=name)
        for name in ("Parking", "Signage", "Cashier", "Pick-up")
    ]
    with on(days_ago(60)):
        cells_set(
            organization=organization,
            changes=[
                *(CellChange(t.id, sales.id, frozenset("AR")) for t in touchpoints),
                CellChange(touchpoints[0].id, service.id, frozenset("R")),
            ],
        )
    assert not Gap.objects.filter(organization=organization).exists()
    return {"journey": journey, "touchpoints": touchpoints, "sales": sales, "service": service}


def service_letters(store, index: int, letters: str) -> None:
    touchpoint = store["touchpoints"][index]
    kept = "R" if index == 0 else ""  # Service's R on the parking stays
    cells_set(
        organization=touchpoint.organization,
        changes=[CellChange(touchpoint.id, store["service"].id, frozenset(letters + kept))],
    )


def contest(store, index: int, day: date, hour: int = 12) -> None:
    """Service also takes the A of one touchpoint: a contested (error) gap opens."""
    with on(day, hour):
        service_letters(store, index, "A")


def settle(store, index: int, day: date) -> None:
    """Service gives the A back: the contested gap resolves."""
    with on(day):
        service_letters(store, index, "")


def contested(organization) -> Gap:
    return Gap.objects.filter(organization=organization, rule="multiple_accountable").latest("id")


def change_today(organization, days: int = 30, **scope):
    """The change over the last `days` as read today."""
    with on(TODAY):
        return period_change(organization=organization, days=days, today=TODAY, **scope)


def trend_today(organization, days: int):
    """The daily trend of the last `days` as read today."""
    with on(TODAY):
        return daily_trend(organization=organization, days=days, today=TODAY)


def test_a_gap_opened_within_the_period_counts_as_a_change_of_the_open_gaps(organization, store):
    contest(store, 0, days_ago(10))
    contest(store, 1, days_ago(5))

    change = change_today(organization)

    assert (change.open_gaps.then, change.open_gaps.now, change.open_gaps.change) == (0, 2, 2)
    assert (change.errors.then, change.errors.now) == (0, 2)


def test_a_gap_opened_before_the_period_is_no_change(organization, store):
    contest(store, 0, days_ago(45))

    change = change_today(organization)

    assert (change.open_gaps.then, change.open_gaps.now) == (1, 1)


def test_gaps_resolved_in_the_period_are_counted_against_the_period_before(organization, store):
    contest(store, 0, days_ago(50))
    contest(store, 1, days_ago(50))
    contest(store, 2, days_ago(50))
    settle(store, 0, days_ago(40))  # in the 30 days before the period
    settle(store, 1, days_ago(20))
    settle(store, 2, days_ago(3))

    change = change_today(organization)

    assert (change.resolved.now, change.resolved.then) == (2, 1)
    assert (change.open_gaps.then, change.open_gaps.now) == (2, 0)


def test_a_gap_resolved_and_reopened_in_the_period_is_not_counted_resolved(organization, store):
    contest(store, 0, days_ago(50))
    settle(store, 0, days_ago(20))
    contest(store, 0, days_ago(10))

    change = change_today(organization)

    assert change.resolved.now == 0
    assert change.open_gaps.change == 0


def test_coverage_then_counts_the_touchpoints_contested_then(organization, store):
    contest(store, 0, days_ago(40))
    contest(store, 1, days_ago(40))
    settle(store, 0, days_ago(10))

    change = change_today(organization)

    # Four touchpoints: two contested thirty days ago (50 %), one now (75 %).
    assert (change.coverage.then, change.coverage.now, change.coverage.change) == (50, 75, 25)


def test_an_accepted_risk_counts_apart_from_the_open_gaps_from_the_day_it_was_accepted(organization, store):
    contest(store, 0, days_ago(40))
    with on(days_ago(5)):
        gap_accept_risk(
            gap=contested(organization),
            reason="Shared till until the re-fit",
            expires_on=TODAY + timedelta(days=60),
            version=None,
            today=days_ago(5),
        )

    change = change_today(organization)
    with on(TODAY):
        six_days_ago = gap_counts_on(organization=organization, day=days_ago(6))

    assert (change.accepted_risks.then, change.accepted_risks.now) == (0, 1)
    assert (change.open_gaps.then, change.open_gaps.now) == (1, 0)
    assert (six_days_ago.accepted, six_days_ago.open_total) == (0, 1)


def test_a_withdrawn_acceptance_is_open_again_from_that_day(organization, store):
    contest(store, 0, days_ago(40))
    gap = contested(organization)
    with on(days_ago(35)):
        gap = gap_accept_risk(
            gap=gap, reason="Re-fit", expires_on=TODAY + timedelta(days=60), version=None, today=days_ago(35)
        )
    with on(days_ago(8)):
        gap_reopen(gap=gap, version=None)

    with on(TODAY):
        ten_days_ago = gap_counts_on(organization=organization, day=days_ago(10))
        now = gap_counts_on(organization=organization, day=TODAY)

    assert (ten_days_ago.accepted, ten_days_ago.open_total) == (1, 0)
    assert (now.accepted, now.open_total) == (0, 1)


def test_an_expired_acceptance_is_recorded_as_its_end(organization, store):
    contest(store, 0, days_ago(40))
    with on(days_ago(35)):
        gap_accept_risk(
            gap=contested(organization), reason="Re-fit", expires_on=days_ago(3), version=None, today=days_ago(35)
        )
    with on(days_ago(3)):
        accepted_risks_reopen(today=days_ago(3))

    assert list(GapEvent.objects.filter(gap=contested(organization)).values_list("kind", flat=True)) == [
        "opened",
        "accepted",
        "risk_ended",
    ]


def test_the_trend_has_one_point_per_day_ending_today(organization, store):
    trend = trend_today(organization, days=30)

    assert [point.day for point in trend] == [days_ago(n) for n in range(29, -1, -1)]


def test_each_trend_point_is_the_state_at_the_end_of_its_day(organization, store):
    contest(store, 0, days_ago(6))
    contest(store, 1, days_ago(4))
    settle(store, 0, days_ago(2))

    trend = trend_today(organization, days=7)

    assert [point.open_total for point in trend] == [1, 1, 2, 2, 1, 1, 1]
    assert [point.resolved for point in trend] == [0, 0, 0, 0, 1, 0, 0]


def test_the_last_trend_point_is_the_live_state(organization, store):
    contest(store, 0, days_ago(6))
    contest(store, 1, TODAY)

    trend = trend_today(organization, days=7)

    assert trend[-1].open_total == Gap.objects.filter(organization=organization, resolved_at__isnull=True).count()


def test_another_organizations_gaps_do_not_count(organization, store):
    other = FunctionFactory().organization
    other.created_at = organization.created_at  # old enough to have figures from 30 days ago
    other.save()
    contest(store, 0, days_ago(3))

    change = change_today(other)

    assert (change.open_gaps.now, change.open_gaps.then, change.resolved.now) == (0, 0, 0)


def test_each_journey_has_its_open_gaps_now_and_then(organization, store):
    contest(store, 0, days_ago(40))
    contest(store, 1, days_ago(3))

    change = change_today(organization)

    figure = change.open_by_journey[store["journey"].id]
    assert (figure.then, figure.now) == (1, 2)


def test_the_trend_reads_a_bounded_number_of_queries_however_many_days(
    organization, store, django_assert_max_num_queries
):
    for day in range(1, 80, 3):
        contest(store, 0, days_ago(day + 1))
        settle(store, 0, days_ago(day))

    with on(TODAY), django_assert_max_num_queries(3):
        # * live counts  * events of the period  * the gaps they touch, with the coverage gaps on their touchpoints
        trend = daily_trend(organization=organization, days=90, today=TODAY)

    assert len(trend) == 90


def test_the_period_change_reads_a_bounded_number_of_queries(organization, store, django_assert_max_num_queries):
    for day in range(1, 80, 3):
        contest(store, 0, days_ago(day + 1))
        settle(store, 0, days_ago(day))

    # * live counts  * events of the period and the one before (the trend and the resolutions)
    # * the gaps they touch with the coverage gaps on their touchpoints  * live coverage
    with on(TODAY), django_assert_max_num_queries(4):
        period_change(organization=organization, days=90, today=TODAY)


def test_days_are_calendar_days_of_the_site(organization, store, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    timezone.deactivate()
    contest(store, 0, days_ago(2), hour=23)  # 01:00 the next day in Berlin

    trend = trend_today(organization, days=3)

    assert [point.open_total for point in trend] == [0, 1, 1]


def test_the_period_change_carries_the_same_trend_as_the_daily_trend(organization, store):
    contest(store, 0, days_ago(6))
    settle(store, 0, days_ago(2))

    change = change_today(organization, days=7)
    trend = trend_today(organization, days=7)

    assert [(p.day, p.open_total, p.resolved) for p in change.trend] == [
        (p.day, p.open_total, p.resolved) for p in trend
    ]


def test_coverage_has_no_past_figure_before_the_organization_existed(organization, store):
    organization.created_at = timezone.make_aware(datetime(2026, 6, 20, 9))
    organization.save()

    change = change_today(organization)

    assert (change.coverage.then, change.coverage.change) == (None, None)


def test_no_gap_count_has_a_past_figure_before_the_organization_existed(organization, store):
    organization.created_at = timezone.make_aware(datetime(2026, 6, 20, 9))
    organization.save()
    contest(store, 0, days_ago(5))

    change = change_today(organization)

    assert not change.earlier
    figures = (change.open_gaps, change.errors, change.accepted_risks, change.resolved)
    assert [(f.then, f.change) for f in figures] == [(None, None)] * 4
    assert change.journey(store["journey"].id) == Figure(1, None)


def test_a_journeys_change_counts_that_journeys_gaps_only(organization, store):
    other = JourneyFactory(organization=organization, name="Returns", owner=RoleFactory(function=store["sales"]))
    TouchpointFactory(journey=other, stage=StageFactory(journey=other, organization=organization), name="Desk")
    contest(store, 0, days_ago(40))
    contest(store, 1, days_ago(3))

    change = change_today(organization, journey_id=store["journey"].id)

    assert (change.open_gaps.then, change.open_gaps.now) == (1, 2)
    # Four touchpoints of this journey: one contested thirty days ago (75 %), two now (50 %).
    assert (change.coverage.then, change.coverage.now) == (75, 50)


def test_a_stages_change_counts_the_gaps_of_its_touchpoints(organization, store):
    contest(store, 0, days_ago(40))
    contest(store, 1, days_ago(3))
    stage_id = store["touchpoints"][0].stage_id

    change = change_today(organization, stage_id=stage_id)

    assert (change.open_gaps.then, change.open_gaps.now) == (1, 2)


def test_accepting_an_accepted_risk_again_records_no_second_acceptance(organization, store):
    contest(store, 0, days_ago(40))
    gap = contested(organization)
    with on(days_ago(30)):
        gap = gap_accept_risk(gap=gap, reason="Re-fit", expires_on=TODAY, version=None, today=days_ago(30))
        gap_accept_risk(gap=gap, reason="Re-fit, later", expires_on=TODAY, version=None, today=days_ago(30))

    assert list(GapEvent.objects.filter(gap=gap).values_list("kind", flat=True)) == ["opened", "accepted"]


def test_acknowledging_an_accepted_risk_ends_the_acceptance(organization, store):
    contest(store, 0, days_ago(40))
    with on(days_ago(30)):
        gap = gap_accept_risk(
            gap=contested(organization), reason="Re-fit", expires_on=TODAY, version=None, today=days_ago(30)
        )
    with on(days_ago(20)):
        gap_acknowledge(gap=gap, version=None)

    assert list(GapEvent.objects.filter(gap=gap).values_list("kind", flat=True)) == [
        "opened",
        "accepted",
        "risk_ended",
    ]


def test_a_decision_is_not_reported_as_an_opened_gap_by_the_next_audit(organization, store):
    contest(store, 0, days_ago(40))
    with on(days_ago(39)):
        audit_organization(organization=organization, trigger="manual")
    with on(days_ago(30)):
        gap_accept_risk(
            gap=contested(organization), reason="Re-fit", expires_on=TODAY, version=None, today=days_ago(30)
        )
        run = audit_organization(organization=organization, trigger="manual").run

    assert audit_run_changes(run=run) == ([], [])


def test_the_periods_read_together_are_each_read_alone(organization, store, django_assert_max_num_queries):
    # Gaps opened, resolved, reopened and accepted on both sides of each period's edges: the
    # 7 and 30 days are walked within the 90 days' walk, the periods before them too.
    for index, (opened, settled) in enumerate([(170, 100), (95, 35), (60, 25), (33, 8), (14, 6), (12, 1)]):
        contest(store, index % 4, days_ago(opened))
        settle(store, index % 4, days_ago(settled))
    contest(store, 1, days_ago(29))
    contest(store, 2, days_ago(7))
    with on(days_ago(4)):
        gap_accept_risk(
            gap=Gap.objects.get(rule="multiple_accountable", touchpoint=store["touchpoints"][2], resolved_at=None),
            reason="Seasonal",
            expires_on=TODAY + timedelta(days=30),
            version=None,
            today=days_ago(4),
        )
    contest(store, 3, days_ago(2), hour=23)
    with on(TODAY), django_assert_max_num_queries(4):
        together = period_changes(organization=organization, periods=PERIODS, today=TODAY)
    for days in PERIODS:
        assert together[days] == change_today(organization, days), days
    assert together[7].resolved.now + together[7].resolved.then > 0  # the walk saw resolutions
