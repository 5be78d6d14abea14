"""Putting back what a change set did to the matrix's cells: an undo, a redo, an admin's revert.

A change set records each cell's letters before and after (cxowner.orgs.history). Putting it
back writes `before` with `after` as the expected value, through cells_write, in ONE new change
set that names the one it reverts (ChangeSet.reverts). A cell someone changed since no longer
holds `after`, so it is never silently overwritten:

- an undo or redo is all or nothing: one such cell refuses the whole step, naming its value;
  cells of touchpoints or functions deleted since are skipped (there is nothing to overwrite);
- an admin's revert puts back the cells that still hold what the set wrote and lists the others.

A function deleted since (merged away, or deleted with its letters) cannot come back, so the
letters the set gave other functions from it stay where they are: reverting a merge never takes
the A's the target received and leaves their touchpoints empty. The plan lists those cells
(`kept`) with the function they came from, and the gaps the revert opens and closes are previewed
(revert_gaps) before an admin confirms.

Only letters go back. Structure a change set made (touchpoints or functions created, renamed,
deleted) is listed as not reverted: bringing back a deleted touchpoint is not the same object,
and undoing a rename behind people's backs surprises more than it helps.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from cxowner.orgs.errors import Cell, CellChanged, StaleCells
from cxowner.orgs.history import ChangeItem, ChangeSet, items_expanded
from cxowner.orgs.models import Organization
from cxowner.orgs.versions import cells_last_changed
from journeys.models import Touchpoint
from ownership.editor.services import CellChange, cells_read, cells_write
from ownership.engine.constants import format_letters
from ownership.engine.whatif import Comparison, compare, set_cells
from ownership.gaps.snapshots import snapshot_load
from ownership.history.selectors import ItemView, items_described
from ownership.models import Function

# Rows of each list a preview names; the counts are always complete.
PREVIEW_ROWS = 500


def letters_shown(letters: frozenset[str]) -> str:
    return format_letters(letters) or "empty"


@dataclass(frozen=True)
class CellBack:
    """One cell a change set wrote: what it replaced, what it wrote, what it holds now."""

    touchpoint_id: int
    function_id: int
    subject: str  # "Cashier × Finance"
    back: frozenset[str]
    wrote: frozenset[str]
    now: frozenset[str]

    @property
    def cell(self) -> Cell:
        return (self.touchpoint_id, self.function_id)

    @property
    def changed_since(self) -> bool:
        return self.now != self.wrote

    def describe_now(self, changed: CellChanged | None = None) -> str:
        """“Cashier × Finance now holds A/C”, and who wrote that and when, where the history says."""
        said = f"{self.subject} now holds {letters_shown(self.now)}"
        return f"{said}, written {changed.words()}" if changed and changed.by and changed.at else said

    # As the pages show them: "R/A", or "empty".
    @property
    def back_shown(self) -> str:
        return letters_shown(self.back)

    @property
    def wrote_shown(self) -> str:
        return letters_shown(self.wrote)

    @property
    def now_shown(self) -> str:
        return letters_shown(self.now)


@dataclass(frozen=True)
class RevertPlan:
    """What putting a change set back would do, read without writing anything."""

    change_set: ChangeSet
    cells: tuple[CellBack, ...]  # still hold what the set wrote: they go back
    changed_since: tuple[CellBack, ...]  # someone changed them since: refused
    gone: tuple[str, ...]  # cells whose touchpoint or function no longer exists
    structure: tuple[ItemView, ...]  # changes that are not letters: not reverted
    structure_count: int
    # still hold what the set wrote, but the letters it took from a function deleted since stay:
    # that function cannot come back to hold them (a merge's target keeps what it received)
    kept: tuple[CellBack, ...] = ()


class RevertRefused(Exception):
    """Putting a change set back was refused; nothing was written. `message` is for a person."""

    def __init__(self, message: str, cells: tuple[CellBack, ...] = ()):
        super().__init__(message)
        self.message = message
        self.cells = cells


class NothingLeft(RevertRefused):
    """Every cell of the change set belongs to a touchpoint or function deleted since."""


def revert_plan(*, organization: Organization, change_set: ChangeSet) -> RevertPlan:
    """The plan of putting `change_set` back, in seven queries whatever its size."""
    # A touchpoint the set made may carry its cells in its own item: they go back like any cell.
    items = items_expanded(ChangeItem.objects.filter(change_set=change_set).order_by("id"))
    first_before: dict[Cell, str] = {}
    last_after: dict[Cell, str] = {}
    structure: list[ChangeItem] = []
    for item in items:
        if item.object_type != "cell" or item.touchpoint_id is None or item.function_id is None:
            structure.append(item)
            continue
        cell = (item.touchpoint_id, item.function_id)
        first_before.setdefault(cell, item.before or "")
        last_after[cell] = item.after or ""
    touchpoint_ids = {touchpoint_id for touchpoint_id, _ in first_before}
    function_ids = {function_id for _, function_id in first_before}
    live_touchpoints = set(
        Touchpoint.objects.filter(organization=organization, pk__in=touchpoint_ids).values_list("pk", flat=True)
    )
    live_functions = set(
        Function.objects.filter(organization=organization, pk__in=function_ids).values_list("pk", flat=True)
    )
    # A cell the set wrote twice and left as it found it has nothing to put back.
    first_before = {cell: before for cell, before in first_before.items() if before != last_after[cell]}
    live = [cell for cell in first_before if cell[0] in live_touchpoints and cell[1] in live_functions]
    # Letters a deleted function held on a touchpoint the set also gave other functions letters on.
    orphaned: dict[int, set[str]] = {}
    for (touchpoint_id, function_id), before in first_before.items():
        if touchpoint_id in live_touchpoints and function_id not in live_functions:
            orphaned.setdefault(touchpoint_id, set()).update(before)
    now = cells_read(organization=organization, cells=live)
    cell_items = [item for item in items if item.object_type == "cell" and item.touchpoint_id and item.function_id]
    subjects = {
        (view.item.touchpoint_id, view.item.function_id): view.subject
        for view in items_described(_one_per_cell(cell_items), organization=organization)
    }
    backs, kept = [], []
    for t, f in live:
        wrote, back = frozenset(last_after[(t, f)]), frozenset(first_before[(t, f)])
        # What the set gave this cell from a function gone since stays (its letters have nowhere to go).
        back |= (wrote - back) & orphaned.get(t, set())
        cell = CellBack(t, f, subjects[(t, f)], back, wrote, now[(t, f)])
        if back == wrote and not cell.changed_since:
            # Listed with what it held before the set: what a revert would have emptied it to.
            kept.append(CellBack(t, f, cell.subject, frozenset(first_before[(t, f)]), wrote, cell.now))
        else:
            backs.append(cell)
    return RevertPlan(
        change_set=change_set,
        cells=tuple(back for back in backs if not back.changed_since),
        changed_since=tuple(back for back in backs if back.changed_since),
        kept=tuple(kept),
        gone=_gone(organization, [cell for cell in first_before if cell not in now], subjects),
        structure=tuple(items_described(structure[:PREVIEW_ROWS], organization=organization)),
        structure_count=len(structure),
    )


def revert_gaps(*, organization: Organization, plan: RevertPlan) -> Comparison:
    """The gaps the revert would open and close: the audit's rules over the matrix with its cells put back."""
    snapshot = snapshot_load(organization=organization)
    after = set_cells(snapshot, cells={back.cell: back.back for back in plan.cells})
    return compare(snapshot, after)


