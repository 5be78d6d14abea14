"""The dashboard, the executives' home: live coverage and gaps with their change over a period
(7, 30 or 90 days, in the URL), the daily trend, the gaps by function, the journeys worst first,
the heatmap by journey (one journey open at a time, to see its stages) and the top gaps.

Charts are drawn on the server as SVG: no JavaScript library, nothing to load, readable
without scripts. Geometry is computed here and the template only places it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from cxowner.orgs.models import Membership
from cxowner.views import org_view, render_org
from ownership.dashboard.selectors import Dashboard, dashboard_load
from ownership.engine.constants import Severity
from ownership.engine.vocabulary import SEVERITY_TEXT, rule_text
from ownership.gaps.figures import DEFAULT_PERIOD, PERIODS, Figure, Figures, GapFigures
from ownership.inbox.selectors import review_requests_open

SEVERITIES = [s.value for s in Severity]


SHORT_LIST = 4  # bars in "who owns CX" and "gaps by rule", so that the page stays on two screens


@org_view()
def dashboard(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    return render_org(
        request, membership, "dashboard/dashboard.html", {"nav": "dashboard", **dashboard_context(request, membership)}
    )


@org_view()
def dashboard_live(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """The dashboard's figures for the same period and open journey, as the page draws them:
    what an open dashboard fetches when a change reaches the live gap state."""
    return render_org(request, membership, "dashboard/_live.html", dashboard_context(request, membership))


def dashboard_context(request: HttpRequest, membership: Membership) -> dict:
    try:
        open_journey = int(request.GET["journey"]) if request.GET.get("journey") else None
    except ValueError:
        open_journey = None  # a hand-edited link: show the journeys closed rather than fail
    days = period_of(request.GET.get("period"))
    all_journeys = request.GET.get("heat") == "all"
    organization = membership.organization
    data = dashboard_load(organization=organization, open_journey=open_journey, all_journeys=all_journeys, days=days)
    figures = data.figures
    gaps_url = reverse("ownership:gaps", args=[organization.slug])
    rules = figures.gaps.rules_most_first()
    return {
        "data": data,
        "figures": figures,
        "days": days,
        "periods": [
            {"days": n, "query": "?" + urlencode(_query(period=n, heat=all_journeys, journey=open_journey))}
            for n in PERIODS
        ],
        "cards": change_cards(data),
        "trend": trend_chart(figures.change.trend),
        "severity_bars": severity_bars(figures.gaps),
        "rule_bars": [
            {**bar, "code": code}
            for bar, (code, _) in zip(bars([(rule_text(r).title, n) for r, n in rules]), rules, strict=True)
        ][:SHORT_LIST],
        "top_gaps": [
            {"gap": top.gap, "journey": top.journey, "text": rule_text(top.gap.rule)} for top in data.top_gaps
        ],
        # The two bar lists share a column: the longest bars, the rest a link away.
        "share_bars": bars(list(data.accountable_share), total=data.accountable_total)[:SHORT_LIST],
        "share_more": max(len(data.accountable_share) - SHORT_LIST, 0),
        "rule_more": max(len(rules) - SHORT_LIST, 0),
        "function_rows": function_rows(figures, gaps_url),
        "journey_rows": [
            {"place": place, "change": change_words(place.change, days=days, earlier=figures.change.earlier)}
            for place in figures.worst_journeys
        ],
        "heat_rows": heat_rows(data, gaps_url, days),
        # The reviews that ask this member to confirm A's (their inbox told them too).
        "review_requests": review_requests_open(membership=membership),
    }


def period_of(value: str | None) -> int:
    """The period asked for in the URL, in days; anything else is the default."""
    try:
        days = int(value or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _query(*, period: int, heat: bool = False, journey: int | None = None) -> dict:
    """The dashboard's own parameters, the defaults left out so that links stay short."""
    return {
        **({"period": period} if period != DEFAULT_PERIOD else {}),
        **({"heat": "all"} if heat else {}),
        **({"journey": journey} if journey else {}),
    }


def change_words(
    figure: Figure, *, days: int, earlier: bool, unit: str = "", compared: str = "", higher_is_better: bool = False
) -> dict:
    """A figure's change in words, with an arrow and whether it is better or worse: never colour alone.

    "+4 since 30 days ago (worse)", "−5 points since 7 days ago (better)", "no change since …";
    an organization younger than the period has no earlier figure, nor has a coverage with
    nothing in scope (docs/figures.md).
    """
    compared = compared or f"since {days} days ago"
    change = figure.change
    if not earlier:
        text = f"no figure from {days} days ago: the organization is newer"
        return {"arrow": "", "text": text, "short": "—", "title": text, "tone": "same"}
    if change is None:
        text = "no figure: nothing is in scope"
        return {"arrow": "", "text": text, "short": "—", "title": text, "tone": "same"}
    if change == 0:
        return {"arrow": "→", "text": f"no change {compared}", "short": "no change", "tone": "same"}
    better = (change > 0) == higher_is_better
    signed = f"{'+' if change > 0 else '−'}{abs(change)}"
    judgement = "better" if better else "worse"
    return {
        "arrow": "▲" if change > 0 else "▼",
        "text": f"{signed}{unit} {compared}",
        "short": signed,
        "title": f"{signed}{unit} {compared} ({judgement})",
        "tone": judgement,
        "judgement": judgement,
    }


