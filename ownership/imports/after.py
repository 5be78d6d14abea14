"""The journeys as an import leaves them, from the state before it and what its plan wrote.

The import's history is the difference between the journeys before and after it. Everything the
import writes is in its plan (new and rewritten touchpoints, letters added, letters and
touchpoints deleted), so the state after is the state before with the plan applied, not a
second read of every touchpoint and letter of the journeys: at 100k rows that read-back was
350k letters fetched and indexed again, for values the import had just sent (issue 23).
"""

from __future__ import annotations

from collections import defaultdict

from cxowner.orgs.history import letters_text
from cxowner.orgs.names import one_line, one_line_fields
from journeys.models import Touchpoint
from ownership.imports.history import TOUCHPOINT_FIELDS, JourneysState
from ownership.imports.writing import ImportPlan


def state_after(before: JourneysState, plan: ImportPlan) -> JourneysState:
    """`before` with the written plan applied: call it after import_write (new rows have their ids)."""
    cleaned = set(one_line_fields(Touchpoint))
    gone = set(plan.stale_touchpoints)
    touchpoints = {pk: row for pk, row in before.touchpoints.items() if pk not in gone}
    letters: dict[tuple[int, int], set[str]] = defaultdict(set)
    for cell, text in before.cells.items():
        if cell[0] in touchpoints:  # a deleted touchpoint's letters went with it
            letters[cell].update(text)
    for touchpoint_id, function_id, letter in plan.stale_cells:
        letters[(touchpoint_id, function_id)].discard(letter)
    for batch in plan.batches:
        for touchpoint in (*batch.created, *batch.updated):
            row = {"id": touchpoint.pk, "journey_id": touchpoint.journey.pk, "stage_id": touchpoint.stage.pk}
            for name in TOUCHPOINT_FIELDS:
                if name != "stage_id":
                    value = getattr(touchpoint, name)
                    # As the bulk writes store it (cxowner.orgs.bulk): one-line texts cleaned.
                    row[name] = one_line(value) if name in cleaned and isinstance(value, str) else value
            touchpoints[touchpoint.pk] = row
        for cell in batch.cells:
            letters[(cell.touchpoint.pk, cell.function.pk)].update(cell.letters)
    return JourneysState(
        journeys={journey.pk: one_line(journey.name) for journey in plan.journeys},
        touchpoints=touchpoints,
        cells={cell: letters_text(held) for cell, held in letters.items() if held},
        functions={**before.functions, **{function.pk: one_line(function.name) for function in plan.functions}},
    )
