"""The comparison of two matrices, computed over only what differs between them.

A scenario (or a previewed merge or delete) changes some letters and roles; every other
touchpoint keeps its findings. The rules say exactly how far a change reaches
(docs/gap-rules.md): a touchpoint rule judges one touchpoint by its own letters and the roles
they name; a handoff, two consecutive in-scope touchpoints of a journey; a journey rule, the
journeys and their managers' roles; a function rule, counts over the whole matrix. So:

- the *region* is the touchpoints whose letters differ, or whose letters name a role that differs;
- the touchpoint rules run only on the region's *judged* touchpoints: those where what these
  rules read differs (its A rows, how many functions hold each other letter, a role's vacancy).
  A merge moves most of the source's letters to a function that held none there: the letter
  counts stay, and so does every finding of those touchpoints but their handoffs';
- the handoffs run on both sides into and out of the *handed* touchpoints: those whose A rows
  differ, or where a function whose A is held next door comes or goes (a handoff reads only
  its two A holders and whether each takes part in the other touchpoint), over them and their
  in-scope neighbours (the window); every journey rule over every journey (a few thousand
  rows at most);
- the function rules, coverage and the A each function holds come from counts tallied once over
  the matrix before and moved by the difference (tally.py): each function's letters by the rows
  on one side only, coverage by the judged touchpoints.

The same rule functions as the audit's run on those touchpoints, so the findings the change opens
and closes are the ones two full audits would give (tests/engine/test_region.py holds
`compare` equal to comparison.compare_whole). What a full audit of `before` finds in total, by
severity (for `unchanged`), is given by the caller that knows it — the live gaps are a fresh
audit (ownership/gaps/live.py) — or evaluated. No Django here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from itertools import compress, pairwise, repeat
from operator import itemgetter

from ownership.engine.comparison import (
    Cell,
    CellDifference,
    Comparison,
    by_severity,
    cell_differences,
    compare_whole,
    loads_of,
)
from ownership.engine.constants import Rule, Severity
from ownership.engine.rules import (
    RULES,
    Finding,
    evaluate,
    function_bottleneck,
    function_idle,
    handoff_gap,
    in_audit_order,
    stale_ownership,
)
from ownership.engine.snapshot import AssignmentRow, OrgSnapshot, of_touchpoints
from ownership.engine.tally import Tally


def compare(
    before: OrgSnapshot,
    after: OrgSnapshot,
    *,
    found_before: Mapping[Severity, int] | None = None,
    known_before: Mapping[str, tuple[int, ...]] | None = None,
    columns: Set[int] | None = None,
) -> Comparison:
    """What `after` opens and closes compared with `before`, as compare_whole says, over what differs.

    `found_before`: how many findings a full audit of `before` finds, by severity, when the
    caller knows it; otherwise every rule runs over `before` once to count them.
    `known_before`: the fingerprints of the findings about touchpoints a full audit of `before`
    finds, stale ownership apart (time changes it), each with the touchpoints it is about: the
    live gaps. Given, the rules run on `before` only where a finding closes (_found_before).
    `columns`: the functions whose letter rows may differ, when the caller knows them (a
    replay's, whatif.Replay.columns): every other function's rows must be the same on both
    sides. Given, only those functions' rows are compared.
    """
    difference = _difference(before, after, columns)
    if difference is None:  # thresholds or the instant differ: every finding may differ
        return compare_whole(before, after)
    neighbours = _Neighbours.of(before)  # the touchpoints are the same on both sides
    judged, handed = difference.judged, _handed(neighbours, difference)
    window = _window(neighbours, handed)
    was, now = _Side.of(before, window, judged), _Side.of(after, window, judged)
    tally_before = Tally.of(before)
    in_scope = before.in_scope_position
    tally_after = tally_before.moved(
        gone=Tally.part(was.judged, difference.gone, in_scope), came=Tally.part(now.judged, difference.came, in_scope)
    )
    found_now = {f.fingerprint: f for f in _findings(now, handed, tally_after)}
    known = (
        None
        if known_before is None
        else _known_before(neighbours, was, (handed, judged), tally_before, known_before, found_now)
    )
    if known is None:
        found_was = _findings(was, handed, tally_before)
        keys_was = {f.fingerprint for f in found_was}
    else:
        keys_was, found_was = known
    opened = tuple(f for key, f in found_now.items() if key not in keys_was)
    closed = tuple(f for f in found_was if f.fingerprint not in found_now)
    severities_before = dict(found_before) if found_before is not None else by_severity(evaluate(before))
    severities_after = _severities_moved(severities_before, opened, closed)
    counts_before, counts_after = tally_before.accountable_of(before), tally_after.accountable_of(after)
    return Comparison(
        opened=opened,
        closed=closed,
        unchanged=sum(severities_before.values()) - len(closed),
        covered_before=(tally_before.in_scope, tally_before.covered),
        covered_after=(tally_after.in_scope, tally_after.covered),
        loads=loads_of(before, after, counts_before, counts_after, found_was, found_now.values()),
        cells=difference.cell_differences(before, after),
        severities_before=severities_before,
        severities_after=severities_after,
    )


def _severities_moved(
    severities: Mapping[Severity, int], opened: Sequence[Finding], closed: Sequence[Finding]
) -> dict[Severity, int]:
    moved = dict(severities)
    for finding in opened:
        moved[finding.severity] += 1
    for finding in closed:
        moved[finding.severity] -= 1
    return moved


@dataclass(frozen=True)
class _Difference:
    region: set[int]  # the touchpoints whose findings can differ
    cells: set[Cell]  # the cells with a letter row on one side only
    judged: set[int]  # the region's touchpoints whose touchpoint rules can find otherwise (_judged)
    reassigned: set[int]  # the touchpoints whose A rows differ (a subset of `judged`)
    gone: list[AssignmentRow]  # the letter rows before only
    came: list[AssignmentRow]  # the letter rows after only
    # The rows of the functions whose rows differ, on each side: every row of a changed cell.
    compared: tuple[Sequence[AssignmentRow], Sequence[AssignmentRow]]

    def cell_differences(self, before: OrgSnapshot, after: OrgSnapshot) -> tuple[CellDifference, ...]:
        """comparison.cell_differences, over the rows of the changed columns and the region's touchpoints."""
        touchpoints = of_touchpoints(before.touchpoints, self.region)  # the same on both sides
        was, now = self.compared
        return cell_differences(
            replace(before, touchpoints=touchpoints, assignments=was),
            replace(after, touchpoints=touchpoints, assignments=now),
            only=self.cells,
        )


def _difference(before: OrgSnapshot, after: OrgSnapshot, columns: Set[int] | None = None) -> _Difference | None:
    """What differs between the two matrices; None if every finding can.

    Rows are immutable values: a row on both sides is the same letter, with the same role and
    review date. Set differences of the rows (hashed in C) find the changed letters; a row rebuilt
    equal is rightly unchanged.
    """
    if (before.settings, before.taken_at) != (after.settings, after.taken_at) or (
        before.touchpoints is not after.touchpoints and before.touchpoints != after.touchpoints
    ):
        return None
    compared = before.assignments, after.assignments
    if columns is not None:
        compared = list(_of_functions(compared[0], columns)), list(_of_functions(compared[1], columns))
    rows_before, rows_after = set(compared[0]), set(compared[1])
    gone, came = list(rows_before - rows_after), list(rows_after - rows_before)
    changed = [*gone, *came]  # the cells and their touchpoints picked out in C: a merge's are 57k rows
    cells = set(zip(map(itemgetter(0), changed), map(itemgetter(1), changed), strict=True))
    accountable = compress(changed, map("A".__eq__, map(itemgetter(2), changed)))
    region, reassigned = set(map(itemgetter(0), changed)), set(map(itemgetter(0), accountable))
    judged = reassigned | _judged(gone, came)
    roles = _vacancy_changed(before, after)
    if roles:  # vacant_owner finds an A whose role is vacant
        for side in (before, after):
            judged.update(row.touchpoint_id for row in side.assignments if row.role_id in roles)
    return _Difference(region | judged, cells, judged, reassigned, gone, came, compared)


def _of_functions(rows: Sequence[AssignmentRow], function_ids: Set[int]) -> Iterator[AssignmentRow]:
    return compress(rows, map(function_ids.__contains__, map(itemgetter(1), rows)))


def _vacancy_changed(before: OrgSnapshot, after: OrgSnapshot) -> set[int]:
    """The roles vacant on one side only (or vacant on one side, gone on the other).

    A touchpoint rule reads a role only through vacant_owner, which finds an A whose role exists
    and is vacant: a role moved or renamed (a merge moves every role of the source) keeps those
    findings' fingerprints, so their A rows need no scan of the matrix. Their words may differ,
    but a finding found on both sides is neither opened nor closed.
    """

    def vacant(snapshot: OrgSnapshot) -> set[int]:
        return {role.id for role in snapshot.roles if role.is_vacant}

    return vacant(before) ^ vacant(after)


@dataclass(frozen=True)
class _Neighbours:
    """Each in-scope touchpoint's in-scope neighbours in its journey (the handoffs), both ways,
    found in C: zip and compress over the in-scope touchpoints, not a loop per touchpoint."""

    following: dict[int, int]
    preceding: dict[int, int]

    @classmethod
    def of(cls, snapshot: OrgSnapshot) -> _Neighbours:
        in_scope = snapshot.in_scope
        ids, journeys = list(map(itemgetter(0), in_scope)), list(map(itemgetter(1), in_scope))
        handoffs = list(compress(pairwise(ids), map(int.__eq__, journeys, journeys[1:])))
        return cls(dict(handoffs), dict(zip(map(itemgetter(1), handoffs), map(itemgetter(0), handoffs), strict=True)))

    def of_any(self, touchpoint_ids: Iterable[int]) -> set[int]:
        """The neighbours of any of `touchpoint_ids` (an out-of-scope touchpoint has none)."""
        touchpoint_ids = list(touchpoint_ids)
        found = {*map(self.following.get, touchpoint_ids), *map(self.preceding.get, touchpoint_ids)}
        found.discard(None)
        return found


def _window(neighbours: _Neighbours, region: set[int]) -> set[int]:
    """The region and each of its in-scope touchpoints' in-scope neighbours in its journey."""
    return region | neighbours.of_any(region)


def _judged(gone: Sequence[AssignmentRow], came: Sequence[AssignmentRow]) -> set[int]:
    """The touchpoints where what the touchpoint rules read differs, from the letter rows on one
    side only (`gone` before, `came` after): how many functions hold an R, a C or an I there.
    The caller adds those whose A rows differ (the function, role and review date behind
    multiple_accountable, vacant_owner and stale_ownership) and those whose A's role changed
    vacancy. Whether a touchpoint has any letter follows: a letter on one side only moves one of
    those. Elsewhere every finding about the touchpoint alone has the same fingerprint on both
    sides (the rules name it by the touchpoint, its A's role or function)."""

    def counted(rows: Sequence[AssignmentRow]) -> set[tuple[tuple[int, str], int]]:
        """((touchpoint, letter), how many of the rows) for the R, C and I rows, counted in C."""
        letters = list(map(itemgetter(2), rows))
        pairs = zip(map(itemgetter(0), rows), letters, strict=True)
        return set(Counter(compress(pairs, map("A".__ne__, letters))).items())

    return set(map(itemgetter(0), map(itemgetter(0), counted(gone) ^ counted(came))))


def _handed(neighbours: _Neighbours, difference: _Difference) -> set[int]:
    """The touchpoints whose handoffs can differ. A handoff's finding reads only its two
    touchpoints' A holders, and whether each A's function holds any letter on the other
    touchpoint: so, the touchpoints whose A rows differ, and those with a changed cell of a
    function that holds an A (on either side) on a neighbour. A merge changes every cell of two
    columns, but few of them neighbour an A of either function."""
    handed, cells = set(difference.reassigned), difference.cells
    rows = [*difference.compared[0], *difference.compared[1]]  # every row of a changed column
    accountable = list(compress(rows, map("A".__eq__, map(itemgetter(2), rows))))
    for function_id in set(map(itemgetter(1), accountable)):
        held = compress(accountable, map(function_id.__eq__, map(itemgetter(1), accountable)))
        around = neighbours.of_any(map(itemgetter(0), held))
        handed.update(map(itemgetter(0), cells.intersection(zip(around, repeat(function_id)))))
    return handed


@dataclass(frozen=True)
class _Side:
    """One side's matrix cut to the judged touchpoints (the touchpoint rules), to the window (the
    handoffs) and to both (the span); every journey, function and role is kept."""

    span: OrgSnapshot
    window: OrgSnapshot
    judged: OrgSnapshot

    @classmethod
    def of(cls, snapshot: OrgSnapshot, window: set[int], judged: set[int]) -> _Side:
        span = _cut(snapshot, window | judged)
        return cls(span=span, window=_cut(span, window), judged=_cut(span, judged))


def _cut(snapshot: OrgSnapshot, touchpoint_ids: set[int]) -> OrgSnapshot:
    return replace(
        snapshot,
        touchpoints=of_touchpoints(snapshot.touchpoints, touchpoint_ids),
        assignments=of_touchpoints(snapshot.assignments, touchpoint_ids),
    )


def _findings(side: _Side, handed: set[int], tally: Tally, *, stale: bool = True) -> list[Finding]:
    """The findings of the judged touchpoints and of the handoffs into and out of `handed`, of
    every journey, and of every function (from the whole matrix's tally), in the audit's order;
    without stale ownership if not `stale`."""
    # The rules read holders by touchpoint, and only for the snapshot's own touchpoints: the
    # window and the judged touchpoints read the span's (a superset of each), built once.
    for cut in (side.window, side.judged):
        cut.__dict__.setdefault("holders", side.span.holders)
    found: list[Finding] = []
    for rule, check in RULES.items():
        if rule is Rule.IDLE_FUNCTION:
            for function in side.judged.functions:
                found += function_idle(function, working=tally.working.get(function.id, 0) > 0)
        elif rule is Rule.ACCOUNTABILITY_BOTTLENECK:
            for function in side.judged.functions:
                accountable = tally.accountable.get(function.id, 0)
                found += function_bottleneck(
                    function, accountable=accountable, in_scope=tally.in_scope, settings=side.judged.settings
                )
        elif rule is Rule.STALE_OWNERSHIP and not stale:
            continue
        elif rule is Rule.HANDOFF_GAP:
            found += handoff_gap(side.window, touching=handed)
        else:
            found += check(side.judged)
    return in_audit_order(side.span, found)


def _known_before(
    neighbours: _Neighbours,
    was: _Side,
    reach: tuple[set[int], set[int]],
    tally: Tally,
    known: Mapping[str, tuple[int, ...]],
    found_now: Mapping[str, Finding],
) -> tuple[set[str], list[Finding]] | None:
    """What _findings(was) finds, from what is known of it: (every fingerprint it finds, the
    findings among them that close or that compare needs, in the audit's order).

    `reach`: the touchpoints whose handoffs and whose own findings can differ (compare's
    `handed` and `judged`). What a full audit of `before` finds there is `known` (the live gaps
    equal a fresh audit): about one touchpoint, where it is judged; about two (a handoff), where
    either is handed. A finding found after too closes nothing, so the rules run only on the
    touchpoints of the findings that close, to word them. Stale ownership is evaluated over the
    judged touchpoints (time opens it, no write); the journey and function rules as usual. None
    when the rules find there what `known` does not say (a write came between the two reads):
    the caller then evaluates every touchpoint of the reach.
    """

    def reached(ids: tuple[int, ...]) -> set[int]:
        return judged if len(ids) == 1 else handed

    handed, judged = reach
    in_reach = {key for key, ids in known.items() if not reached(ids).isdisjoint(ids)}
    closing = in_reach - found_now.keys()
    worded_handed = {t for key in closing if len(known[key]) > 1 for t in known[key] if t in handed}
    worded_judged = {t for key in closing if len(known[key]) == 1 for t in known[key] if t in judged}
    # Cut from the side's span, which holds the worded touchpoints' (not the whole matrix).
    side = _Side.of(was.span, _window(neighbours, worded_handed), worded_judged)
    # Stale ownership is evaluated over every judged touchpoint below.
    found = _findings(side, worded_handed, tally, stale=False)
    keys = {finding.fingerprint for finding in found}
    if not closing <= keys or any(f.touchpoint_ids and f.fingerprint not in in_reach for f in found):
        return None
    found += stale_ownership(was.judged)
    keys.update(in_reach, (finding.fingerprint for finding in found))
    return keys, in_audit_order(was.span, found)
