"""The open gaps as figures: by severity, rule, function, journey and stage, accepted risks apart.

Definitions (docs/figures.md): an open gap is a gap the rules find now that nobody accepted as
a risk; an accepted risk is counted apart, never among the open gaps. A journey's gaps are those
naming the journey (its touchpoints, its handoffs, the journey as a whole); a stage's are those
about a touchpoint of the stage (a handoff counts where it starts). Gaps about a function name
no journey: they count for the organization only.

Every figure is tallied from rows (place, rule, severity, accepted, how many) by one class,
GapTally, whether the rows come from one aggregate over the live Gap rows or from a scenario's
findings: the definitions are applied once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, F, Q, When

from journeys.models import Touchpoint
from ownership.engine.constants import RULE_SEVERITY, Rule, Severity
from ownership.engine.rules import stale_ownership_count
from ownership.engine.snapshot import OrgSnapshot
from ownership.gaps.selectors import open_gaps
from ownership.models import Gap, GapStatus

SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class GapFigures:
    """The open gaps of one place (the organization, a journey or a stage), and its accepted risks."""

    by_severity: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    by_rule: Mapping[str, int] = field(default_factory=dict)  # rules with open gaps only
    accepted_risks: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())

    @property
    def errors(self) -> int:
        return self.by_severity.get(Severity.ERROR, 0)

    @property
    def warnings(self) -> int:
        return self.by_severity.get(Severity.WARNING, 0)

    @property
    def info(self) -> int:
        return self.by_severity.get(Severity.INFO, 0)

    @property
    def handoff_gaps(self) -> int:
        return self.by_rule.get(Rule.HANDOFF_GAP, 0)

    def rules_most_first(self) -> list[tuple[str, int]]:
        """(rule, open gaps) with the most frequent rule first, ties by rule."""
        return sorted(self.by_rule.items(), key=lambda item: (-item[1], item[0]))


NO_GAPS = GapFigures()


# A place: the organization (None), ("journey", id) or ("stage", id).
ORGANIZATION = None


class GapTally:
    """Counts rows of gaps into the places they belong to, then answers each place's figures."""

    def __init__(self) -> None:
        self._open: dict[object, Counter] = defaultdict(Counter)  # place -> (rule, severity) -> n
        self._accepted: Counter = Counter()  # place -> n

    def add(self, *, rule: str, severity: str, accepted: bool, n: int = 1, journey_id=None, stage_id=None) -> GapTally:
        places = [ORGANIZATION]
        if journey_id is not None:
            places.append(("journey", journey_id))
        if stage_id is not None:
            places.append(("stage", stage_id))
        for place in places:
            if accepted:
                self._accepted[place] += n
            else:
                self._open[place][(rule, severity)] += n
        return self

    def _figures(self, place) -> GapFigures:
        pairs = self._open.get(place, Counter())
        by_severity = dict.fromkeys(SEVERITIES, 0)
        by_rule: Counter = Counter()
        for (rule, severity), n in pairs.items():
            if n:
                by_severity[severity] = by_severity.get(severity, 0) + n
                by_rule[rule] += n
        return GapFigures(by_severity=by_severity, by_rule=dict(by_rule), accepted_risks=self._accepted[place])

    def changed(self, *, opened: Iterable, closed: Iterable, accepted: Iterable[str]) -> GapTally:
        """This tally after a change of the matrix that opens the findings `opened` and closes
        `closed` (a scenario): a closed gap that was an accepted risk (its fingerprint is in
        `accepted`) leaves the accepted risks; an opened one is open, nobody decided about it yet."""
        accepted = set(accepted)
        changed = GapTally()
        for place, pairs in self._open.items():
            changed._open[place] = Counter(pairs)
        changed._accepted = Counter(self._accepted)
        for findings, step in ((closed, -1), (opened, 1)):
            for finding in findings:
                changed.add(
                    rule=finding.rule.value,
                    severity=finding.severity.value,
                    accepted=step < 0 and finding.fingerprint in accepted,
                    n=step,
                    journey_id=finding.journey_id,
                )
        return changed

    @property
    def whole(self) -> GapFigures:
        """The figures of everything read: the organization, or the one journey or stage asked for."""
        return self._figures(ORGANIZATION)

    def journey_ids(self) -> set[int]:
        """The journeys with open gaps or accepted risks."""
        places = set(self._open) | set(self._accepted)
        return {place[1] for place in places if place is not ORGANIZATION and place[0] == "journey"}

    def open_by_journey(self) -> dict[int, int]:
        """Journey id -> its open gaps, for the journeys with any."""
        return {
            place[1]: total
            for place, pairs in self._open.items()
            if place is not ORGANIZATION and place[0] == "journey" and (total := sum(pairs.values()))
        }

    def journey(self, journey_id: int) -> GapFigures:
        return self._figures(("journey", journey_id))

    def stage(self, stage_id: int) -> GapFigures:
        return self._figures(("stage", stage_id))


