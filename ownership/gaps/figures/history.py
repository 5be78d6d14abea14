"""What changed: the gap figures of any past day, read back from the live gaps and their history.

No audit is needed. The open Gap rows are the state now; every step of a gap's life since then
is a GapEvent (opened, resolved, reopened, a risk accepted, an acceptance ended). Walking the
events of a period backwards from now and undoing each one gives the state at the end of every
day of the period, so the cost follows what happened in the period, never the whole history.
The walk covers the organization, or one journey or one stage (only that part's gaps and events).

Figures, as docs/figures.md defines them:
- open gaps: open and not an accepted risk (accepted risks are counted apart), by severity;
- accepted risks: open gaps someone decided to live with for now;
- resolved: gaps whose resolution on that day (or in that period) still holds at its end;
- coverage: in-scope touchpoints with exactly one A and an R. A touchpoint is uncovered exactly
  when one of the COVERAGE_RULES is open on it, so the touchpoints covered on a past day are
  today's covered ones, plus those uncovered now but not then, minus the reverse. The count of
  in-scope touchpoints is today's: the history does not say which touchpoints existed then;
- an organization younger than the period has no earlier figure at all: every "then" is None.

Days are calendar days in the site's time zone; a day's figures are those at its end (for today,
now).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from operator import countOf

from django.db.models import Q
from django.utils import timezone

from ownership.engine.constants import COVERAGE_RULES, Severity
from ownership.gaps.figures.counts import SEVERITIES, GapTally, gap_tally_read
from ownership.gaps.figures.coverage import Coverage, coverage_read
from ownership.gaps.figures.period_events import (
    PeriodEvents,
    day_end,
    day_ends,
    events_since,
    scoped,
)
from ownership.models import Gap, GapEvent, GapStatus

PERIODS = (7, 30, 90)  # the periods the dashboard offers, in days


DEFAULT_PERIOD = 30


@dataclass(frozen=True)
class GapCounts:
    """The gaps at the end of one day: open by severity, accepted risks, resolved that day."""

    day: date
    open_by_severity: dict[str, int]
    accepted: int
    resolved: int  # gaps resolved on this day and still resolved at its end
    # Touchpoints uncovered at the day's end minus those uncovered now.
    uncovered_vs_now: int = 0
    open_by_journey: dict[int, int] = field(default_factory=dict)  # only when asked for

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())

    @property
    def errors(self) -> int:
        return self.open_by_severity.get(Severity.ERROR, 0)


@dataclass(frozen=True)
class Figure:
    """One figure now and at the start of the period (or, for counts of a period, the one before).

    `then` is None where there is no earlier figure: the organization is younger than the
    period, or (coverage) nothing was in scope.
    """

    now: int | None
    then: int | None

    @property
    def change(self) -> int | None:
        return None if self.then is None or self.now is None else self.now - self.then


@dataclass(frozen=True)
class PeriodChange:
    """Every headline figure now and its change over the last `days` days."""

    days: int
    since: date  # the day the period is compared with: its figures are those at its end
    coverage: Figure  # percent of in-scope touchpoints
    open_gaps: Figure
    errors: Figure
    accepted_risks: Figure
    resolved: Figure  # resolved in the period, and in the period of the same length before it
    open_by_journey: dict[int, Figure]  # journeys with open gaps now or then
    trend: tuple[GapCounts, ...]  # the period's days, oldest first, today last (as daily_trend)
    earlier: bool = True  # False: the organization is younger than the period, nothing to compare

    def journey(self, journey_id: int) -> Figure:
        """A journey's open gaps now and then (0 and 0 for a journey without gaps)."""
        return self.open_by_journey.get(journey_id, Figure(0, 0 if self.earlier else None))


# The events are read alone, newest first, and each gap they touch once (a busy quarter is tens
# of thousands of events about a few hundred gaps): joining every event to its gap and sorting
# the wide rows cost three times the events' own read (EXPLAIN ANALYZE, 17.5k events of 657
# gaps on PostgreSQL: 84 ms joined by a nested loop and sorted, 29 ms alone). The database
# tells each event's day (day_of), so no moment is parsed into Python, and the index on
# (organization, at, id) hands them over in order, without a sort.
_LISTED_GAPS = 5000  # the gaps a period's events name, read by their ids up to this many
_GAP_FIELDS = ("id", "severity", "rule", "journey_id", "touchpoint_id", "resolved_at", "workflow_status")