def change_cards(data: Dashboard) -> list[dict]:
    """The headline cards: each figure now, and its change over the period."""
    figures = data.figures
    change, days = figures.change, figures.change.days
    coverage, gaps = figures.coverage, figures.gaps

    def words(figure: Figure, **kwargs) -> dict:
        return change_words(figure, days=days, earlier=change.earlier, **kwargs)

    return [
        {
            "key": "coverage",
            "label": "Coverage",
            "value": "—" if coverage.percent is None else f"{coverage.percent}%",
            "note": f"{coverage.covered} of {coverage.in_scope} touchpoints with one A and an R"
            if coverage.in_scope
            else "no touchpoint is in scope",
            "change": words(change.coverage, unit=" points", higher_is_better=True),
            "href": None,
        },
        {
            "key": "open",
            "label": "Open gaps",
            "value": gaps.total,
            "note": "",  # its split by severity, from severity_bars
            "change": words(change.open_gaps),
            "href": "",
        },
        {
            "key": "error",
            "label": SEVERITY_TEXT[Severity.ERROR].plural,
            "value": gaps.errors,
            "note": "open error gaps, not accepted",
            "change": words(change.errors),
            "href": "?severity=error",
        },
        {
            "key": "accepted",
            "label": "Accepted risks",
            "value": gaps.accepted_risks,
            "note": "lived with until their expiry",
            "change": words(change.accepted_risks),
            "href": "?workflow_status=accepted",
        },
        {
            "key": "resolved",
            "label": f"Resolved in {days} days",
            "value": change.resolved.now,
            "note": f"closed since {change.since:%-d %b}, still closed",
            "change": words(change.resolved, compared=f"on the {days} days before", higher_is_better=True),
            "href": "?status=resolved",
        },
    ]


# The chart's units are about the pixels it is drawn in (a third of the page, or a phone's width),
# so its 13-unit axis text reads at 12 px or more rather than shrinking with a wide viewBox.
CHART_WIDTH, CHART_HEIGHT, CHART_PAD, CHART_BOTTOM = 360, 200, 36, 34


# Bottom to top: what is still open, what was accepted, what was resolved that day.
TREND_BANDS = (("open", "open gaps"), ("accepted", "accepted risks"), ("resolved", "resolved that day"))


class _ChartScale:
    """Days to x and counts to y, in the chart's own units."""

    def __init__(self, days: int, top: int) -> None:
        self.days, self.top = days, max(top, 1)
        self.inner_w = CHART_WIDTH - 2 * CHART_PAD
        self.inner_h = CHART_HEIGHT - CHART_PAD - CHART_BOTTOM
        self.step = self.inner_w / (days - 1) if days > 1 else 0

    def x(self, index: int) -> float:
        return round(CHART_PAD + (index * self.step if self.days > 1 else self.inner_w / 2), 1)

    def y(self, value: float) -> float:
        return round(CHART_PAD + self.inner_h - value / self.top * self.inner_h, 1)


def _trend_layers(values: list[dict], scale: _ChartScale) -> list[dict]:
    """One stacked band per TREND_BANDS entry, with its name and today's count written on it
    where it is tall enough, so that colour is not the only cue."""
    layers = []
    below = [0] * len(values)
    for key, words in TREND_BANDS:
        above = [below[i] + values[i][key] for i in range(len(values))]
        upper = [f"{scale.x(i)},{scale.y(v)}" for i, v in enumerate(above)]
        lower = [f"{scale.x(i)},{scale.y(v)}" for i, v in reversed(list(enumerate(below)))]
        layer = {"key": key, "words": words, "points": " ".join(upper + lower)}
        band = scale.y(below[-1]) - scale.y(above[-1])
        if values[-1][key] and band >= 12:
            layer["label"] = {
                "x": CHART_WIDTH - CHART_PAD - 6,
                "y": round(scale.y(above[-1]) + band / 2, 1),
                "text": f"{values[-1][key]} {words}",
            }
        layers.append(layer)
        below = above
    return layers


