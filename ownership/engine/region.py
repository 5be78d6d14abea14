"""The comparison of two matrices, computed over only what differs between them.

A scenario (or a previewed merge or delete) changes some letters and roles; every other
touchpoint keeps its findings. The rules say exactly how far a change reaches
(docs/gap-rules.md): a touchpoint rule judges one touchpoint by its own letters and the roles
they name; a handoff, two consecutive in-scope touchpoints of a journey; a journey rule, the
journeys and their managers' roles; a function rule, counts over the whole matrix. So:

- the *region* is the touchpoints whose letters differ, or whose letters name a role that differs;
- the handoffs into and out of the region run on both sides over the region and its in-scope
  neighbours (the window), every journey rule over every journey (a few thousand rows at most);
- the touchpoint rules run only on the region's *judged* touchpoints: those where what these
  rules read differs (its A rows, how many functions hold each other letter, a role's vacancy).
  A merge moves most of the source's letters to a function that held none there: the letter
  counts stay, and so does every finding of those touchpoints but their handoffs';
- the function rules, coverage and the A each function holds come from counts tallied once over
  the matrix before and moved by the region's difference (the window's other touchpoints are
  the same on both sides: they cancel out).

The same rule functions as the audit's run on the window, so the findings the change opens
and closes are the ones two full audits would give (tests/engine/test_region.py holds
`compare` equal to comparison.compare_whole). What a full audit of `before` finds in total, by
severity (for `unchanged`), is given by the caller that knows it — the live gaps are a fresh
audit (ownership/gaps/live.py) — or evaluated. No Django here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from itertools import compress
from operator import itemgetter

from ownership.engine.comparison import (
    Cell,
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
from ownership.engine.snapshot import AssignmentRow, OrgSnapshot, TouchpointRow


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
    region, window = difference.region, _window(before, difference.region)
    judged = difference.judged
    was, now = _Side.of(before, region, window, judged), _Side.of(after, region, window, judged)
    tally_before = _Tally.of(before)
    in_scope = before.in_scope_position
    tally_after = tally_before.moved(
        gone=_Tally.part(was.judged, difference.gone, in_scope), came=_Tally.part(now.judged, difference.came, in_scope)
    )
    found_now = {f.fingerprint: f for f in _findings(now, region, tally_after)}
    known = (
        None
        if known_before is None
        else _known_before(before, was, (region, judged), tally_before, known_before, found_now)
    )
    if known is None:
        found_was = _findings(was, region, tally_before)
        keys_was = {f.fingerprint for f in found_was}
    else:
        keys_was, found_was = known
    opened = tuple(f for key, f in found_now.items() if key not in keys_was)
    closed = tuple(f for f in found_was if f.fingerprint not in found_now)
    severities_before = dict(found_before) if found_before is not None else by_severity(evaluate(before))
    severities_after = dict(severities_before)
    for finding in opened:
        severities_after[finding.severity] += 1
    for finding in closed:
        severities_after[finding.severity] -= 1
    counts_before, counts_after = tally_before.accountable_of(before), tally_after.accountable_of(after)
    return Comparison(
        opened=opened,
        closed=closed,
        unchanged=sum(severities_before.values()) - len(closed),
        covered_before=(tally_before.in_scope, tally_before.covered),
        covered_after=(tally_after.in_scope, tally_after.covered),
        loads=loads_of(before, after, counts_before, counts_after, found_was, found_now.values()),
        cells=cell_differences(was.region, now.region, only=difference.cells),
        severities_before=severities_before,
        severities_after=severities_after,
    )


@dataclass(frozen=True)
class _Difference:
    region: set[int]  # the touchpoints whose findings can differ
    cells: set[Cell]  # the cells with a letter row on one side only
    judged: set[int]  # the region's touchpoints whose touchpoint rules can find otherwise (_judged)
    gone: list[AssignmentRow]  # the letter rows before only
    came: list[AssignmentRow]  # the letter rows after only


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
    rows_before, rows_after = before.assignments, after.assignments
    if columns is not None:
        rows_before, rows_after = _of_functions(rows_before, columns), _of_functions(rows_after, columns)
    rows_before, rows_after = set(rows_before), set(rows_after)
    gone, came = list(rows_before - rows_after), list(rows_after - rows_before)
    changed = [*gone, *came]  # the cells and their touchpoints picked out in C: a merge's are 57k rows
    cells = set(zip(map(itemgetter(0), changed), map(itemgetter(1), changed), strict=True))
    region, judged = set(map(itemgetter(0), changed)), _judged(gone, came)
    roles = _vacancy_changed(before, after)
    if roles:  # vacant_owner finds an A whose role is vacant
        for side in (before, after):
            judged.update(row.touchpoint_id for row in side.assignments if row.role_id in roles)
    return _Difference(region | judged, cells, judged, gone, came)


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


def _window(snapshot: OrgSnapshot, region: set[int]) -> set[int]:
    """The region and each of its in-scope touchpoints' in-scope neighbours in its journey."""
    in_scope, position = snapshot.in_scope, snapshot.in_scope_position
    window = set(region)
    for touchpoint_id in region:
        index = position.get(touchpoint_id)
        if index is None:
            continue  # out of scope: no rule judges it, no handoff passes through it
        journey_id = in_scope[index].journey_id
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(in_scope) and in_scope[neighbour].journey_id == journey_id:
                window.add(in_scope[neighbour].id)
    return window


