"""The change over a period equals its definition on random gap histories.

history.py rewinds day by day from SQL day numbers and per-day steps; here each figure of each
day is worked out the plain way instead (docs/figures.md, docs/dashboard.md): a gap stands at a
day's end as it stood just before its first step after that day, or as it stands now. The
histories are drawn at random, of every kind of event, in any order, ties on one moment
included, and written in shuffled order so the ids do not follow the moments.
"""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from ownership.engine.constants import COVERAGE_RULES, Rule, Severity
from ownership.gaps.figures import Coverage, coverage_read, period_change
from ownership.gaps.figures.history import day_end
from ownership.models import GAP_LIFE_EVENTS, Gap, GapEvent, GapStatus
from tests.factories import FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
RULES = [Rule.UNASSIGNED, Rule.MULTIPLE_ACCOUNTABLE, Rule.NO_RESPONSIBLE, Rule.HANDOFF_GAP, Rule.IDLE_FUNCTION]


def history_draw(organization, seed: int) -> dict:
    """Two journeys of two stages, gaps of coverage and other rules (some of no journey), and 600
    events over the last 200 days."""
    rng = random.Random(seed)
    organization.created_at = NOW - timedelta(days=400)
    organization.save()
    function = FunctionFactory(organization=organization)
    stages, touchpoints = [], []
    for j in range(2):
        journey = JourneyFactory(organization=organization, name=f"Journey {j}")
        for s in range(2):
            stage = StageFactory(journey=journey, organization=organization, name=f"Stage {j}.{s}")
            stages.append(stage)
            touchpoints += [
                TouchpointFactory(journey=journey, stage=stage, organization=organization, name=f"Step {j}.{s}.{t}")
                for t in range(3)
            ]
    gaps = []
    for n in range(40):
        rule = rng.choice(RULES)
        touchpoint = None if rule == Rule.IDLE_FUNCTION else rng.choice(touchpoints)
        resolved = rng.random() < 0.3
        accepted = not resolved and rng.random() < 0.3
        gaps.append(
            Gap(
                organization=organization,
                fingerprint=f"gap-{n}",
                rule=rule,
                severity=rng.choice(list(Severity)),
                journey_id=touchpoint.journey_id if touchpoint else None,
                touchpoint=touchpoint,
                function=function if touchpoint is None else None,
                finding={},
                score=1,
                first_seen_at=NOW - timedelta(days=300),
                resolved_at=NOW - timedelta(days=1) if resolved else None,
                workflow_status=GapStatus.ACCEPTED if accepted else GapStatus.OPEN,
                risk_reason="Drawn" if accepted else "",
                risk_expires_on=TODAY + timedelta(days=30) if accepted else None,
            )
        )
    gaps = Gap.objects.bulk_create(gaps)
    events = []
    for _ in range(600):
        at = NOW - timedelta(minutes=rng.randrange(0, 200 * 24 * 60))
        for _ in range(2 if rng.random() < 0.1 else 1):  # now and then two steps at one moment
            events.append((rng.choice(gaps).id, rng.choice(GapEvent.Kind.values), at))
    rng.shuffle(events)
    GapEvent.objects.bulk_create(
        GapEvent(organization=organization, gap_id=gap, kind=kind, at=at, cause="drawn") for gap, kind, at in events
    )
    return {"stages": stages, "journeys": sorted({t.journey_id for t in touchpoints})}


def place_at(gap: Gap, events: list[GapEvent], moment: datetime) -> str | None:
    """Where `gap` counts at `moment`: as it stood before its first step at or after it."""
    later = [event for event in events if event.at >= moment]
    life = [event.kind for event in later if event.kind in GAP_LIFE_EVENTS]
    acceptance = [event.kind for event in later if event.kind not in GAP_LIFE_EVENTS]
    resolved = life[0] != GapEvent.Kind.RESOLVED if life else gap.resolved_at is not None
    accepted = acceptance[0] == GapEvent.Kind.RISK_ENDED if acceptance else gap.workflow_status == GapStatus.ACCEPTED
    return None if resolved else "accepted" if accepted else "open"


