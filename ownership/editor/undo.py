"""A member's undo and redo in the matrix editor, read from the history itself.

The stacks are not stored anywhere: change sets are append-only, and an undo or redo is one
more change set whose `reverts` names the set it puts back. Replaying the member's own cell
change sets in a journey, oldest first, rebuilds both stacks — so they survive page reloads,
other tabs and restarts, and nothing ever has to be updated:

- a change set that reverts the top of the undo stack is an undo: that set moves to the redo
  stack (remembered as the undo that can be reverted to redo it);
- one that reverts the top of the redo stack is a redo: it goes back onto the undo stack;
- anything else is a new edit: it goes onto the undo stack and the redo stack is emptied, as
  in every editor.

A step whose cells all belong to touchpoints or functions deleted since is passed over (it has
nothing to put back); the undo takes the step below it, which the replay then finds under it.

Each step puts cells back through ownership.editor.reverts, all or nothing: if someone else changed
one of those cells since, the step is refused with the cell's current letters.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from cxowner.orgs.history import ChangeSet
from journeys.models import Journey
from ownership.editor.reverts import NothingLeft, Reverted, change_set_revert

# The member's most recent cell change sets in a journey the stacks are rebuilt from: enough
# for hundreds of steps, in one query on the (journey, id) index.
HISTORY_WINDOW = 1000


# Steps with nothing left to put back passed over in one undo, at most.
PASSED_OVER = 20


@dataclass(frozen=True)
class Step:
    change_set_id: int  # the set the step reverts
    label: str  # what the member did, as the history summarised it


@dataclass(frozen=True)
class UndoStacks:
    undo: tuple[Step, ...]
    redo: tuple[Step, ...]

    @property
    def next_undo(self) -> Step | None:
        return self.undo[-1] if self.undo else None

    @property
    def next_redo(self) -> Step | None:
        return self.redo[-1] if self.redo else None


class NothingToStep(ValidationError):
    pass


def undo_stacks(*, journey: Journey, user) -> UndoStacks:
    """The member's undo and redo stacks in `journey` (one query)."""
    if user is None or not user.is_authenticated:
        return UndoStacks((), ())
    rows = list(
        ChangeSet.objects.filter(
            journey_id=journey.pk, actor_user=user, kind="cells", organization_id=journey.organization_id
        )
        .order_by("-id")
        .values_list("id", "reverts_id", "summary")[:HISTORY_WINDOW]
    )
    undo: list[Step] = []
    redo: list[Step] = []
    for change_set_id, reverts_id, summary in reversed(rows):
        undone = _taken(undo, reverts_id)
        if undone is not None:
            redo.append(Step(change_set_id, undone.label))
            continue
        redone = _taken(redo, reverts_id)
        if redone is not None:
            undo.append(Step(change_set_id, redone.label))
        else:
            undo.append(Step(change_set_id, summary))
            redo.clear()
    return UndoStacks(tuple(undo), tuple(redo))


def _taken(stack: list[Step], change_set_id: int | None) -> Step | None:
    """Take the step that reverts `change_set_id` off the stack: usually its top, lower when the
    steps above it were passed over (every cell of theirs deleted since)."""
    if change_set_id is None:
        return None
    for at in range(len(stack) - 1, -1, -1):
        if stack[at].change_set_id == change_set_id:
            return stack.pop(at)
    return None


def undo_step(*, journey: Journey, user) -> Reverted:
    """Undo the member's last change in the journey. Raises NothingToStep or RevertRefused."""
    return _step(journey, undo_stacks(journey=journey, user=user).undo, "undo")


def redo_step(*, journey: Journey, user) -> Reverted:
    """Redo the member's last undone change in the journey. Raises NothingToStep or RevertRefused."""
    return _step(journey, undo_stacks(journey=journey, user=user).redo, "redo")


def _step(journey: Journey, stack: tuple[Step, ...], word: str) -> Reverted:
    # A step whose cells were all deleted since (their touchpoint or function) has nothing to
    # put back: it is passed over, and the one below it taken, rather than blocking the stack.
    for step in reversed(stack[-PASSED_OVER:]):
        change_set = ChangeSet.objects.get(pk=step.change_set_id)
        try:
            return change_set_revert(
                organization=journey.organization,
                change_set=change_set,
                summary=f"{word.capitalize()} of “{step.label}”"[:300],
                all_or_nothing=True,
            )
        except NothingLeft:
            continue
    raise NothingToStep(f"There is nothing to {word}.")
