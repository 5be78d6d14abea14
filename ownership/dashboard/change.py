"""What changed: the gap figures of any past day, read back from the live gaps and their history.

No audit is needed. The open Gap rows are the state now; every step of a gap's life since then
is a GapEvent (opened, resolved, reopened, a risk accepted, an acceptance ended). Walking the
events of a period backwards from now and undoing each one gives the state at the end of every
day of the period, so the cost follows what happened in the period, never the whole history.

Figures, as the dashboard shows them:
- open gaps: open and not an accepted risk (accepted risks are counted apart), by severity;
- accepted risks: open gaps someone decided to live with for now;
- resolved: gaps whose resolution on that day (or in that period) still holds at its end;
- coverage: in-scope touchpoints with exactly one A and an R. A touchpoint is uncovered exactly
  when one of the COVERAGE_RULES is open on it, so the touchpoints covered on a past day are
  today's covered ones, plus those uncovered now but not then, minus the reverse. The count of
  in-scope touchpoints is today's: the history does not say which touchpoints existed then.

Days are calendar days in the site's time zone; a day's figures are those at its end (for today,
now).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from ownership.engine.constants import COVERAGE_RULES, Severity
from ownership.gaps.selectors import Coverage, coverage_live
from ownership.models import GAP_LIFE_EVENTS, Gap, GapEvent, GapStatus

PERIODS = (7, 30, 90)  # the periods the dashboard offers, in days


DEFAULT_PERIOD = 30


SEVERITIES = tuple(s.value for s in Severity)


_OPENS = {GapEvent.Kind.OPENED, GapEvent.Kind.REOPENED}


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

    `then` is None where the past figure cannot be known (coverage before the organization existed).
    """

    now: int
    then: int | None

    @property
    def change(self) -> int | None:
        return None if self.then is None else self.now - self.then


@dataclass(frozen=True)
class PeriodChange:
    """Every dashboard card's figure now and its change over the last `days` days."""

    days: int
    since: date  # the day the period is compared with: its figures are those at its end
    coverage: Figure  # percent of in-scope touchpoints; then=None for an organization newer than the period
    open_gaps: Figure
    errors: Figure
    accepted_risks: Figure
    resolved: Figure  # resolved in the period, and in the period of the same length before it
    open_by_journey: dict[int, Figure]  # journeys with open gaps now or then
    trend: tuple[GapCounts, ...]  # the period's days, oldest first, today last (as daily_trend)


