"""Which fixes a gap's rule allows: `fixes_for(gap)`, read from the matrix as it is now.

Each rule that has fixes offers them in its own function (the table _OFFERS); each fix carries
`seen`, what the matrix held when it was offered, so ownership.fixes.services.fix_apply can refuse
it if that changed meanwhile. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cxowner.orgs.errors import Cell
from journeys.models import Journey, Touchpoint
from ownership.editor.services import CellChange
from ownership.engine.constants import LETTERS, Rule
from ownership.models import Assignment, Function, Gap, Role
from ownership.structure.selectors import journey_owner


@dataclass(frozen=True)
class Fix:
    """One way to make a gap go away, as a person picks it: one click (plus a name for a holder)."""

    key: str  # what to do, stable while the matrix stays as seen: "keep_a:12:r"
    label: str  # the button's words: "Keep Sales accountable, the others become R"
    seen: str  # what the matrix held when offered: "cells:4.12=A;4.13=AC" or "role:7@3"
    cells: tuple[CellChange, ...] = ()  # the cells it writes (a cells fix)
    asks: tuple[str, ...] = ()  # what the person types in: ("holder_name", "holder_email")
    group: str = ""  # the heading it is listed under in the panel

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "seen": self.seen, "asks": list(self.asks), "group": self.group}


class _Matrix:
    """The letters of a few touchpoints and the organization's functions (two queries)."""

    def __init__(self, organization_id: int, touchpoint_ids: list[int]):
        self.functions = list(Function.objects.filter(organization_id=organization_id).order_by("position", "id"))
        self.name = {f.id: f.name for f in self.functions}
        self.letters: dict[Cell, set[str]] = defaultdict(set)
        rows = Assignment.objects.filter(organization_id=organization_id, touchpoint_id__in=touchpoint_ids)
        for touchpoint_id, function_id, letter in rows.order_by().values_list("touchpoint_id", "function_id", "letter"):
            self.letters[(touchpoint_id, function_id)].add(letter)

    def cell(self, touchpoint_id: int, function_id: int) -> frozenset[str]:
        return frozenset(self.letters.get((touchpoint_id, function_id), ()))

    def holders(self, touchpoint_id: int, letter: str) -> list[int]:
        return [f.id for f in self.functions if letter in self.cell(touchpoint_id, f.id)]

    def parties(self, touchpoint_id: int) -> set[int]:
        return {f.id for f in self.functions if self.cell(touchpoint_id, f.id)}

    def change(self, touchpoint_id: int, function_id: int, letters: set[str] | frozenset[str]) -> CellChange:
        before = self.cell(touchpoint_id, function_id)
        return CellChange(touchpoint_id, function_id, frozenset(letters), before)


def _letters(letters: frozenset[str]) -> str:
    return "".join(x for x in LETTERS if x in letters)


def _cells_fix(key: str, label: str, changes: list[CellChange], group: str = "") -> Fix:
    seen = "cells:" + ";".join(f"{c.touchpoint_id}.{c.function_id}={_letters(c.expected)}" for c in changes)
    return Fix(key=key, label=label, seen=seen, cells=tuple(changes), group=group)


def _seen_row(obj) -> str:
    return f"{obj._meta.model_name}:{obj.pk}@{obj.version}"


# Which fixes each rule allows ------------------------------------------------------------------
def fixes_for(gap: Gap) -> list[Fix]:
    """The fixes the gap's rule allows, read from the matrix now; [] for a resolved gap and for the
    rules no single click can fix (an idle function, a bottleneck: they need a person's judgement)."""
    if gap.resolved_at is not None:
        return []
    if gap.touchpoint_id is None and Rule(gap.rule) in _TOUCHPOINT_RULES:
        return []  # its touchpoint was deleted: the next refresh resolves the gap
    offer = _OFFERS.get(Rule(gap.rule))
    return offer(gap) if offer else []


def _touchpoint_matrix(gap: Gap) -> tuple[_Matrix, int]:
    ids = [pk for pk in (gap.touchpoint_id, gap.next_touchpoint_id) if pk is not None]
    return _Matrix(gap.organization_id, ids), gap.touchpoint_id


def _responsible_first(matrix: _Matrix, touchpoint_id: int) -> list[Function]:
    """The functions, those already doing the work (R) first: the likeliest owners."""
    return sorted(matrix.functions, key=lambda f: "R" not in matrix.cell(touchpoint_id, f.id))


