"""Many cells of one journey changed at once: a paste, a fill down, a cleared selection.

The editor sends each target cell with the letters to write — as the clipboard had them, in any
form the importer reads ("A/R", "a, r", "Accountable", "-") — and the letters the page showed
(`expected`). The batch is one change set, all or nothing: one unreadable cell, one cell outside
the journey or one cell someone else changed since refuses the whole batch, nothing written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError

from journeys.models import Journey, Touchpoint
from ownership.editor.services import CellChange, CellsWritten, cells_write
from ownership.imports.tables.cells import LetterReader
from ownership.models import Function

# A pasted block larger than this is more likely a mistake than a selection (the editor shows
# a few hundred rows at a time); an import is the way to write whole matrices.
MAX_BATCH_CELLS = 5000


class BatchAction(StrEnum):
    PASTE = "paste"
    FILL = "fill"
    CLEAR = "clear"


BATCH_SUMMARY = {BatchAction.PASTE: "Paste", BatchAction.FILL: "Fill down", BatchAction.CLEAR: "Clear"}


@dataclass(frozen=True)
class CellEdit:
    """One target cell of a batch, as sent: letters as typed, and what the page showed."""

    touchpoint_id: int
    function_id: int
    letters: str
    expected: str


def cell_edits_read(raw: object) -> list[CellEdit]:
    """The cells of a request body ({"cells": [{touchpoint, function, letters, expected}, …]})."""
    cells = raw.get("cells") if isinstance(raw, Mapping) else None
    if not isinstance(cells, list) or not cells:
        raise ValidationError("Send the cells to change: a list of {touchpoint, function, letters, expected}.")
    if len(cells) > MAX_BATCH_CELLS:
        raise ValidationError(f"At most {MAX_BATCH_CELLS} cells at once; import a file for larger changes.")
    edits = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, Mapping):
            raise ValidationError(f"Cell {number} is not an object with touchpoint, function, letters, expected.")
        try:
            touchpoint_id, function_id = int(cell.get("touchpoint")), int(cell.get("function"))
        except (TypeError, ValueError):
            raise ValidationError(f"Cell {number} needs whole-number touchpoint and function ids.") from None
        letters, expected = cell.get("letters", ""), cell.get("expected", "")
        if not isinstance(letters, str) or not isinstance(expected, str):
            raise ValidationError(f"Cell {number}: letters and expected are text, such as “A/R”.")
        edits.append(CellEdit(touchpoint_id, function_id, letters, expected))
    return edits


def cells_batch_set(*, journey: Journey, action: BatchAction, edits: Sequence[CellEdit]) -> CellsWritten:
    """Write the batch in one change set; ValidationError (naming the cell) or StaleCells if refused."""
    touchpoints = dict(
        Touchpoint.objects.filter(journey=journey, pk__in={e.touchpoint_id for e in edits}).values_list("pk", "name")
    )
    functions = dict(
        Function.objects.filter(
            organization_id=journey.organization_id, pk__in={e.function_id for e in edits}
        ).values_list("pk", "name")
    )
    reader = LetterReader()
    changes: list[CellChange] = []
    seen: set[tuple[int, int]] = set()
    for edit in edits:
        if edit.touchpoint_id not in touchpoints or edit.function_id not in functions:
            raise ValidationError(
                f"A cell of the {action.value} is not in the journey “{journey.name}”; reload the page."
            )
        where = f"{touchpoints[edit.touchpoint_id]} × {functions[edit.function_id]}"
        if (edit.touchpoint_id, edit.function_id) in seen:
            raise ValidationError(f"{where} is given twice.")
        seen.add((edit.touchpoint_id, edit.function_id))
        letters = _letters(reader, "" if action is BatchAction.CLEAR else edit.letters, where)
        expected = _letters(reader, edit.expected, where)
        changes.append(CellChange(edit.touchpoint_id, edit.function_id, letters, expected))
    changed = sum(1 for change in changes if change.letters != change.expected)
    summary = f"{BATCH_SUMMARY[action]} of {changed} cell{'s' if changed != 1 else ''}"
    return cells_write(organization=journey.organization, changes=changes, summary=summary)


def _letters(reader: LetterReader, text: str, where: str) -> frozenset[str]:
    reading = reader.read(text.strip())
    if reading.unknown:
        unknown = ", ".join(f"“{sign}”" for sign in reading.unknown)
        verb = "is not a RACI letter" if len(reading.unknown) == 1 else "are not RACI letters"
        raise ValidationError(f"{where}: {unknown} {verb} (use R, A, C and I, e.g. “A/R”).")
    return reading.letters