def day_end(day: date) -> datetime:
    """The first moment after `day`, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _replay(*, organization, days: list[date], by_journey: bool = False) -> list[GapCounts]:
    """The gap figures at the end of each of `days` (ascending), by undoing the events after each.

    Three queries: the live counts, the events since the first day began, with their gaps, and
    the open coverage gaps on the touchpoints those events touch.
    """
    gaps = Gap.objects.filter(organization=organization, resolved_at__isnull=True).order_by()
    by_severity: Counter = Counter()
    journeys: Counter = Counter()
    accepted = 0
    live = gaps.values_list("severity", "workflow_status", "journey_id").annotate(n=Count("id"))
    for severity, status, journey_id, n in live:
        if status == GapStatus.ACCEPTED:
            accepted += n
        else:
            by_severity[severity] += n
            if journey_id is not None:
                journeys[journey_id] += n

    boundaries = [day_end(day) for day in days]  # today's is still to come: nothing to undo
    first_start = day_end(days[0] - timedelta(days=1))  # the first day's resolutions count too
    events = list(
        GapEvent.objects.filter(organization=organization, at__gte=first_start)
        .order_by("-at", "-id")
        .values_list(
            "gap_id",
            "kind",
            "at",
            "gap__severity",
            "gap__rule",
            "gap__journey_id",
            "gap__touchpoint_id",
            "gap__resolved_at",
            "gap__workflow_status",
        )
    )
    # Moments as numbers: comparing aware datetimes of two time zone classes costs a call each.
    moments = [event[2].timestamp() for event in events]
    limits = [boundary.timestamp() for boundary in boundaries]
    # Each gap the events touch, as it stands now, rewound event by event: [resolved?, accepted?].
    gap_state: dict[int, list] = {}
    info: dict[int, tuple] = {}
    for gap_id, _, _, severity, rule, journey_id, touchpoint_id, resolved_at, status in events:
        if gap_id not in gap_state:
            gap_state[gap_id] = [resolved_at is not None, status == GapStatus.ACCEPTED]
            info[gap_id] = (severity, rule in COVERAGE_RULES, journey_id, touchpoint_id)
    # How many coverage gaps are open now on each touchpoint the events touched.
    touched = {info[g][3] for g in info if info[g][1] and info[g][3] is not None}
    coverage_open: Counter = Counter()
    if touched:
        coverage_open.update(
            dict(
                gaps.filter(rule__in=COVERAGE_RULES, touchpoint_id__in=touched)
                .values_list("touchpoint_id")
                .annotate(n=Count("id"))
            )
        )
    uncovered_vs_now = 0

    def place(gap_id: int) -> str | None:
        """Where the gap counts: nowhere (resolved or not yet opened), "accepted" or "open"."""
        resolved, is_accepted = gap_state[gap_id]
        return None if resolved else "accepted" if is_accepted else "open"

    results: list[GapCounts] = []
    index = len(days) - 1
    position = 0
    while index >= 0:
        boundary = limits[index]
        # Undo every event at or after this day's end: what is left is the state at its end.
        while position < len(events) and moments[position] >= boundary:
            gap_id, kind = events[position][:2]
            severity, covers, journey_id, touchpoint_id = info[gap_id]
            before = place(gap_id)
            if kind in _OPENS:
                gap_state[gap_id][0] = True  # before it opened (again), it was not open
            elif kind == GapEvent.Kind.RESOLVED:
                gap_state[gap_id][0] = False
            elif kind == GapEvent.Kind.ACCEPTED:
                gap_state[gap_id][1] = False
            elif kind == GapEvent.Kind.RISK_ENDED:
                gap_state[gap_id][1] = True
            after = place(gap_id)
            if before != after:
                for state, step in ((before, -1), (after, 1)):
                    if state == "open":
                        by_severity[severity] += step
                        if journey_id is not None:
                            journeys[journey_id] += step
                    elif state == "accepted":
                        accepted += step
                if covers and (before is None) != (after is None):
                    key = touchpoint_id if touchpoint_id is not None else -gap_id
                    was = coverage_open[key]
                    coverage_open[key] += 1 if after is not None else -1
                    if (was > 0) != (coverage_open[key] > 0):
                        uncovered_vs_now += 1 if coverage_open[key] > 0 else -1
            position += 1
        results.append(
            GapCounts(
                day=days[index],
                open_by_severity={s: by_severity[s] for s in SEVERITIES},
                accepted=accepted,
                resolved=0,
                uncovered_vs_now=uncovered_vs_now,
                open_by_journey={j: n for j, n in journeys.items() if n} if by_journey else {},
            )
        )
        index -= 1
    results.reverse()
    # Resolved on each day: the gaps whose last step that day was a resolution. Oldest first.
    last_step: dict[tuple[int, int], str] = {}
    index = 0
    start = first_start.timestamp()
    for position in range(len(events) - 1, -1, -1):
        gap_id, kind = events[position][:2]
        at = moments[position]
        if at < start or kind not in GAP_LIFE_EVENTS:
            continue
        while index < len(days) and at >= limits[index]:
            index += 1
        if index == len(days):
            break
        last_step[(index, gap_id)] = kind
    resolved = Counter(i for (i, _), kind in last_step.items() if kind == GapEvent.Kind.RESOLVED)
    return [replace(counts, resolved=resolved[i]) for i, counts in enumerate(results)]


def gap_counts_on(*, organization, day: date) -> GapCounts:
    """The gap figures at the end of `day` (today: now). Three queries."""
    return _replay(organization=organization, days=[day])[0]


def daily_trend(*, organization, days: int, today: date | None = None) -> list[GapCounts]:
    """One point per day for the last `days` days, oldest first, today last. Three queries."""
    today = today or timezone.localdate()
    return _replay(organization=organization, days=[today - timedelta(days=n) for n in range(days - 1, -1, -1)])


def resolved_in_periods(*, organization, start: datetime, middle: datetime, end: datetime) -> tuple[int, int]:
    """Gaps resolved in [start, middle) and in [middle, end), each counted when its last step
    before the period's end is that resolution: one query for both periods."""

    def last_step_before(moment: datetime) -> Subquery:
        steps = GapEvent.objects.filter(gap_id=OuterRef("pk"), at__lt=moment, kind__in=GAP_LIFE_EVENTS)
        return Subquery(steps.order_by("-at", "-id").values("kind")[:1])

    def resolved_within(low: datetime, high: datetime) -> Exists:
        return Exists(
            GapEvent.objects.filter(gap_id=OuterRef("pk"), kind=GapEvent.Kind.RESOLVED, at__gte=low, at__lt=high)
        )

    resolved = GapEvent.Kind.RESOLVED
    candidates = GapEvent.objects.filter(organization=organization, kind=resolved, at__gte=start, at__lt=end)
    counts = (
        Gap.objects.filter(organization=organization, pk__in=candidates.values("gap_id"))
        .annotate(
            before_last=resolved_within(start, middle),
            last_before_middle=last_step_before(middle),
            last=resolved_within(middle, end),
            last_before_end=last_step_before(end),
        )
        .aggregate(
            before=Count("pk", filter=Q(before_last=True, last_before_middle=resolved)),
            now=Count("pk", filter=Q(last=True, last_before_end=resolved)),
        )
    )
    return counts["before"], counts["now"]


def period_change(
    *, organization, days: int, today: date | None = None, coverage: Coverage | None = None
) -> PeriodChange:
    """Every card's figure now and `days` days ago, the resolutions of this period and of the one
    before, each journey's open gaps now and then, and the period's trend, one point per day.
    Five queries; four when the caller already read the live `coverage`."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    points = _replay(
        organization=organization, days=[since + timedelta(days=n) for n in range(days + 1)], by_journey=True
    )
    then, now = points[0], points[-1]
    covered = coverage or coverage_live(organization=organization)
    covered_then = covered.covered + now.uncovered_vs_now - then.uncovered_vs_now

    def percent(count: int) -> int:
        return round(100 * count / covered.in_scope) if covered.in_scope else 0

    resolved_before, resolved_now = resolved_in_periods(
        organization=organization,
        start=day_end(since - timedelta(days=days)),
        middle=day_end(since),
        end=day_end(today),
    )
    journeys = set(now.open_by_journey) | set(then.open_by_journey)
    return PeriodChange(
        days=days,
        since=since,
        # Before the organization existed there was no coverage to compare with (0 % would
        # invent a rise, today's touchpoints without their gaps a fall).
        coverage=Figure(
            percent(covered.covered),
            None if organization.created_at >= day_end(since) else percent(max(covered_then, 0)),
        ),
        open_gaps=Figure(now.open_total, then.open_total),
        errors=Figure(now.errors, then.errors),
        accepted_risks=Figure(now.accepted, then.accepted),
        resolved=Figure(resolved_now, resolved_before),
        trend=tuple(points[1:]),
        open_by_journey={
            j: Figure(now.open_by_journey.get(j, 0), then.open_by_journey.get(j, 0)) for j in sorted(journeys)
        },
    )