def open_gap_rows(*, organization, journey_id: int | None = None, stage_id: int | None = None):
    """The organization's unresolved gaps (accepted risks included), of one journey or one stage."""
    gaps = open_gaps(organization=organization)
    if stage_id is not None:
        return gaps.filter(touchpoint__stage_id=stage_id)
    if journey_id is not None:
        return gaps.filter(journey_id=journey_id)
    return gaps


def gap_tally_read(
    *, organization, journey_id: int | None = None, stage_id: int | None = None, stages_of: int | None = None
) -> GapTally:
    """The open gaps and accepted risks of the organization (or one journey, or one stage) and of
    each of its journeys; stages too for the stages of `stages_of` or of a journey or stage asked
    for. One aggregate query."""
    gaps = open_gap_rows(organization=organization, journey_id=journey_id, stage_id=stage_id)
    if stage_id is not None or journey_id is not None:
        stage = F("touchpoint__stage_id")
    elif stages_of is not None:
        stage = Case(When(journey_id=stages_of, then=F("touchpoint__stage_id")), default=None)
    else:
        stage = None
    columns = ["journey_id", "rule", "severity", "workflow_status"]
    gaps = gaps.order_by()
    if stage is not None:
        gaps = gaps.annotate(place_stage=stage)
        columns.append("place_stage")
    tally = GapTally()
    for row in gaps.values_list(*columns).annotate(n=Count("id")):
        journey, rule, severity, status = row[:4]
        tally.add(
            rule=rule,
            severity=severity,
            accepted=status == GapStatus.ACCEPTED,
            n=row[-1],
            journey_id=journey,
            stage_id=row[4] if stage is not None else None,
        )
    return tally


@dataclass(frozen=True)
class LiveGaps:
    """The organization's open gap rows as a scenario's comparison reads them."""

    tally: GapTally  # the organization's figures only: no journey or stage
    accepted: frozenset[str]  # the fingerprints of its accepted risks
    by_rule: Mapping[tuple[str, str], int]  # (rule, severity) -> open gaps, accepted risks included

    def audit_totals(self, snapshot: OrgSnapshot) -> dict[Severity, int]:
        """How many findings a fresh audit of `snapshot`, the live matrix, finds, by severity.

        The open gap rows are those findings (ownership/gaps/live.py keeps them so on every
        write), except stale ownership, which time changes with no write until the next audit:
        that rule runs on the snapshot instead (one pass over its letters, no query)."""
        totals = dict.fromkeys(Severity, 0)
        for (rule, severity), n in self.by_rule.items():
            if rule != Rule.STALE_OWNERSHIP:
                totals[Severity(severity)] += n
        totals[RULE_SEVERITY[Rule.STALE_OWNERSHIP]] += stale_ownership_count(snapshot)
        return totals