def trend_chart(points) -> dict | None:
    """Stacked areas, one point per day: open gaps, accepted risks and the day's resolutions.

    The x axis is time: every day has its place whether anything happened or not, and a few
    dates are written under it (about five, every other day for a week).
    """
    points = list(points)
    if not points:
        return None
    values = [{"open": p.open_total, "accepted": p.accepted, "resolved": p.resolved} for p in points]
    top = max(sum(v.values()) for v in values)
    scale = _ChartScale(len(points), top)
    # About five dates: at the chart's 13-unit text more would overlap in its 290 units.
    every = 1 if len(points) <= 5 else max(1, round((len(points) - 1) / 4))
    ticks = sorted(range(len(points) - 1, -1, -every))  # counted back from today
    last = len(points) - 1
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "layers": _trend_layers(values, scale),
        "dates": [
            {"x": scale.x(i), "day": points[i].day, "anchor": "start" if i == 0 else "end" if i == last else "middle"}
            for i in ticks
        ],
        "ticks": [{"y": scale.y(t), "value": t} for t in sorted({0, scale.top, round(scale.top / 2)})],
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
        "base": scale.y(0),
        "rows": [{"day": p.day, **v, "errors": p.errors} for p, v in zip(points, values, strict=True)],
        "first": points[0].day,
        "last": points[-1].day,
    }


def severity_count_label(severity: str, count: int) -> str:
    """ "1 error", "2 errors", "3 info": the severity's own word, as every page writes it."""
    text = SEVERITY_TEXT[severity]
    return (text.label if count == 1 else text.plural).lower()


def severity_bars(gaps: GapFigures) -> list[dict]:
    total = max(gaps.total, 1)
    return [
        {
            "severity": s,
            "text": SEVERITY_TEXT[s],
            "count": gaps.by_severity.get(s, 0),
            "words": severity_count_label(s, gaps.by_severity.get(s, 0)),
            "pct": round(100 * gaps.by_severity.get(s, 0) / total),
        }
        for s in SEVERITIES
    ]


def bars(rows: list[tuple[str, int]], total: int | None = None) -> list[dict]:
    """Horizontal bars scaled to the largest value; `pct` is the share of `total` when given."""
    top = max((count for _, count in rows), default=0) or 1
    return [
        {
            "label": label,
            "count": count,
            "width": round(100 * count / top, 1),
            "pct": round(100 * count / total) if total else None,
        }
        for label, count in rows
    ]


def function_rows(figures: Figures, gaps_url: str) -> list[dict]:
    """Gaps by function: a stacked bar per function (scaled to the busiest) and its counts."""
    top = max((row.total for row in figures.by_function), default=0) or 1
    rows = []
    for row in figures.by_function:
        offset, segments = 0.0, []
        for severity in SEVERITIES:
            width = round(100 * row.by_severity[severity] / top, 1)
            if width:
                segments.append({"severity": severity, "x": offset, "width": width})
            offset += width
        rows.append(
            {
                "row": row,
                "counts": [row.by_severity[s] for s in SEVERITIES],
                "segments": segments,
                "href": f"{gaps_url}?{urlencode({'function': row.id})}",
            }
        )
    return rows


def _heat_cells(row, data: Dashboard, top: int, gaps_url: str, where: dict) -> list[dict]:
    """A row's cells; those with open gaps link to the gaps page filtered to the cell."""
    return [
        {
            "count": count,
            "shade": 0 if not count else max(1, round(5 * count / top)),
            "gaps": gaps,
            "function": name,
            "href": f"{gaps_url}?{urlencode({**where, 'function': function_id})}" if gaps else None,
        }
        for count, gaps, (function_id, name) in zip(row.counts, row.gap_functions, data.figures.functions, strict=True)
    ]


def heat_rows(data: Dashboard, gaps_url: str, days: int = DEFAULT_PERIOD) -> list[dict]:
    """The function × journey heatmap, with the open journey's stages under it: a shade of 0–5
    per cell, journeys scaled to the busiest journey cell and stages to the busiest stage cell."""
    journey_top = max((c for row in data.heatmap for c in row.counts), default=0) or 1
    stage_top = max((c for row in data.heatmap for stage in row.stages or () for c in stage.counts), default=0) or 1
    return [
        {
            "row": row,
            "cells": _heat_cells(row, data, journey_top, gaps_url, {"journey": row.id}),
            "open": row.stages is not None,
            "stages": [
                {
                    "row": stage,
                    "cells": _heat_cells(stage, data, stage_top, gaps_url, {"journey": row.id, "stage": stage.id}),
                }
                for stage in row.stages or ()
            ],
            # Opening a journey closes the open one; the link keeps "all journeys" and the period.
            "toggle": "?"
            + urlencode(
                _query(period=days, heat=data.all_journeys, journey=None if row.stages is not None else row.id)
            ),
        }
        for row in data.heatmap
    ]