def _gone(organization: Organization, cells: list[Cell], subjects: dict[Cell, str]) -> tuple[str, ...]:
    """Cells of deleted touchpoints or functions, named as their deletion recorded them."""
    if not cells:
        return ()
    ids = {object_id for cell in cells for object_id in cell}
    deleted = ChangeItem.objects.filter(
        change_set__organization=organization,
        object_type__in=("touchpoint", "function"),
        object_id__in=ids,
        field="",
        after__isnull=True,
    )
    names = {
        (object_type, object_id): f"{(before or {}).get('name', f'#{object_id}')} (deleted)"
        for object_type, object_id, before in deleted.values_list("object_type", "object_id", "before")
    }
    named = []
    for touchpoint_id, function_id in cells:
        live = subjects.get((touchpoint_id, function_id), " × ").split(" × ")
        touchpoint = names.get(("touchpoint", touchpoint_id)) or live[0] or f"#{touchpoint_id}"
        function = names.get(("function", function_id)) or live[1] or f"#{function_id}"
        named.append(f"{touchpoint} × {function}")
    return tuple(named)


def _one_per_cell(items: list[ChangeItem]) -> list[ChangeItem]:
    seen: dict[Cell, ChangeItem] = {}
    for item in items:
        seen.setdefault((item.touchpoint_id, item.function_id), item)
    return list(seen.values())


