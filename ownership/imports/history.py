"""The history of an import: one change set holding every touchpoint and cell the file changed.

An import rewrites whole journeys with bulk writes, so rather than thread the history through
each step it reads the journeys it replaces before (a constant number of queries, whatever the
size of the file), applies its plan to that state (after.py) and records the difference, in the
import's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cxowner.orgs.history import MADE_WITH_CELLS, Change, ChangeSet, change_set_record, letters_text
from cxowner.orgs.models import Organization
from cxowner.orgs.names import name_key
from journeys.models import TOUCHPOINT_DETAILS, Journey, Touchpoint
from ownership.imports.matrixfile.sheet import MatrixSheet
from ownership.models import Assignment, Function

# What an import writes of a touchpoint, and so what its history compares.
TOUCHPOINT_FIELDS = ("name", "stage_id", "position", *TOUCHPOINT_DETAILS)


@dataclass(frozen=True)
class JourneysState:
    """The touchpoints and cells of some journeys, and the organization's functions, at one moment."""

    journeys: dict[int, str]
    touchpoints: dict[int, dict]
    cells: dict[tuple[int, int], str]
    functions: dict[int, str]


def journeys_state(*, organization: Organization, journey_ids: set[int]) -> JourneysState:
    journeys = dict(Journey.objects.filter(organization=organization, pk__in=journey_ids).values_list("pk", "name"))
    # Unordered (order_by()): the models' default orderings join the journey, stage, function and
    # organization of every row to sort by them; for 350k letters that join and its sort on
    # disk were 15 s of a 100k-row import (EXPLAIN ANALYZE in issue 23). The dicts need no order.
    touchpoints = {
        row["id"]: row
        for row in Touchpoint.objects.filter(journey_id__in=journeys)
        .order_by()
        .values("id", "journey_id", *TOUCHPOINT_FIELDS)
    }
    letters: dict[tuple[int, int], set[str]] = defaultdict(set)
    rows = Assignment.objects.filter(organization=organization, touchpoint__journey_id__in=journeys).order_by()
    for touchpoint_id, function_id, letter in rows.values_list("touchpoint_id", "function_id", "letter"):
        letters[(touchpoint_id, function_id)].add(letter)
    functions = dict(Function.objects.filter(organization=organization).values_list("pk", "name"))
    return JourneysState(
        journeys=journeys,
        touchpoints=touchpoints,
        cells={cell: letters_text(value) for cell, value in letters.items()},
        functions=functions,
    )


def import_before(*, organization: Organization, sheet: MatrixSheet) -> JourneysState:
    """The journeys a sheet will replace, as they are before it does."""
    keys = {name_key(row.journey) for row in sheet.rows}
    named = Journey.objects.filter(organization=organization, name_key__in=keys).values_list("pk", flat=True)
    return journeys_state(organization=organization, journey_ids=set(named))


def state_changes(before: JourneysState, after: JourneysState) -> list[Change]:
    changes = [
        Change("journey", journey_id, "", None, {"name": name}, journey_id=journey_id)
        for journey_id, name in after.journeys.items()
        if journey_id not in before.journeys
    ]
    changes += [
        Change("function", function_id, "", None, {"name": name}, function_id=function_id)
        for function_id, name in after.functions.items()
        if function_id not in before.functions
    ]
    made_cells: dict[int, dict[str, str]] = defaultdict(dict)  # a new touchpoint's letters, in its own item
    for (touchpoint_id, function_id), letters in after.cells.items():
        if touchpoint_id not in before.touchpoints:
            made_cells[touchpoint_id][str(function_id)] = letters
    for touchpoint_id in sorted(before.touchpoints.keys() | after.touchpoints.keys()):
        old, new = before.touchpoints.get(touchpoint_id), after.touchpoints.get(touchpoint_id)
        ids = {"journey_id": (new or old)["journey_id"], "touchpoint_id": touchpoint_id}
        if old is None or new is None:
            values = {field: (new or old)[field] for field in TOUCHPOINT_FIELDS}
            if old is None:
                values[MADE_WITH_CELLS] = made_cells.get(touchpoint_id, {})
            changes.append(
                Change(
                    "touchpoint",
                    touchpoint_id,
                    "",
                    None if old is None else values,
                    values if old is None else None,
                    **ids,
                )
            )
            continue
        changes += [
            Change("touchpoint", touchpoint_id, field, old[field], new[field], **ids)
            for field in TOUCHPOINT_FIELDS
            if old[field] != new[field]
        ]
    for cell in sorted(before.cells.keys() | after.cells.keys()):
        if cell[0] not in before.touchpoints and cell[0] in after.touchpoints:
            continue  # in the new touchpoint's item
        old_letters, new_letters = before.cells.get(cell, ""), after.cells.get(cell, "")
        if old_letters != new_letters:
            touchpoint = after.touchpoints.get(cell[0]) or before.touchpoints[cell[0]]
            changes.append(
                Change(
                    "cell",
                    None,
                    "letters",
                    old_letters,
                    new_letters,
                    journey_id=touchpoint["journey_id"],
                    touchpoint_id=cell[0],
                    function_id=cell[1],
                )
            )
    return changes


def import_record(
    *, organization: Organization, before: JourneysState, after: JourneysState, rows: int
) -> ChangeSet | None:
    """Record the difference between the journeys before and after an import (after.state_after)."""
    journey_ids = after.journeys.keys()
    journeys = sorted(after.journeys.values())
    summary = f"Import of {rows} row{'s' if rows != 1 else ''} into {', '.join(journeys)}"
    return change_set_record(
        organization_id=organization.pk,
        kind="import",
        summary=summary if len(summary) <= 300 else f"Import of {rows} rows into {len(journeys)} journeys",
        changes=state_changes(before, after),
        journey_id=next(iter(journey_ids)) if len(journey_ids) == 1 else None,
    )
