"""The one read of every figure: coverage, open gaps (by severity, rule, function, journey and
stage), accepted risks, handoff gaps, the worst-first order and the change over a period — for
the organization, a journey or a stage. docs/figures.md defines each figure in words; the
dashboard, the journeys page, the matrix header, the gaps page, the report (page, PDF, mail),
the API, the e-mail digest and the scenarios read them here.

- coverage: Coverage and its SQL aggregate over the live matrix;
- counts: the open gaps and accepted risks tallied by place, and by function;
- history: the figures of past days from the gap history, and the change over a period;
- read: a place's figures read together, and the worst-first order.
"""

from ownership.gaps.figures.counts import (
    NO_GAPS,
    FunctionGaps,
    GapFigures,
    GapTally,
    LiveGaps,
    gap_tally_read,
    live_gaps_read,
)
from ownership.gaps.figures.coverage import NOTHING_IN_SCOPE, Coverage, coverage_read
from ownership.gaps.figures.history import (
    DEFAULT_PERIOD,
    PERIODS,
    Figure,
    GapCounts,
    PeriodChange,
    daily_trend,
    gap_counts_on,
    period_change,
    period_changes,
)
from ownership.gaps.figures.read import (
    WORST_JOURNEYS,
    Figures,
    PlaceFigures,
    Standing,
    WhatIf,
    figures_read,
    journey_standings,
    standing_read,
    worst_first,
    worst_first_key,
)

__all__ = [
    "DEFAULT_PERIOD",
    "NOTHING_IN_SCOPE",
    "NO_GAPS",
    "PERIODS",
    "WORST_JOURNEYS",
    "Coverage",
    "Figure",
    "Figures",
    "FunctionGaps",
    "GapCounts",
    "GapFigures",
    "GapTally",
    "LiveGaps",
    "PeriodChange",
    "PlaceFigures",
    "Standing",
    "WhatIf",
    "coverage_read",
    "daily_trend",
    "figures_read",
    "gap_counts_on",
    "gap_tally_read",
    "journey_standings",
    "live_gaps_read",
    "period_change",
    "period_changes",
    "standing_read",
    "worst_first",
    "worst_first_key",
]