def _judged(gone: Sequence[AssignmentRow], came: Sequence[AssignmentRow]) -> set[int]:
    """The touchpoints where what the touchpoint rules read differs, from the letter rows on one
    side only (`gone` before, `came` after): an A row (the function, role and review date behind
    multiple_accountable, vacant_owner and stale_ownership), or how many functions hold an R, a
    C or an I there. Whether a touchpoint has any letter follows: a letter on one side only moves
    one of those. Elsewhere every finding about the touchpoint alone has the same fingerprint on
    both sides (the rules name it by the touchpoint, its A's role or function). A vacancy that
    changed is the caller's."""

    def counted(rows: Sequence[AssignmentRow]) -> set[tuple[tuple[int, str], int]]:
        """((touchpoint, letter), how many of the rows) for the R, C and I rows, counted in C."""
        letters = list(map(itemgetter(2), rows))
        pairs = zip(map(itemgetter(0), rows), letters, strict=True)
        return set(Counter(compress(pairs, map("A".__ne__, letters))).items())

    changed = [*gone, *came]
    judged = set(map(itemgetter(0), compress(changed, map("A".__eq__, map(itemgetter(2), changed)))))
    judged.update(map(itemgetter(0), map(itemgetter(0), counted(gone) ^ counted(came))))
    return judged


@dataclass(frozen=True)
class _Side:
    """One side's matrix cut to the region (the tally, the cells), to its judged touchpoints (the
    touchpoint rules) and to the window (the handoffs); every journey, function and role is kept."""

    region: OrgSnapshot
    window: OrgSnapshot
    judged: OrgSnapshot

    @classmethod
    def of(cls, snapshot: OrgSnapshot, region: set[int], window: set[int], judged: set[int]) -> _Side:
        touchpoints, letters = _only(snapshot.touchpoints, window), _only(snapshot.assignments, window)
        cut = replace(snapshot, touchpoints=_only(touchpoints, region), assignments=_only(letters, region))
        return cls(
            region=cut,
            window=replace(snapshot, touchpoints=touchpoints, assignments=letters),
            judged=replace(cut, touchpoints=_only(cut.touchpoints, judged), assignments=_only(cut.assignments, judged)),
        )


def _only(rows: Sequence[TouchpointRow] | Sequence[AssignmentRow], touchpoint_ids: Container[int]) -> tuple:
    """The touchpoints, or letters, of `touchpoint_ids` (their rows' first field), picked out in C."""
    return tuple(compress(rows, map(touchpoint_ids.__contains__, map(itemgetter(0), rows))))


def _findings(side: _Side, region: set[int], tally: _Tally, *, stale: bool = True) -> list[Finding]:
    """The findings of the judged touchpoints and of the handoffs into and out of the region, of
    every journey, and of every function (from the whole matrix's tally), in the audit's order;
    without stale ownership if not `stale`."""
    # The rules read holders by touchpoint, and only for the snapshot's own touchpoints: the
    # judged touchpoints can read the window's (a superset) instead of building their own.
    side.judged.__dict__.setdefault("holders", side.window.holders)
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
            found += handoff_gap(side.window, touching=region)
        else:
            found += check(side.judged)
    return in_audit_order(side.window, found)


