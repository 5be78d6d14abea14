"""The dashboard, the executives' home: live coverage and gaps, the trend of the audit runs,
the heatmap by journey (one journey open at a time, to see its stages) and the top gaps.

Charts are drawn on the server as SVG: no JavaScript library, nothing to load, readable
without scripts. Geometry is computed here and the template only places it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cxowner.views import membership_for, render_org

from .constants import Severity
from .dashboard import Dashboard, dashboard_load
from .vocabulary import SEVERITY_TEXT, rule_text

SEVERITIES = [s.value for s in Severity]


@login_required
@require_GET
def dashboard(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    try:
        open_journey = int(request.GET["journey"]) if request.GET.get("journey") else None
    except ValueError:
        open_journey = None  # a hand-edited link: show the journeys closed rather than fail
    data = dashboard_load(
        organization=membership.organization, open_journey=open_journey, all_journeys=request.GET.get("heat") == "all"
    )
    return render_org(
        request,
        membership,
        "dashboard/dashboard.html",
        {
            "nav": "dashboard",
            "data": data,
            "trend": trend_chart(data),
            "severity_bars": severity_bars(data),
            "rule_bars": [
                {**bar, "code": code}
                for bar, (code, _) in zip(
                    bars([(rule_text(r).title, n) for r, n in data.open_by_rule]), data.open_by_rule, strict=True
                )
            ],
            "top_gaps": [{"gap": gap, "touchpoint_id": tp, "text": rule_text(gap.rule)} for gap, tp in data.top_gaps],
            "share_bars": bars(data.accountable_share, total=data.accountable_total),
            "heat_rows": heat_rows(data),
        },
    )


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 200, 28


def trend_chart(data: Dashboard) -> dict | None:
    """Stacked areas of open gaps by severity over the audit runs, oldest first."""
    points = data.trend
    if not points:
        return None
    top = max(max(point.total for point in points), 1)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / (len(points) - 1) if len(points) > 1 else 0

    def x(index: int) -> float:
        return round(CHART_PAD + (index * step if len(points) > 1 else inner_w / 2), 1)

    def y(value: float) -> float:
        return round(CHART_PAD + inner_h - value / top * inner_h, 1)

    layers = []
    below = [0] * len(points)
    for severity in reversed(SEVERITIES):  # info at the bottom, errors on top
        above = [below[i] + points[i].counts.get(severity, 0) for i in range(len(points))]
        upper = [f"{x(i)},{y(v)}" for i, v in enumerate(above)]
        lower = [f"{x(i)},{y(v)}" for i, v in reversed(list(enumerate(below)))]
        if len(points) == 1:  # one run: a bar rather than an invisible area
            half = 14
            layers.append(
                {
                    "severity": severity,
                    "points": f"{x(0) - half},{y(above[0])} {x(0) + half},{y(above[0])} "
                    f"{x(0) + half},{y(below[0])} {x(0) - half},{y(below[0])}",
                }
            )
        else:
            layers.append({"severity": severity, "points": " ".join(upper + lower)})
        # The band's name and latest count written on it, so that colour is not the only cue
        # (where the band is tall enough to hold the words).
        band = y(below[-1]) - y(above[-1])
        count = points[-1].counts.get(severity, 0)
        if count and band >= 12:
            single = len(points) == 1  # beside the bar, or inside the right end of the areas
            layers[-1]["label"] = {
                "x": x(0) + 18 if single else CHART_WIDTH - CHART_PAD - 6,
                "anchor": "start" if single else "end",
                "y": round(y(above[-1]) + band / 2, 1),
                "text": f"{count} {severity_count_label(severity, count)}",
            }
        below = above
    ticks = sorted({0, top, round(top / 2)})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "layers": layers,
        "dots": [{"x": x(i), "y": y(point.total), "point": point, "label": point.at} for i, point in enumerate(points)],
        "line": " ".join(f"{x(i)},{y(point.total)}" for i, point in enumerate(points)),
        "ticks": [{"y": y(t), "value": t} for t in ticks],
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
        "first": points[0].at,
        "last": points[-1].at,
        "runs": len(points),
    }


def severity_count_label(severity: str, count: int) -> str:
    """ "1 error", "2 errors", "3 info": the severity's own word, as every page writes it."""
    text = SEVERITY_TEXT[severity]
    return (text.label if count == 1 else text.plural).lower()


def severity_bars(data: Dashboard) -> list[dict]:
    total = max(data.open_total, 1)
    return [
        {
            "severity": s,
            "text": SEVERITY_TEXT[s],
            "count": data.open_by_severity.get(s, 0),
            "pct": round(100 * data.open_by_severity.get(s, 0) / total),
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


def _heat_cells(row, functions: tuple[str, ...], top: int) -> list[dict]:
    return [
        {"count": count, "shade": 0 if not count else max(1, round(5 * count / top)), "gaps": gaps, "function": f}
        for count, gaps, f in zip(row.counts, row.gap_functions, functions, strict=True)
    ]


def heat_rows(data: Dashboard) -> list[dict]:
    """The function × journey heatmap, with the open journey's stages under it: a shade of 0–5
    per cell, journeys scaled to the busiest journey cell and stages to the busiest stage cell."""
    journey_top = max((c for row in data.heatmap for c in row.counts), default=0) or 1
    stage_top = max((c for row in data.heatmap for stage in row.stages or () for c in stage.counts), default=0) or 1
    return [
        {
            "row": row,
            "cells": _heat_cells(row, data.functions, journey_top),
            "open": row.stages is not None,
            "stages": [
                {"row": stage, "cells": _heat_cells(stage, data.functions, stage_top)} for stage in row.stages or ()
            ],
            # Opening a journey closes the open one; the link keeps "all journeys" if chosen.
            "toggle": "?"
            + urlencode(
                {
                    **({} if row.stages is not None else {"journey": row.id}),
                    **({"heat": "all"} if data.all_journeys else {}),
                }
            ),
        }
        for row in data.heatmap
    ]