class _Rewind:
    """The figures of the live state, walked back one day at a time.

    Each gap the events touch is kept as it stands now ([resolved?, accepted?]) and moved, day
    by day, to its state before that day's events; the counts follow every gap that changes
    place (nowhere, open, accepted). Only where a gap starts and ends a day matters to the
    counts, so a gap resolved and reopened the same day costs one comparison, not two moves.
    """

    def __init__(self, *, live: GapTally, gaps: dict[int, tuple]) -> None:
        whole = live.whole
        self.by_severity: Counter = Counter(whole.by_severity)
        self.accepted = whole.accepted_risks
        self.journeys: Counter = Counter(live.open_by_journey())
        self.coverage_open: Counter = Counter()  # open coverage gaps per touchpoint (-gap id: none)
        self.uncovered_vs_now = 0
        self.state: dict[int, tuple[bool, bool]] = {}
        self.info: dict[int, tuple] = {}
        for gap_id, (severity, rule, journey_id, touchpoint_id, resolved_at, status) in gaps.items():
            self.state[gap_id] = (resolved_at is not None, status == GapStatus.ACCEPTED)  # as it is now
            self.info[gap_id] = (severity, rule in COVERAGE_RULES, journey_id, touchpoint_id)

    def undo_day(self, life: dict[int, str], acceptance: dict[int, str]) -> None:
        """Undo one day's events: `life` holds, per gap, the kind of its earliest step of its life
        (opened, resolved, reopened) that day, `acceptance` that of its earliest acceptance step."""
        for gap_id, kind in life.items():
            resolved, accepted = self.state[gap_id]
            resolved = kind != GapEvent.Kind.RESOLVED  # before it opened (again), it was not open
            if gap_id in acceptance:
                accepted = acceptance[gap_id] == GapEvent.Kind.RISK_ENDED
            if (resolved, accepted) != self.state[gap_id]:  # most days a gap ends as it started
                self._move(gap_id, (resolved, accepted))
        for gap_id, kind in acceptance.items():
            if gap_id not in life and (accepted := kind == GapEvent.Kind.RISK_ENDED) != self.state[gap_id][1]:
                self._move(gap_id, (self.state[gap_id][0], accepted))

    def _move(self, gap_id: int, state: tuple[bool, bool]) -> None:
        before, after = _place(self.state[gap_id]), _place(state)
        self.state[gap_id] = state
        if before == after:
            return
        severity, covers, journey_id, touchpoint_id = self.info[gap_id]
        for where, step in ((before, -1), (after, 1)):
            if where == "open":
                self.by_severity[severity] += step
                if journey_id is not None:
                    self.journeys[journey_id] += step
            elif where == "accepted":
                self.accepted += step
        if covers and (before is None) != (after is None):
            key = touchpoint_id if touchpoint_id is not None else -gap_id
            was = self.coverage_open[key]
            self.coverage_open[key] += 1 if after is not None else -1
            if (was > 0) != (self.coverage_open[key] > 0):
                self.uncovered_vs_now += 1 if self.coverage_open[key] > 0 else -1

    def counts(self, day: date, *, by_journey: bool) -> GapCounts:
        return GapCounts(
            day=day,
            open_by_severity={s: self.by_severity[s] for s in SEVERITIES},
            accepted=self.accepted,
            resolved=0,
            uncovered_vs_now=self.uncovered_vs_now,
            open_by_journey={j: n for j, n in self.journeys.items() if n} if by_journey else {},
        )

    def touched(self) -> set[int]:
        """The touchpoints whose coverage gaps the events open or resolve."""
        return {info[3] for info in self.info.values() if info[1] and info[3] is not None}


