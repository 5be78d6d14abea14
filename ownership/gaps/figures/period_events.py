"""A period's gap events, read for the walk back through it (ownership.gaps.figures.history).

The events of a part (the organization, a journey or a stage) since a moment come from the
database newest first as three columns, the gap, the kind and the day each falls on, so that no
moment is parsed into Python and the walk finds each day's events together.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import countOf, neg

from django.db import connections
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ownership.models import GAP_LIFE_EVENTS, GapEvent


def day_end(day: date) -> datetime:
    """The first moment after `day`, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def scoped(rows, *, journey_id: int | None, stage_id: int | None, prefix: str = ""):
    if stage_id is not None:
        return rows.filter(**{f"{prefix}touchpoint__stage_id": stage_id})
    if journey_id is not None:
        return rows.filter(**{f"{prefix}journey_id": journey_id})
    return rows


EVENT_FIELDS = ("gap_id", "kind", "day")

LIFE = frozenset(GAP_LIFE_EVENTS)
ACCEPTANCE = frozenset({GapEvent.Kind.ACCEPTED, GapEvent.Kind.RISK_ENDED})


def day_ends(days: list[date]) -> list[datetime]:
    """The moments that cut `days` (ascending) apart: the first day's start, then each day's end."""
    return [day_end(days[0] - timedelta(days=1))] + [day_end(day) for day in days]


def day_of(ends: list[datetime], connection) -> RawSQL:
    """How many of `ends` an event's moment has reached (0: before the first), as SQL: a binary
    search of nested CASEs, so a day costs the database a handful of comparisons per event and
    Python no parsed moment at all. Written out, not built of Case and When: for the 92 ends of
    a quarter, those cost more to build and compile (11 ms) than the database takes to answer."""
    at = f"{connection.ops.quote_name(GapEvent._meta.db_table)}.{connection.ops.quote_name('at')}"
    params = [connection.ops.adapt_datetimefield_value(end) for end in ends]

    def search(low: int, high: int) -> tuple[str, list]:
        if low == high:
            return str(low), []
        middle = (low + high + 1) // 2
        (above, above_params), (below, below_params) = search(middle, high), search(low, middle - 1)
        sql = f"CASE WHEN {at} >= %s THEN {above} ELSE {below} END"
        return sql, [params[middle - 1], *above_params, *below_params]

    return RawSQL(*search(0, len(ends)), output_field=IntegerField())


@dataclass(frozen=True)
class PeriodEvents:
    """The events of a part since a moment, newest first, as three columns: the gap, the kind,
    and the day (how many of `ends` the event reached, see day_of). Newest first, a day's
    events are together and the days come last to first."""

    ends: list[datetime]
    gaps: list[int]
    kinds: list[str]
    days: list[int]

    @classmethod
    def read(cls, organization, since: datetime, scope: dict, ends: list[datetime]) -> PeriodEvents:
        events = events_since(organization, since, scope)
        rows = (
            events.annotate(day=day_of(ends, connections[events.db])).order_by("-at", "-id").values_list(*EVENT_FIELDS)
        )
        # Read straight from the cursor into three columns: a queryset's per-row converters and
        # chunks of 100 cost more than the rows' own read, and so does the garbage collector when
        # a quarter's rows are kept as tuples (each kept row is a tracked object: 17.5k of them
        # set off some 50 collections, one of them full, per read). A row dropped at once is not.
        sql, params = rows.query.sql_with_params()
        gaps: list[int] = []
        kinds: list[str] = []
        days: list[int] = []
        add_gap, add_kind, add_day = gaps.append, kinds.append, days.append
        with connections[rows.db].cursor() as cursor:
            cursor.execute(sql, params)
            for gap, kind, day in cursor:
                add_gap(gap)
                add_kind(kind)
                add_day(day)
        return cls(ends, gaps, kinds, days)

    def span(self, low: int, high: int) -> tuple[int, int]:
        """Where the events of the days `low` to `high` (excluded) are, as a slice of the rows."""
        # The days come last to first: searched as their negatives, they ascend.
        return bisect_right(self.days, -high, key=neg), bisect_right(self.days, -low, key=neg)

    def steps(self, day: int) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
        """Per gap, its earliest life step, its earliest acceptance step and its latest life step
        of `day`. The rows are newest first: the last one a dict keeps is the earliest."""
        start, stop = self.span(day, day + 1)
        gaps, kinds = self.gaps[start:stop], self.kinds[start:stop]
        if LIFE.issuperset(kinds):  # most days: steps of the gaps' lives only, read by dict() itself
            return dict(zip(gaps, kinds, strict=True)), {}, dict(zip(gaps[::-1], kinds[::-1], strict=True))
        earliest_life = {gap: kind for gap, kind in zip(gaps, kinds, strict=True) if kind in LIFE}
        earliest_acceptance = {gap: kind for gap, kind in zip(gaps, kinds, strict=True) if kind in ACCEPTANCE}
        latest_life = {gap: kind for gap, kind in zip(gaps[::-1], kinds[::-1], strict=True) if kind in LIFE}
        return earliest_life, earliest_acceptance, latest_life

    def resolved_within(self, low: int, high: int) -> int:
        """Gaps whose last step of their life in the days `low` to `high` (excluded) is a resolution."""
        start, stop = self.span(low, high)
        gaps, kinds = self.gaps[start:stop][::-1], self.kinds[start:stop][::-1]
        if LIFE.issuperset(kinds):
            latest = dict(zip(gaps, kinds, strict=True))
        else:
            latest = {gap: kind for gap, kind in zip(gaps, kinds, strict=True) if kind in LIFE}
        return countOf(latest.values(), GapEvent.Kind.RESOLVED)


def events_since(organization, moment: datetime, scope: dict):
    return scoped(GapEvent.objects.filter(organization=organization, at__gte=moment), prefix="gap__", **scope)
