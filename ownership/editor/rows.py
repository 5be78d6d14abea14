"""The rows of the matrix editor and the journey map: one touchpoint across the functions,
with its open gaps.

The gaps are the live Gap rows (every write brings them up to date in its own transaction,
ownership.gaps.live): nothing here evaluates a rule. A row's badges are its own open gaps; a
handoff gap shows on the touchpoint it hands over to, as its incoming marker.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from journeys.models import Journey, Touchpoint
from ownership.engine.constants import LETTERS, Rule
from ownership.engine.snapshot import FunctionRow
from ownership.engine.vocabulary import RULE_TEXT
from ownership.gaps.selectors import open_gaps_by_touchpoint
from ownership.models import Assignment, Gap


class Badge(NamedTuple):
    """A gap as a touchpoint row or a map card shows it: the rule's badge in its severity."""

    rule: str
    label: str  # the rule's short badge (ownership/engine/vocabulary.py)
    severity: str
    severity_label: str  # the word for the severity: colour is never the only signal
    message: str  # the gap's own sentence ("Till is contested: Sales, IT are all accountable")
    meaning: str  # what the rule means in general
    gap_id: int | None = None  # the live gap it shows: its fix panel opens from the badge


def legend_badge(rule: Rule) -> Badge:
    """A rule's badge as a legend shows it: no gap, the rule's meaning as the message."""
    text = RULE_TEXT[rule]
    return Badge(rule.value, text.badge, text.severity.value, text.severity_text.label, text.meaning, text.meaning)


class TouchpointView(NamedTuple):
    """What a row shows of its touchpoint."""

    id: int
    stage_id: int
    name: str
    channel: str
    importance: int
    out_of_scope: bool
    out_of_scope_reason: str


VIEW_FIELDS = ("id", "stage_id", "name", "channel", "importance", "out_of_scope", "out_of_scope_reason")


class RowGap(NamedTuple):
    """An open gap as a row shows it: its rule, severity and message, and the touchpoints it names."""

    rule: str
    severity: str
    message: str
    touchpoints: tuple[str, ...]
    functions: tuple[str, ...]
    gap_id: int | None = None

    @classmethod
    def of(cls, gap: Gap) -> RowGap:
        finding = gap.finding
        return cls(
            gap.rule,
            gap.severity,
            finding.get("message", ""),
            tuple(finding.get("touchpoints") or ()),
            tuple(finding.get("functions") or ()),
            gap.pk,
        )

    @property
    def badge(self) -> Badge:
        text = RULE_TEXT[Rule(self.rule)]
        return Badge(
            self.rule, text.badge, self.severity, text.severity_text.label, self.message, text.meaning, self.gap_id
        )


@dataclass(frozen=True)
class MatrixRow:
    touchpoint: TouchpointView
    cells: tuple[tuple[int, str], ...]  # (function id, letters R A C I in order, "" when empty) per column
    findings: tuple[RowGap, ...]  # the row's own open gaps (handoffs are on `handoff_in`)
    handoff_in: RowGap | None  # a handoff gap from the previous in-scope touchpoint into this one
    accountable: tuple[str, ...]  # names of the functions holding A
    handoff_label: str = ""  # "IT → Finance": who hands over to whom

    @property
    def badges(self) -> list[Badge]:
        """One badge per rule found on the row, in the severity's colour, word and shape."""
        seen: dict[str, Badge] = {}
        for gap in self.findings:
            seen.setdefault(gap.rule, gap.badge)
        return list(seen.values())

    @property
    def handoff_badge(self) -> Badge | None:
        return self.handoff_in.badge if self.handoff_in else None

    @property
    def has_gaps(self) -> bool:
        return bool(self.findings or self.handoff_in)

    @property
    def unowned(self) -> bool:
        return any(gap.rule in (Rule.UNASSIGNED, Rule.NO_ACCOUNTABLE) for gap in self.findings)

    @property
    def stale(self) -> bool:
        return any(gap.rule == Rule.STALE_OWNERSHIP for gap in self.findings)

    @property
    def contested(self) -> bool:
        return any(gap.rule == Rule.MULTIPLE_ACCOUNTABLE for gap in self.findings)


