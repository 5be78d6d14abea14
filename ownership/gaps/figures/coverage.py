"""Coverage, the headline figure: the share of in-scope touchpoints with exactly one A and at
least one R (docs/figures.md).

Read from the live matrix by one SQL aggregate, per journey and, where asked, per stage; the
organization's, a journey's or a stage's figure is a sum of those rows, never a second query.
A what-if matrix (a scenario) has no rows to aggregate: its coverage is counted by the rules
over its snapshot (ownership.engine.rules.coverage_counts), the same definition in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from journeys.models import Journey, Touchpoint
from ownership.engine.rules import coverage_counts
from ownership.engine.snapshot import OrgSnapshot
from ownership.models import Assignment


@dataclass(frozen=True)
class Coverage:
    """How many in-scope touchpoints there are, and how many have one A and at least one R."""

    in_scope: int = 0
    covered: int = 0

    @property
    def share(self) -> float | None:
        """covered ÷ in scope; None when nothing is in scope: no figure, neither 0 % nor 100 %."""
        return self.covered / self.in_scope if self.in_scope else None

    @property
    def percent(self) -> int | None:
        """The share in whole percent, as every page writes it; None when nothing is in scope."""
        share = self.share
        return None if share is None else round(100 * share)

    @property
    def in_words(self) -> str:
        """ "40% of 5 in-scope touchpoints", or "— (no touchpoint is in scope)": the mails' words."""
        if self.percent is None:
            return "— (no touchpoint is in scope)"
        return f"{self.percent}% of {self.in_scope} in-scope touchpoints"

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(self.in_scope + other.in_scope, self.covered + other.covered)

    @classmethod
    def total(cls, parts: Iterable[Coverage]) -> Coverage:
        return sum(parts, cls())

    @classmethod
    def of_snapshot(cls, snapshot: OrgSnapshot) -> Coverage:
        """A snapshot's coverage, counted by the rules (a scenario's matrix has no live rows)."""
        in_scope, covered = coverage_counts(snapshot)
        return cls(in_scope, covered)


NOTHING_IN_SCOPE = Coverage()


# Per touchpoint its A and R holders, per (journey, stage) the in-scope and covered counts.
# Letters are unique per (touchpoint, function), so counting A rows counts accountable functions.
_COVERAGE_SQL = """
SELECT t.journey_id, {stage},
       COUNT(*),
       SUM(CASE WHEN x.accountable = 1 AND x.responsible > 0 THEN 1 ELSE 0 END)
FROM {touchpoint} t
LEFT JOIN (
    SELECT touchpoint_id,
           SUM(CASE WHEN letter = 'A' THEN 1 ELSE 0 END) AS accountable,
           SUM(CASE WHEN letter = 'R' THEN 1 ELSE 0 END) AS responsible
    FROM {assignment}
    WHERE {letters_where}
    GROUP BY touchpoint_id
) x ON x.touchpoint_id = t.id
WHERE {touchpoint_where} AND NOT t.out_of_scope
GROUP BY 1, 2
"""


class CoverageRows(dict):
    """(journey id, stage id or None) -> Coverage; a stage id only where stages were asked for."""

    @property
    def organization(self) -> Coverage:
        return Coverage.total(self.values())

    def journeys(self) -> dict[int, Coverage]:
        by_journey: dict[int, Coverage] = {}
        for (journey_id, _), part in self.items():
            by_journey[journey_id] = by_journey.get(journey_id, NOTHING_IN_SCOPE) + part
        return by_journey

    def journey(self, journey_id: int) -> Coverage:
        return Coverage.total(part for (j, _), part in self.items() if j == journey_id)

    def stages(self) -> dict[int, Coverage]:
        return {stage_id: part for (_, stage_id), part in self.items() if stage_id is not None}


def coverage_read(
    *,
    organization,
    journey_ids: Iterable[int] | None = None,
    stage_id: int | None = None,
    stages_of: int | None = None,
) -> CoverageRows:
    """Live coverage per journey of the organization (or of `journey_ids`, or of one stage), in
    one query; the stages of journey `stages_of` (or the asked stage) come apart. Journeys and
    stages with nothing in scope have no row."""
    params: list = [organization.pk]
    letters_where, touchpoint_where = "organization_id = %s", "t.organization_id = %s"
    touchpoint_table = Touchpoint._meta.db_table
    if stage_id is not None:
        # The letters of that stage only: the cost follows the part read, not the organization.
        letters_where += f" AND touchpoint_id IN (SELECT id FROM {touchpoint_table} WHERE stage_id = %s)"
        touchpoint_where += " AND t.stage_id = %s"
        params = [organization.pk, stage_id, organization.pk, stage_id]
    elif journey_ids is not None:
        ids = [int(pk) for pk in journey_ids]
        if not ids:
            return CoverageRows()
        # Reached through the organization's journeys, by the journey and touchpoint indexes: with
        # an organization filter on the letters or the touchpoints too, SQLite read the whole
        # organization's rows to count one journey (a cell edit's header in a 20-row journey
        # cost as much as in a 2,000-row one).
        marks = ", ".join(["%s"] * len(ids))
        journeys = f"SELECT id FROM {Journey._meta.db_table} WHERE organization_id = %s AND id IN ({marks})"
        letters_where = f"touchpoint_id IN (SELECT id FROM {touchpoint_table} WHERE journey_id IN ({journeys}))"
        touchpoint_where = f"t.journey_id IN ({journeys})"
        params = [organization.pk, *ids, organization.pk, *ids]
    else:
        params = [organization.pk, organization.pk]
    if stage_id is not None:
        stage = "t.stage_id"
    elif stages_of is not None:
        stage = "CASE WHEN t.journey_id = %s THEN t.stage_id END"
        params.insert(0, int(stages_of))
    else:
        stage = "NULL"
    sql = _COVERAGE_SQL.format(
        stage=stage,
        touchpoint=touchpoint_table,
        assignment=Assignment._meta.db_table,
        letters_where=letters_where,
        touchpoint_where=touchpoint_where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return CoverageRows(
            ((journey_id, stage), Coverage(in_scope, covered or 0))
            for journey_id, stage, in_scope, covered in cursor.fetchall()
        )