def live_gaps_read(*, organization) -> LiveGaps:
    """The organization's tally as a whole (not its journeys'), the fingerprints of its accepted
    risks and its open gaps by rule (what a scenario's comparison needs): one aggregate query,
    a row per rule, severity and status, and one per accepted risk (tens of thousands of open
    gaps at 100k touchpoints, a few dozen rows)."""
    tally, accepted, by_rule = GapTally(), set(), Counter()
    is_accepted = Q(workflow_status=GapStatus.ACCEPTED)
    rows = (
        open_gap_rows(organization=organization)
        .order_by()
        .annotate(accepted_fingerprint=Case(When(is_accepted, then=F("fingerprint")), default=None))
        .values_list("rule", "severity", "workflow_status", "accepted_fingerprint")
        .annotate(n=Count("id"))
    )
    for rule, severity, status, fingerprint, n in rows:
        tally.add(rule=rule, severity=severity, accepted=status == GapStatus.ACCEPTED, n=n)
        by_rule[(rule, severity)] += n
        if fingerprint is not None:
            accepted.add(fingerprint)
    return LiveGaps(tally, frozenset(accepted), by_rule)


# By function ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FunctionGaps:
    """The open gaps naming one function, by severity (a gap naming two functions counts for each)."""

    id: int
    name: str
    by_severity: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


# Each open gap once per function it names: the finding's JSON list, unnested by the database,
# so the count is whole however many gaps there are and only functions × severities come back.
_FUNCTIONS_UNNESTED = {
    "postgresql": ("f.name", "jsonb_array_elements_text(g.finding -> 'functions') AS f(name)"),
    "sqlite": ("f.value", "json_each(g.finding, '$.functions') AS f"),
}


class FunctionTally:
    """Open gaps naming each function (by name) and severity, per place."""

    def __init__(self, functions: Iterable[tuple[int, str]]) -> None:
        self.functions = tuple(functions)  # (id, name) in the organization's order
        self._counts: dict[object, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))

    def add(self, *, name: str, severity: str, n: int, journey_id=None, stage_id=None) -> None:
        for place in (ORGANIZATION, ("journey", journey_id), ("stage", stage_id)):
            if place is ORGANIZATION or place[1] is not None:
                self._counts[place][name][severity] += n

    def by_function(self, place=ORGANIZATION) -> tuple[FunctionGaps, ...]:
        """The functions named by open gaps here, the most errors first (then most gaps, name)."""
        counts = self._counts.get(place, {})
        rows = [
            FunctionGaps(function_id, name, {s: counts[name][s] for s in SEVERITIES})
            for function_id, name in self.functions
            if name in counts
        ]
        return tuple(sorted(rows, key=lambda row: (-row.by_severity[Severity.ERROR], -row.total, row.name)))

    def cells(self, place) -> tuple[int, ...]:
        """Open gaps here naming each function, in the organization's order of functions."""
        counts = self._counts.get(place, {})
        return tuple(sum(counts[name].values()) if name in counts else 0 for _, name in self.functions)


def function_tally_read(
    *,
    organization,
    functions: Iterable[tuple[int, str]],
    journey_id: int | None = None,
    stage_id: int | None = None,
    stages_of: int | None = None,
) -> FunctionTally:
    """Open gaps (accepted risks apart) naming each function, for the organization (or one
    journey, or one stage), each journey and the stages asked for, as gap_tally_read: one query."""
    name, unnested = _FUNCTIONS_UNNESTED[connection.vendor]
    params: list = []
    if stage_id is not None or journey_id is not None:
        stage = "t.stage_id"
    elif stages_of is not None:
        stage = "CASE WHEN g.journey_id = %s THEN t.stage_id END"
        params.append(int(stages_of))
    else:
        stage = "NULL"
    sql = (
        f"SELECT g.journey_id, {stage}, {name}, g.severity, COUNT(*) FROM {Gap._meta.db_table} g "
        f"LEFT JOIN {Touchpoint._meta.db_table} t ON t.id = g.touchpoint_id, "
        f"{unnested} WHERE g.organization_id = %s AND g.resolved_at IS NULL AND g.workflow_status <> %s"
    )
    params += [organization.pk, GapStatus.ACCEPTED.value]
    if stage_id is not None:
        sql += " AND t.stage_id = %s"
        params.append(stage_id)
    elif journey_id is not None:
        sql += " AND g.journey_id = %s"
        params.append(journey_id)
    tally = FunctionTally(functions)
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY 1, 2, 3, 4", params)
        for journey, stage_of_gap, function, severity, n in cursor.fetchall():
            tally.add(name=function, severity=severity, n=n, journey_id=journey, stage_id=stage_of_gap)
    return tally