@dataclass(frozen=True)
class Reverted:
    plan: RevertPlan
    change_set: ChangeSet  # the new change set that put the cells back


@transaction.atomic
def change_set_revert(
    *, organization: Organization, change_set: ChangeSet, summary: str = "", all_or_nothing: bool
) -> Reverted:
    """Put back the cells `change_set` wrote, in one new change set that names it.

    All or nothing (an undo or redo): any cell changed since, or gone, refuses the whole step.
    Otherwise (an admin's revert) the cells changed since stay as they are and are listed.
    Raises RevertRefused, with a message naming the cells and their current letters.
    """
    if change_set.organization_id != organization.pk:
        raise ValidationError("That change set belongs to another organization.")
    plan = revert_plan(organization=organization, change_set=change_set)
    # Cells whose touchpoint or function was deleted have nothing left to overwrite or put
    # back: they never refuse a step, the plan lists them.
    if all_or_nothing and plan.changed_since:
        who = cells_last_changed(cell.cell for cell in plan.changed_since)
        raise RevertRefused(
            f"Someone else changed {'this cell' if len(plan.changed_since) == 1 else 'these cells'} since: "
            f"{listed([cell.describe_now(who.get(cell.cell)) for cell in plan.changed_since])}.",
            plan.changed_since,
        )
    if not plan.cells and plan.kept:
        raise RevertRefused(
            "Nothing to put back: the letters this change moved came from a function deleted since, which cannot "
            f"come back to hold them, so they stay where they are ({listed(cell.subject for cell in plan.kept)})."
        )
    if not plan.cells and plan.gone and not plan.changed_since:
        raise NothingLeft(f"Nothing to put back: {listed(plan.gone)} no longer exist.")
    if not plan.cells:
        raise RevertRefused("Nothing to put back: no letter of this change still holds what it wrote.")
    changes = [CellChange(back.touchpoint_id, back.function_id, back.back, back.wrote) for back in plan.cells]
    summary = summary or f"Revert of “{change_set.summary}”"
    try:
        written = cells_write(organization=organization, changes=changes, summary=summary, reverts_id=change_set.pk)
    except StaleCells as stale:
        # Someone wrote between the plan and the write: name what they wrote.
        changed = tuple(back for back in plan.cells if back.cell in stale.current)
        now = [
            f"{back.subject} now holds {letters_shown(stale.current[back.cell])}"
            + (f", written {stale.changed[back.cell].words()}" if back.cell in stale.changed else "")
            for back in changed
        ]
        raise RevertRefused(f"Someone else changed cells just now: {listed(now)}.", changed) from stale
    return Reverted(plan, written.change_set)


def listed(texts, limit: int = 5) -> str:
    texts = list(texts)
    shown = "; ".join(texts[:limit])
    return shown + (f" and {len(texts) - limit} more" if len(texts) > limit else "")