def _gaps_read(organization, events_in_period, scope: dict, touched: set[int]) -> tuple[dict[int, tuple], Counter]:
    """The gaps of `touched`, the ids the period's events name, as they are now; and how many
    coverage gaps are open now on each touchpoint of those that are coverage gaps (one query).

    The ids go to the database as a list, so it does not read the period's events a second time
    to find them (EXPLAIN ANALYZE, 657 gaps named by 17.5k events on PostgreSQL: 9.5 ms with the
    events' subquery, ~1 ms with the list); past _LISTED_GAPS, as the subquery, which SQLite's
    limit on a query's parameters cannot refuse."""
    named = sorted(touched) if len(touched) <= _LISTED_GAPS else events_in_period.values("gap_id")
    gaps = Gap.objects.filter(organization=organization)
    covering = gaps.filter(pk__in=named, rule__in=COVERAGE_RULES, touchpoint__isnull=False).values("touchpoint_id")
    open_covering = Q(resolved_at__isnull=True, rule__in=COVERAGE_RULES, touchpoint_id__in=covering)
    rows = scoped(gaps.filter(Q(pk__in=named) | open_covering), **scope).order_by().values_list(*_GAP_FIELDS)
    found, coverage_open = {}, Counter()
    for gap_id, severity, rule, journey_id, touchpoint_id, resolved_at, status in rows:
        if gap_id in touched:
            found[gap_id] = (severity, rule, journey_id, touchpoint_id, resolved_at, status)
        if rule in COVERAGE_RULES and touchpoint_id is not None and resolved_at is None:
            coverage_open[touchpoint_id] += 1
    return found, coverage_open


def _place(state: tuple[bool, bool]) -> str | None:
    """Where a gap counts: nowhere (resolved or not yet opened), "accepted" or "open"."""
    resolved, accepted = state
    return None if resolved else "accepted" if accepted else "open"


def _replay(
    *,
    organization,
    days: list[date],
    by_journey: bool = False,
    journey_id: int | None = None,
    stage_id: int | None = None,
    live: GapTally | None = None,
    events: PeriodEvents | None = None,
) -> list[GapCounts]:
    """The gap figures at the end of each of `days` (ascending), by undoing the events after each.

    Three queries: the live counts (none when the caller passes `live`, read for the same part),
    the events since the first day began (none when the caller passes `events`, read from
    earlier), and the gaps they touch with the open coverage gaps on their touchpoints.
    """
    scope = {"journey_id": journey_id, "stage_id": stage_id}
    live = live or gap_tally_read(organization=organization, **scope)
    ends = day_ends(days)  # the first day's resolutions count too; today's end is still to come
    if events is None:
        events = PeriodEvents.read(organization, ends[0], scope, ends)
    if events.ends != ends:
        raise ValueError("The events were read for other days.")
    after_first_start = events.span(1, len(ends) + 1)[1]  # the rows come last day first
    named = set(events.gaps[:after_first_start])
    gaps, coverage_open = {}, Counter()
    if named:
        gaps, coverage_open = _gaps_read(organization, events_since(organization, ends[0], scope), scope, named)
    rewind = _Rewind(live=live, gaps=gaps)
    touched = rewind.touched()  # the open coverage gaps read are on these touchpoints, or none
    rewind.coverage_open = Counter({t: n for t, n in coverage_open.items() if t in touched})

    results: list[GapCounts] = []
    later = events.steps(len(ends))  # after the last day's end
    for index in range(len(days) - 1, -1, -1):
        # Undo every event after this day's end: what is left is the state at its end.
        rewind.undo_day(later[0], later[1])
        later = events.steps(index + 1)
        # Resolved that day: the gaps whose last step of the day is a resolution.
        resolved = countOf(later[2].values(), GapEvent.Kind.RESOLVED)
        results.append(replace(rewind.counts(days[index], by_journey=by_journey), resolved=resolved))
    results.reverse()
    return results


def gap_counts_on(*, organization, day: date) -> GapCounts:
    """The gap figures at the end of `day` (today: now). Three queries."""
    return _replay(organization=organization, days=[day])[0]


def daily_trend(*, organization, days: int, today: date | None = None) -> list[GapCounts]:
    """One point per day for the last `days` days, oldest first, today last. Three queries."""
    today = today or timezone.localdate()
    return _replay(organization=organization, days=[today - timedelta(days=n) for n in range(days - 1, -1, -1)])