def _known_before(
    before: OrgSnapshot,
    was: _Side,
    reach: tuple[set[int], set[int]],
    tally: _Tally,
    known: Mapping[str, tuple[int, ...]],
    found_now: Mapping[str, Finding],
) -> tuple[set[str], list[Finding]] | None:
    """What _findings(was) finds, from what is known of it: (every fingerprint it finds, the
    findings among them that close or that compare needs, in the audit's order).

    `reach`: the region and its judged touchpoints (compare). What a full audit of `before` finds
    there is `known` (the live gaps equal a fresh audit): about one touchpoint, where it is
    judged; about two (a handoff), where either is in the region. A finding found after too
    closes nothing, so the rules run only on the touchpoints of the findings that close, to word
    them. Stale ownership is evaluated over the judged touchpoints (time opens it, no write);
    the journey and function rules as usual. None when the rules find there what `known` does
    not say (a write came between the two reads): the caller then evaluates the whole region.
    """
    region, judged = reach
    in_region = {key for key, ids in known.items() if not (judged if len(ids) == 1 else region).isdisjoint(ids)}
    closing = in_region - found_now.keys()
    worded = {t for key in closing for t in known[key] if t in region}
    # Cut from the region's window, which holds the worded touchpoints' (not the whole matrix).
    side = _Side.of(was.window, worded, _window(before, worded), judged=worded & judged)
    # Stale ownership is evaluated over every judged touchpoint below.
    found = _findings(side, worded, tally, stale=False)
    keys = {finding.fingerprint for finding in found}
    if not closing <= keys or any(f.touchpoint_ids and f.fingerprint not in in_region for f in found):
        return None
    found += stale_ownership(was.judged)
    keys.update(in_region, (finding.fingerprint for finding in found))
    return keys, in_audit_order(was.window, found)


@dataclass(frozen=True)
class _Tally:
    """Whole-matrix counts the function rules and coverage read, over in-scope touchpoints.

    Letters are unique per (touchpoint, function, letter), so counting A rows counts the
    functions accountable for a touchpoint (as the coverage SQL does, ownership/gaps/figures)."""

    in_scope: int
    covered: int  # touchpoints with exactly one A and at least one R (rules.coverage_counts)
    accountable: Mapping[int, int]  # function id -> in-scope touchpoints it holds A on
    working: Mapping[int, int]  # function id -> its R and A letters on in-scope touchpoints (idle_function)

    @classmethod
    def of(cls, snapshot: OrgSnapshot) -> _Tally:
        # Column by column with map, compress and Counter, which loop in C: the whole matrix's
        # letters are counted on every comparison, a third of a second row by row at 100k. Only
        # the A and R rows are cut to the in-scope touchpoints (the C and I are never counted).
        in_scope = snapshot.in_scope_position  # its keys: the in-scope touchpoints
        cut = len(in_scope) < len(snapshot.touchpoints)
        a_rows, r_rows = _accountable_and_responsible(snapshot.assignments, in_scope if cut else None)
        accountable = Counter(map(itemgetter(1), a_rows))
        working = accountable + Counter(map(itemgetter(1), r_rows))
        accountable_on = Counter(map(itemgetter(0), a_rows))
        once = compress(accountable_on.keys(), map((1).__eq__, accountable_on.values()))
        covered = len(set(map(itemgetter(0), r_rows)).intersection(once))
        return cls(len(in_scope), covered, accountable, working)

    @classmethod
    def part(cls, judged: OrgSnapshot, rows: Sequence[AssignmentRow], in_scope: Container[int]) -> _Tally:
        """The part of one side's tally that the other side's lacks: the coverage of the judged
        touchpoints (it reads how many functions hold an A and whether one holds an R, which
        differ nowhere else), and the A and R letters among `rows`, that side's rows only (a
        function's letters move wherever one of its rows does). The touchpoints in scope are
        the same on both sides: none counted here."""
        accountable, responsible = _accountable_and_responsible(rows, in_scope)
        functions = Counter(map(itemgetter(1), accountable))
        return cls(0, cls.of(judged).covered, functions, functions + Counter(map(itemgetter(1), responsible)))

    def moved(self, *, gone: _Tally, came: _Tally) -> _Tally:
        """This tally with `gone`'s part replaced by `came` (the difference before and after)."""

        def counts(name: str) -> dict[int, int]:
            mine, out, into = getattr(self, name), getattr(gone, name), getattr(came, name)
            return {f: mine.get(f, 0) - out.get(f, 0) + into.get(f, 0) for f in mine.keys() | into.keys()}

        return _Tally(
            in_scope=self.in_scope - gone.in_scope + came.in_scope,
            covered=self.covered - gone.covered + came.covered,
            accountable=counts("accountable"),
            working=counts("working"),
        )

    def accountable_of(self, snapshot: OrgSnapshot) -> dict[int, int]:
        """comparison.accountable_counts: every function of `snapshot`, 0 when it holds no A."""
        return {f.id: self.accountable.get(f.id, 0) for f in snapshot.functions}


def _accountable_and_responsible(
    rows: Sequence[AssignmentRow], in_scope: Container[int] | None
) -> tuple[Sequence[AssignmentRow], Sequence[AssignmentRow]]:
    """The A rows and the R rows, of in-scope touchpoints when `in_scope` is given."""
    letters = list(map(itemgetter(2), rows))
    a_rows = list(compress(rows, map("A".__eq__, letters)))
    r_rows = list(compress(rows, map("R".__eq__, letters)))
    if in_scope is not None:
        return _only(a_rows, in_scope), _only(r_rows, in_scope)
    return a_rows, r_rows