def _unassigned(gap: Gap) -> list[Fix]:
    matrix, t = _touchpoint_matrix(gap)
    return [
        _cells_fix(f"accountable:{f.id}", f"Make {f.name} accountable and responsible", [matrix.change(t, f.id, "AR")])
        for f in matrix.functions
    ]


def _no_accountable(gap: Gap) -> list[Fix]:
    matrix, t = _touchpoint_matrix(gap)
    return [
        _cells_fix(
            f"accountable:{f.id}",
            f"Make {f.name} accountable",
            [matrix.change(t, f.id, matrix.cell(t, f.id) | {"A"})],
            "Responsible now" if "R" in matrix.cell(t, f.id) else "Other functions",
        )
        for f in _responsible_first(matrix, t)
    ]


def _multiple_accountable(gap: Gap) -> list[Fix]:
    matrix, t = _touchpoint_matrix(gap)
    accountable = matrix.holders(t, "A")
    fixes = []
    for keep in accountable:
        others = [g for g in accountable if g != keep]
        become_r = [matrix.change(t, g, (matrix.cell(t, g) - {"A"}) | {"R"}) for g in others]
        drop = [matrix.change(t, g, matrix.cell(t, g) - {"A"}) for g in others]
        name = matrix.name[keep]
        group = f"Keep {name} accountable"
        fixes.append(_cells_fix(f"keep_a:{keep}:r", f"Keep {name} accountable, the others become R", become_r, group))
        fixes.append(_cells_fix(f"keep_a:{keep}:drop", f"Keep {name} accountable, the others drop out", drop, group))
    return fixes


def _no_responsible(gap: Gap) -> list[Fix]:
    matrix, t = _touchpoint_matrix(gap)
    parties = matrix.parties(t)
    ordered = sorted(matrix.functions, key=lambda f: ("A" not in matrix.cell(t, f.id), f.id not in parties))
    return [
        _cells_fix(
            f"responsible:{f.id}",
            f"Make {f.name} responsible",
            [matrix.change(t, f.id, matrix.cell(t, f.id) | {"R"})],
            "Taking part now" if f.id in parties else "Other functions",
        )
        for f in ordered
    ]


def _overload(letter: str, instead: str | None):
    """Too many R / C / I: drop one function's letter, or step it down (R → C, C → I)."""

    def offer(gap: Gap) -> list[Fix]:
        matrix, t = _touchpoint_matrix(gap)
        fixes = []
        for f in matrix.holders(t, letter):
            name, cell = matrix.name[f], matrix.cell(t, f)
            if instead and instead not in cell:
                fixes.append(
                    _cells_fix(
                        f"step_down:{f}:{letter}{instead}",
                        f"{name}: {letter} → {instead}",
                        [matrix.change(t, f, (cell - {letter}) | {instead})],
                        name,
                    )
                )
            fixes.append(
                _cells_fix(
                    f"drop:{f}:{letter}", f"Drop {name}'s {letter}", [matrix.change(t, f, cell - {letter})], name
                )
            )
        return fixes

    return offer


def _handoff_gap(gap: Gap) -> list[Fix]:
    matrix, t = _touchpoint_matrix(gap)
    u = gap.next_touchpoint_id
    giving, receiving = matrix.holders(t, "A"), matrix.holders(u, "A") if u else []
    if len(giving) != 1 or len(receiving) != 1:
        return []  # the live gap is about to change with the matrix; nothing sensible to offer
    (f,), (g,) = giving, receiving
    touchpoints = dict(Touchpoint.objects.filter(pk__in=[t, u]).values_list("pk", "name"))
    # The bridge is either function on the other's touchpoint, as C or as I.
    sides = (
        (t, g, "The receiving function on the handing-over touchpoint"),
        (u, f, "Or the handing-over function on the receiving touchpoint"),
    )
    return [
        _cells_fix(
            f"bridge:{touchpoint}:{function}:{letter}",
            f"Add {matrix.name[function]} as {letter} on {touchpoints[touchpoint]}",
            [matrix.change(touchpoint, function, matrix.cell(touchpoint, function) | {letter})],
            group,
        )
        for touchpoint, function, group in sides
        for letter in "CI"
    ]


def _role_label(role: Role) -> str:
    return f"{role.title} · {role.function.name} ({role.holder_name or 'vacant'})"