def period_change(
    *,
    organization,
    days: int,
    today: date | None = None,
    journey_id: int | None = None,
    stage_id: int | None = None,
    coverage: Coverage | None = None,
    live: GapTally | None = None,
) -> PeriodChange:
    """Every figure now and `days` days ago, the resolutions of this period and of the one before,
    each journey's open gaps now and then, and the period's trend, one point per day — of the
    organization, or of one journey or stage. Four queries (the live counts, the events of both
    periods, the gaps they touch, the coverage); two when the caller already read the live
    `coverage` and gap tally `live` of the same part."""
    scope = {"journey_id": journey_id, "stage_id": stage_id}
    return _walk(organization, days, today, scope, coverage, live).change(days)


def period_changes(
    *, organization, periods, today: date | None = None, coverage: Coverage | None = None, live: GapTally | None = None
) -> dict[int, PeriodChange]:
    """period_change of the organization for each of `periods` (days), from one walk back through
    the longest: a shorter period's days are the longest's last ones, and the period before it is
    within the longest's reach when it is at most half as long. The queries of one period_change;
    a period neither the longest nor at most half of it is walked alone."""
    longest = max(periods)
    walk = _walk(organization, longest, today, {"journey_id": None, "stage_id": None}, coverage, live)
    return {
        days: walk.change(days)
        if days == longest or 2 * days <= longest
        else period_change(organization=organization, days=days, today=today, coverage=walk.coverage, live=live)
        for days in periods
    }


@dataclass(frozen=True)
class _Walk:
    """The figures at the end of each day of a period, and the events of it and the one before."""

    organization: object
    days: int
    since: date
    points: list[GapCounts]  # the end of `since`, then of each day to today
    events: PeriodEvents
    coverage: Coverage  # now

    def change(self, days: int) -> PeriodChange:
        """The change over the last `days` (at most this walk's, or half of it for the period
        before to be within reach)."""
        skip = self.days - days  # the walk's days before this period's first
        then, now = self.points[skip], self.points[-1]
        coverage = self.coverage
        covered_then = Coverage(
            coverage.in_scope, max(coverage.covered + now.uncovered_vs_now - then.uncovered_vs_now, 0)
        )
        # An event's day is how many of the walk's day ends it reached: this period starts at the
        # end number skip + 1, and the one before it `days` ends earlier (the walk's own period
        # before is read from its start: whatever precedes its first end).
        ends = len(self.events.ends)
        resolved_before = self.events.resolved_within(max(skip - days + 2, 0), skip + 2)
        resolved_now = self.events.resolved_within(skip + 2, ends)
        since = self.since + timedelta(days=skip)
        # Before the organization existed there is nothing to compare with: 0 gaps would invent a
        # rise, today's touchpoints without their gaps a fall in coverage.
        earlier = self.organization.created_at < day_end(since)

        def figure(now_value: int | None, then_value: int | None) -> Figure:
            return Figure(now_value, then_value if earlier else None)

        journeys = set(now.open_by_journey) | set(then.open_by_journey)
        return PeriodChange(
            days=days,
            since=since,
            coverage=figure(coverage.percent, covered_then.percent),
            open_gaps=figure(now.open_total, then.open_total),
            errors=figure(now.errors, then.errors),
            accepted_risks=figure(now.accepted, then.accepted),
            resolved=figure(resolved_now, resolved_before),
            trend=tuple(self.points[skip + 1 :]),
            open_by_journey={
                j: figure(now.open_by_journey.get(j, 0), then.open_by_journey.get(j, 0)) for j in sorted(journeys)
            },
            earlier=earlier,
        )


def _walk(organization, days: int, today: date | None, scope: dict, coverage, live) -> _Walk:
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    # One read of the events serves the trend and the resolutions of both periods: a gap
    # resolved within a period has its last step before the period's end within the period.
    trend_days = [since + timedelta(days=n) for n in range(days + 1)]
    ends = day_ends(trend_days)  # ends[1]: the end of `since`, where this period starts
    events = PeriodEvents.read(organization, day_end(since - timedelta(days=days)), scope, ends)
    points = _replay(organization=organization, days=trend_days, by_journey=True, live=live, events=events, **scope)
    if coverage is None:
        rows = coverage_read(
            organization=organization, journey_ids=_ids(scope["journey_id"]), stage_id=scope["stage_id"]
        )
        coverage = rows.organization
    return _Walk(organization, days, since, points, events, coverage)


def _ids(journey_id: int | None) -> list[int] | None:
    return None if journey_id is None else [journey_id]