def resolved_in(gaps, events_of, start: datetime, end: datetime) -> int:
    """Gaps whose last step of their life in [start, end) is a resolution."""
    count = 0
    for gap in gaps:
        life = [e.kind for e in events_of[gap.id] if start <= e.at < end and e.kind in GAP_LIFE_EVENTS]
        count += bool(life) and life[-1] == GapEvent.Kind.RESOLVED
    return count


def expected_change(organization, days: int, *, journey_id=None, stage_id=None) -> dict:
    gaps = Gap.objects.filter(organization=organization)
    if stage_id is not None:
        gaps = gaps.filter(touchpoint__stage_id=stage_id)
    elif journey_id is not None:
        gaps = gaps.filter(journey_id=journey_id)
    gaps = list(gaps)
    events_of = {gap.id: [] for gap in gaps}
    for event in GapEvent.objects.filter(gap__in=gaps).order_by("at", "id"):
        events_of[event.gap_id].append(event)
    since = TODAY - timedelta(days=days)

    def point(day: date) -> dict:
        end = day_end(day) if day < TODAY else NOW + timedelta(days=1)  # today: as it is now
        places = {gap.id: place_at(gap, events_of[gap.id], end) for gap in gaps}
        open_gaps = [gap for gap in gaps if places[gap.id] == "open"]
        return {
            "day": day,
            "by_severity": dict(Counter(gap.severity for gap in open_gaps)),
            "accepted": sum(1 for where in places.values() if where == "accepted"),
            "resolved": resolved_in(gaps, events_of, day_end(day - timedelta(days=1)), day_end(day)),
            "by_journey": dict(Counter(gap.journey_id for gap in open_gaps if gap.journey_id is not None)),
            "uncovered": {g.touchpoint_id for g in gaps if g.rule in COVERAGE_RULES and places[g.id] is not None},
        }

    trend = [point(since + timedelta(days=n)) for n in range(days + 1)]
    then, now = trend[0], trend[-1]
    coverage = coverage_read(
        organization=organization, journey_ids=None if journey_id is None else [journey_id], stage_id=stage_id
    ).organization
    covered_then = max(coverage.covered + len(now["uncovered"]) - len(then["uncovered"]), 0)
    start, middle = day_end(since - timedelta(days=days)), day_end(since)
    return {
        "trend": [{k: v for k, v in p.items() if k != "uncovered"} for p in trend[1:]],
        "coverage_then": Coverage(coverage.in_scope, covered_then).percent,
        "resolved": (resolved_in(gaps, events_of, middle, day_end(TODAY)), resolved_in(gaps, events_of, start, middle)),
        "journeys": {j: (now["by_journey"].get(j, 0), then["by_journey"].get(j, 0)) for j in then["by_journey"]}
        | {j: (n, then["by_journey"].get(j, 0)) for j, n in now["by_journey"].items()},
    }


def actual_change(organization, days: int, **scope) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: NOW)
        change = period_change(organization=organization, days=days, today=TODAY, **scope)
    return {
        "trend": [
            {
                "day": p.day,
                "by_severity": {s: n for s, n in p.open_by_severity.items() if n},
                "accepted": p.accepted,
                "resolved": p.resolved,
                "by_journey": p.open_by_journey,
            }
            for p in change.trend
        ],
        "coverage_then": change.coverage.then,
        "resolved": (change.resolved.now, change.resolved.then),
        "journeys": {j: (f.now, f.then) for j, f in change.open_by_journey.items()},
    }


@pytest.mark.parametrize("seed", range(6))
def test_the_change_over_a_period_equals_each_days_state_worked_out_gap_by_gap(organization, seed):
    drawn = history_draw(organization, seed)
    scopes = [{}] + [{"journey_id": j} for j in drawn["journeys"]] + [{"stage_id": drawn["stages"][seed % 4].id}]

    for days in (7, 30, 90):
        for scope in scopes:
            assert actual_change(organization, days, **scope) == expected_change(organization, days, **scope), (
                days,
                scope,
            )