class RowBuilder:
    """Turns touchpoints into MatrixRows from their letters and open gaps, read for exactly the
    rows drawn (two queries, whatever the journey's size)."""

    def __init__(
        self,
        *,
        functions: tuple[FunctionRow, ...],
        touchpoint_ids: Iterable[int],
        journey: Journey | None = None,
        organization_id: int | None = None,
    ):
        # Without a journey the rows may come from several journeys of `organization_id` (the report).
        organization_id = journey.organization_id if journey is not None else organization_id
        ids = set(touchpoint_ids)
        self.functions = functions
        names = {f.id: f.name for f in functions}
        self.letters: dict[tuple[int, int], set[str]] = defaultdict(set)
        self.accountable: dict[int, list[str]] = defaultdict(list)
        if ids:
            # The organization through the touchpoint: on the letters' own column, SQLite (no
            # statistics) read every letter of the organization to draw a few rows.
            letters = Assignment.objects.filter(touchpoint__organization_id=organization_id, touchpoint_id__in=ids)
            for touchpoint_id, function_id, letter in letters.order_by().values_list(
                "touchpoint_id", "function_id", "letter"
            ):
                self.letters[(touchpoint_id, function_id)].add(letter)
                if letter == "A":
                    self.accountable[touchpoint_id].append(names[function_id])
        self.own: dict[int, list[RowGap]] = defaultdict(list)
        self.handoff_in: dict[int, RowGap] = {}
        by_touchpoint = (
            open_gaps_by_touchpoint(journey=journey, touchpoint_ids=ids, organization_id=organization_id) if ids else {}
        )
        for touchpoint_id, gaps in by_touchpoint.items():
            for gap in gaps:
                if gap.rule != Rule.HANDOFF_GAP:
                    self.own[touchpoint_id].append(RowGap.of(gap))
                elif gap.next_touchpoint_id == touchpoint_id:  # a handoff shows where it arrives
                    self.handoff_in[touchpoint_id] = RowGap.of(gap)

    def row(self, touchpoint: TouchpointView) -> MatrixRow:
        handoff = self.handoff_in.get(touchpoint.id)
        accountable = tuple(sorted(self.accountable.get(touchpoint.id, ())))
        return MatrixRow(
            touchpoint=touchpoint,
            cells=tuple(
                (f.id, "".join(x for x in LETTERS if x in self.letters.get((touchpoint.id, f.id), ())))
                for f in self.functions
            ),
            findings=tuple(self.own.get(touchpoint.id, ())),
            handoff_in=handoff,
            accountable=accountable,
            handoff_label=_handoff_label(handoff, accountable),
        )


def _handoff_label(gap: RowGap | None, accountable: tuple[str, ...]) -> str:
    """ "IT → Finance": the gap names both accountable functions; the row's own is the receiver."""
    if gap is None:
        return ""
    receiver = accountable[0] if len(accountable) == 1 else ""
    giver = next((name for name in gap.functions if name != receiver), "")
    return f"{giver} → {receiver}" if giver and receiver else ", ".join(gap.functions)


def touchpoints_with_gaps(*, journey: Journey) -> set[int]:
    """The journey's touchpoints whose row shows an open gap: its own, or an incoming handoff (one query)."""
    rows = Gap.objects.filter(
        organization_id=journey.organization_id, journey=journey, resolved_at__isnull=True, touchpoint__isnull=False
    ).values_list("rule", "touchpoint_id", "next_touchpoint_id")
    return {following if rule == Rule.HANDOFF_GAP else own for rule, own, following in rows.order_by()}


def touchpoint_views(ids: list[int]) -> dict[int, TouchpointView]:
    rows = Touchpoint.objects.filter(pk__in=ids).order_by().values_list(*VIEW_FIELDS) if ids else []
    return {row[0]: TouchpointView(*row) for row in rows}