def _journey_without_owner(gap: Gap) -> list[Fix]:
    journey = Journey.objects.filter(pk=gap.journey_id).first()
    if journey is None:
        return []
    roles = Role.objects.filter(organization_id=gap.organization_id).select_related("function")
    # Roles somebody holds first: a vacant manager would only trade this gap for a vacant owner.
    ordered = sorted(roles, key=lambda r: (r.is_vacant, r.title, r.id))
    return [
        Fix(
            key=f"manager:{role.id}",
            label=f"Make {_role_label(role)} the journey manager",
            seen=_seen_row(journey),
            group="Vacant roles" if role.is_vacant else "Roles with a holder",
        )
        for role in ordered
    ]


def _vacant_owner(gap: Gap) -> list[Fix]:
    role, assignment, journey = _vacant_role(gap)
    if role is None:
        return []
    fixes = [
        Fix(
            key=f"holder:{role.id}",
            label=f"Name the holder of {role.title}",
            seen=_seen_row(role),
            asks=("holder_name", "holder_email"),
            group="Name the holder",
        )
    ]
    held = Role.objects.filter(organization_id=gap.organization_id).exclude(holder_name="").select_related("function")
    if assignment is not None:  # an A carried by the vacant role moves to a held role of its function
        fixes += [
            _ownership_move(f"move_a:{assignment.id}:{other.id}", f"Move the A to {_role_label(other)}", assignment)
            for other in held.filter(function_id=assignment.function_id).order_by("title", "id")
        ]
    elif journey is not None:
        fixes += [
            _ownership_move(f"manager:{other.id}", f"Make {_role_label(other)} the journey manager", journey)
            for other in held.order_by("title", "id")
        ]
    return fixes


def _ownership_move(key: str, label: str, moved) -> Fix:
    """A fix that moves the ownership off a vacant role; `moved` is the row it writes (an A, a journey)."""
    return Fix(key=key, label=label, seen=_seen_row(moved), group="Or move the ownership")


def _vacant_role(gap: Gap) -> tuple[Role | None, Assignment | None, Journey | None]:
    """The vacant role a vacant-owner gap is about: the journey's manager, or the role on an A."""
    title = (gap.finding.get("roles") or [""])[0]
    if gap.touchpoint_id is None:
        journey = Journey.objects.select_related("owner_link__role").filter(pk=gap.journey_id).first()
        owner = journey_owner(journey=journey) if journey is not None else None
        return (owner, None, journey) if owner is not None and owner.is_vacant else (None, None, None)
    rows = Assignment.objects.filter(
        touchpoint_id=gap.touchpoint_id, letter="A", role__holder_name="", role__title=title
    )
    assignment = rows.select_related("role").order_by("id").first()
    return (assignment.role, assignment, None) if assignment is not None else (None, None, None)


def _stale_ownership(gap: Gap) -> list[Fix]:
    names = gap.finding.get("functions") or []
    rows = Assignment.objects.filter(touchpoint_id=gap.touchpoint_id, letter="A", function__name__in=names)
    return [
        Fix(
            key=f"confirm:{a.id}",
            label=f"Confirm {a.function.name} is still accountable",
            seen=_seen_row(a),
        )
        for a in rows.select_related("function", "touchpoint").order_by("id")
    ]


_OFFERS = {
    Rule.UNASSIGNED: _unassigned,
    Rule.NO_ACCOUNTABLE: _no_accountable,
    Rule.MULTIPLE_ACCOUNTABLE: _multiple_accountable,
    Rule.NO_RESPONSIBLE: _no_responsible,
    Rule.TOO_MANY_RESPONSIBLE: _overload("R", "C"),
    Rule.CONSULT_OVERLOAD: _overload("C", "I"),
    Rule.INFORM_OVERLOAD: _overload("I", None),
    Rule.HANDOFF_GAP: _handoff_gap,
    Rule.JOURNEY_WITHOUT_OWNER: _journey_without_owner,
    Rule.VACANT_OWNER: _vacant_owner,
    Rule.STALE_OWNERSHIP: _stale_ownership,
}


# The rules a click can fix; the others (an idle function, a bottleneck) need a person's judgement.
FIXABLE_RULES = frozenset(rule.value for rule in _OFFERS)


# The rules whose fixes write a touchpoint's cells or confirm its A.
_TOUCHPOINT_RULES = frozenset(_OFFERS) - {Rule.JOURNEY_WITHOUT_OWNER, Rule.VACANT_OWNER}
