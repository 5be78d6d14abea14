"""An import's writes, planned for the whole sheet at once and written in batches.

The sheet is compared with what its journeys hold in a fixed number of reads (functions,
journeys, stages, touchpoints, letters), whatever the number of journeys or rows; the rows to
create, update and delete are then written with bulk statements, ROWS_PER_WRITE file rows at a
time, so the number of queries grows with the rows only by one batch per ROWS_PER_WRITE. A dry
run stops after the plan: the summary counts what would be written, and nothing is written
(new rows have no id yet; their letters are all new).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from cxowner.orgs.bulk import columns_insert, columns_update
from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.names import name_key
from journeys.models import TOUCHPOINT_DETAILS, Journey, Stage, Touchpoint
from ownership.imports.history import TOUCHPOINT_FIELDS
from ownership.imports.matrixfile.sheet import MatrixRow, MatrixSheet
from ownership.models import Assignment, Function

# File rows whose touchpoints and letters are written per batch; the worker's progress moves on
# after each batch.
ROWS_PER_WRITE = 2000
# Stale letters deleted per statement (ids in an IN list).
IDS_PER_DELETE = 5000


@dataclass(slots=True, eq=False)
class _Touchpoint:
    """A touchpoint as the import plans it: stored (with its id) or new. Not a model instance:
    100,000 of those cost seconds to build and are only read back column by column."""

    pk: int | None
    journey: Journey
    stage: Stage | None  # the stage it goes to, once planned
    stage_id: int | None  # the stage it is stored in
    name: str
    position: int
    channel: str
    description: str
    importance: int
    out_of_scope: bool
    out_of_scope_reason: str = ""
    version: int = 1


# What is read of a stored touchpoint: _Touchpoint's fields after its journey and stage, by name_key.
_STORED = ("id", "journey_id", "stage_id", "name_key", "name", "position", *TOUCHPOINT_DETAILS, "version")


@dataclass
class _Cell:
    touchpoint: _Touchpoint
    function: Function
    letters: list[str]  # the letters to add, in RACI order


@dataclass
class _Batch:
    rows: int = 0
    created: list[_Touchpoint] = field(default_factory=list)
    updated: list[_Touchpoint] = field(default_factory=list)
    cells: list[_Cell] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What the import writes: new functions, journeys and stages, stage renames, touchpoints and
    letters per batch of file rows, and (with `replace`) what it deletes."""

    functions: list[Function] = field(default_factory=list)
    journeys_created: list[Journey] = field(default_factory=list)
    journeys: list[Journey] = field(default_factory=list)  # every journey of the file, in its order
    stages_created: list[Stage] = field(default_factory=list)
    stages_changed: list[Stage] = field(default_factory=list)
    stale_stages: list[int] = field(default_factory=list)
    stale_touchpoints: list[int] = field(default_factory=list)
    stale_letters: list[int] = field(default_factory=list)
    stale_cells: list[tuple[int, int, str]] = field(default_factory=list)  # (touchpoint, function, letter) of each
    batches: list[_Batch] = field(default_factory=list)


def import_plan(org: Organization, sheet: MatrixSheet, summary, replace: bool) -> ImportPlan:
    """Compare the sheet with the stored journeys and count the changes in `summary`; writes nothing."""
    plan = ImportPlan()
    functions = _functions_by_key(org, sheet.functions, summary, plan)
    rows_by_journey: dict[str, list[MatrixRow]] = defaultdict(list)
    for row in sheet.rows:
        rows_by_journey[name_key(row.journey)].append(row)

    _journeys_planned(org, rows_by_journey, plan, summary)
    stages_of, touchpoints_of = _stored(plan)

    described: set[int] = set()  # the stored touchpoints the file lists
    wanted: list[tuple[_Touchpoint, MatrixRow]] = []
    batch = _Batch()
    for journey, rows in zip(plan.journeys, rows_by_journey.values(), strict=True):
        stages = _stages_planned(org, journey, rows, stages_of.get(journey.pk, {}), replace, plan, summary)
        existing = touchpoints_of.get(journey.pk, {})
        positions: dict[str, int] = defaultdict(int)
        for row in rows:
            touchpoint = _touchpoint_planned(org, journey, row, stages, existing, positions, batch)
            if touchpoint.pk is not None:
                described.add(touchpoint.pk)
            wanted.append((touchpoint, row))
            batch.rows += 1
            if batch.rows == ROWS_PER_WRITE:
                plan.batches.append(batch)
                batch = _Batch()
        if replace:
            plan.stale_touchpoints += [t.pk for t in existing.values()]
            summary.touchpoints_deleted += len(existing)
    if batch.rows:
        plan.batches.append(batch)
    summary.touchpoints_created = sum(len(b.created) for b in plan.batches)
    summary.touchpoints_updated = sum(len(b.updated) for b in plan.batches)
    _letters_planned(org, plan, wanted, functions, described, replace, summary)
    return plan


def import_locked(org: Organization) -> int:
    """Take the locks an import writes under; the organization's change counter, read under them.

    An import deletes touchpoints and stages: it waits for a running audit and for the cell
    writes computing their live gaps, and keeps new ones waiting (see locks.py). It takes them
    once its plan is made, so that others wait only while it writes (issue 23: planning 100k
    rows held every other writer for seconds); a counter that moved since the plan was read
    means another write came in between, and the import plans again, under the locks.
    """
    organization_locked(org.pk)
    # NO KEY: an audit recording gaps of these journeys (KEY SHARE) need not wait for the import.
    list(rows_locked(Journey.objects.filter(organization=org), no_key=True).values_list("pk", flat=True))
    return matrix_version(org)


def matrix_version(org: Organization) -> int:
    return Organization.objects.filter(pk=org.pk).values_list("matrix_version", flat=True).get()


def _journeys_planned(org: Organization, rows_by_journey: dict[str, list[MatrixRow]], plan: ImportPlan, summary):
    """The file's journeys in its order, stored or new."""
    existing_journeys = {j.name_key: j for j in Journey.objects.filter(organization=org).order_by()}
    next_position = max((j.position for j in existing_journeys.values()), default=0) + 1
    for key, rows in rows_by_journey.items():
        journey = existing_journeys.get(key)
        if journey is None:
            journey = Journey(organization=org, name=rows[0].journey, position=next_position)
            next_position += 1
            plan.journeys_created.append(journey)
            summary.journeys_created.append(journey.name)
        else:
            summary.journeys_replaced.append(journey.name)
            summary.matched("journey", rows[0].journey, journey.name)
        plan.journeys.append(journey)


def _stored(plan: ImportPlan) -> tuple[dict[int, dict[str, Stage]], dict[int, dict[str, _Touchpoint]]]:
    """The stages and touchpoints of the file's stored journeys, by journey and name key."""
    stored = [journey.pk for journey in plan.journeys if journey.pk is not None]
    stages_of: dict[int, dict[str, Stage]] = defaultdict(dict)
    for stage in Stage.objects.filter(journey_id__in=stored).order_by():
        stages_of[stage.journey_id][stage.name_key] = stage
    by_id = {journey.pk: journey for journey in plan.journeys if journey.pk is not None}
    touchpoints_of: dict[int, dict[str, _Touchpoint]] = defaultdict(dict)
    stored_touchpoints = Touchpoint.objects.filter(journey_id__in=stored).order_by()
    for pk, journey_id, stage_id, key, *values in stored_touchpoints.values_list(*_STORED):
        touchpoints_of[journey_id][key] = _Touchpoint(pk, by_id[journey_id], None, stage_id, *values)
    return stages_of, touchpoints_of


def _functions_by_key(org: Organization, names: tuple[str, ...], summary, plan: ImportPlan) -> dict[str, Function]:
    """The file's function columns, matched by the names' normal form; missing ones to create."""
    existing = {f.name_key: f for f in Function.objects.filter(organization=org)}
    position = max((f.position for f in existing.values()), default=0)
    for name in names:
        key = name_key(name)
        if key not in existing:
            position += 1
            function = Function(organization=org, name=name, position=position)
            existing[key] = function
            plan.functions.append(function)
            summary.functions_created.append(name)
        else:
            summary.matched("function", name, existing[key].name)
    return {name_key(name): existing[name_key(name)] for name in names}


def _stages_planned(
    org: Organization,
    journey: Journey,
    rows: list[MatrixRow],
    stages: dict[str, Stage],
    replace: bool,
    plan: ImportPlan,
    summary,
) -> dict[str, Stage]:
    """The file's stages, in its order (without `replace`, stored stages keep their place and new
    ones follow them); every stage of the journey by name."""
    stages = dict(stages)
    stage_names: dict[str, str] = {}
    for row in rows:
        stage_names.setdefault(name_key(row.stage), row.stage)
    after = 0 if replace else max((s.position for s in stages.values()), default=0)
    for position, (key, name) in enumerate(stage_names.items(), start=1):
        stage = stages.get(key)
        if not replace:
            position = stage.position if stage is not None else after + position
        if stage is None:
            stages[key] = Stage(organization=org, journey=journey, name=name, position=position)
            plan.stages_created.append(stages[key])
        elif stage.position != position or stage.name != name:
            stage.position, stage.name = position, name
            plan.stages_changed.append(stage)
    if replace:
        stale = [s.pk for key, s in stages.items() if key not in stage_names]
        plan.stale_stages += stale
        summary.stages_deleted += len(stale)
    return stages


def _touchpoint_planned(
    org: Organization,
    journey: Journey,
    row: MatrixRow,
    stages: dict[str, Stage],
    existing: dict[str, _Touchpoint],
    positions: dict[str, int],
    batch: _Batch,
) -> _Touchpoint:
    """The row's touchpoint, new or stored; rewritten only where a value changed."""
    stage = stages[name_key(row.stage)]
    positions[stage.name] += 1
    values = {
        "name": row.touchpoint,
        "position": positions[stage.name],
        "channel": row.channel,
        "description": row.description,
        "importance": row.importance,
        "out_of_scope": row.out_of_scope,
    }
    touchpoint = existing.pop(name_key(row.touchpoint), None)
    if touchpoint is None:
        touchpoint = _Touchpoint(pk=None, journey=journey, stage=stage, stage_id=None, **values)
        batch.created.append(touchpoint)
    # The stage is compared by id (a new stage has none yet).
    elif touchpoint.stage_id != stage.pk or any(getattr(touchpoint, key) != value for key, value in values.items()):
        touchpoint.stage = stage
        for key, value in values.items():
            setattr(touchpoint, key, value)
        if not touchpoint.out_of_scope:
            touchpoint.out_of_scope_reason = ""
        touchpoint.version += 1
        batch.updated.append(touchpoint)
    return touchpoint


def _letters_planned(
    org: Organization,
    plan: ImportPlan,
    wanted: list[tuple[_Touchpoint, MatrixRow]],
    functions: dict[str, Function],
    described: set[int],
    replace: bool,
    summary,
) -> None:
    """Make the letters of the file's touchpoints exactly the file's; with `replace`, letters of
    functions the file does not name go too, without it only the file's columns change. Letters
    of touchpoints the import deletes go with them (not counted)."""
    file_functions = {f.pk for f in functions.values() if f.pk is not None}
    have: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)  # cell → letter → assignment id
    stored = [journey.pk for journey in plan.journeys if journey.pk is not None]
    # Unordered: the default ordering joins and sorts every letter's touchpoint, journey and function.
    letters = Assignment.objects.filter(organization=org, touchpoint__journey_id__in=stored).order_by()
    for assignment_id, touchpoint_id, function_id, letter in letters.values_list(
        "id", "touchpoint_id", "function_id", "letter"
    ):
        if touchpoint_id in described and (replace or function_id in file_functions):
            have[(touchpoint_id, function_id)][letter] = assignment_id
    kept: set[int] = set()
    # Each row names the same few columns: their functions are looked up once, not per cell
    # (name_key per cell was 120k calls for 10k rows in the import's profile).
    function_of: dict[str, Function] = {}
    in_order: dict[frozenset[str], list[str]] = {}
    batches = iter(plan.batches)
    batch, room = None, 0
    for touchpoint, row in wanted:
        if room == 0:
            batch = next(batches)
            room = batch.rows
        room -= 1
        for function_name, cell_letters in row.cells:
            function = function_of.get(function_name)
            if function is None:
                function = function_of[function_name] = functions[name_key(function_name)]
            held = have.get((touchpoint.pk, function.pk)) if touchpoint.pk and function.pk else None
            missing = frozenset(cell_letters)  # the parser's own frozenset: not copied
            if held:
                kept.update(held[letter] for letter in missing if letter in held)
                missing = missing.difference(held)
            # A few sets of letters, over and over: each sorted once.
            new = in_order.get(missing)
            if new is None:
                new = in_order[missing] = sorted(missing)
            if new:
                batch.cells.append(_Cell(touchpoint, function, new))
                summary.letters_added += len(new)
    for (touchpoint_id, function_id), held in have.items():
        for letter, pk in held.items():
            if pk not in kept:
                plan.stale_letters.append(pk)
                plan.stale_cells.append((touchpoint_id, function_id, letter))
    summary.letters_removed += len(plan.stale_letters)


def import_write(org: Organization, plan: ImportPlan, progress: Callable[[int], None]) -> None:
    """Write the plan; `progress` hears the file rows written so far, batch by batch."""
    Function.objects.bulk_create(plan.functions)
    Journey.objects.bulk_create(plan.journeys_created)
    stages = plan.stages_changed
    columns_update(
        Stage, [s.pk for s in stages], {"position": [s.position for s in stages], "name": [s.name for s in stages]}
    )
    _stages_insert(org, plan.stages_created)
    for start in range(0, len(plan.stale_letters), IDS_PER_DELETE):
        Assignment.objects.filter(pk__in=plan.stale_letters[start : start + IDS_PER_DELETE]).delete()
    done = 0
    for batch in plan.batches:
        _touchpoints_insert(org, batch.created)
        _touchpoints_update(batch.updated)
        letters = [(cell, letter) for cell in batch.cells for letter in cell.letters]
        columns_insert(
            Assignment,
            {
                "organization_id": [org.pk] * len(letters),
                "touchpoint_id": [cell.touchpoint.pk for cell, _ in letters],
                "function_id": [cell.function.pk for cell, _ in letters],
                "letter": [letter for _, letter in letters],
            },
        )
        done += batch.rows
        progress(done)
    if plan.stale_touchpoints:
        Touchpoint.objects.filter(pk__in=plan.stale_touchpoints).delete()
    if plan.stale_stages:
        Stage.objects.filter(pk__in=plan.stale_stages).delete()


def _touchpoints_insert(org: Organization, touchpoints: list[_Touchpoint]) -> None:
    """Insert new touchpoints in one statement and give each its id (their letters need it)."""
    columns = {name: [getattr(t, name) for t in touchpoints] for name in ["name", "position", *TOUCHPOINT_DETAILS]}
    columns["organization_id"] = [org.pk] * len(touchpoints)
    # The journey and the stage may be new too: their ids are known only now that they are written.
    columns["journey_id"] = [t.journey.pk for t in touchpoints]
    columns["stage_id"] = [t.stage.pk for t in touchpoints]
    for touchpoint, pk in zip(touchpoints, columns_insert(Touchpoint, columns, returning=True), strict=True):
        touchpoint.pk = pk


def _stages_insert(org: Organization, stages: list[Stage]) -> None:
    """Insert new stages in one statement (bulk_create prepared 12k of them field by field, a
    second of a 100k-row import) and give each its id: their touchpoints need it."""
    columns = {
        "organization_id": [org.pk] * len(stages),
        "journey_id": [stage.journey.pk for stage in stages],  # a new journey's id is known only now
        "name": [stage.name for stage in stages],
        "position": [stage.position for stage in stages],
    }
    for stage, pk in zip(stages, columns_insert(Stage, columns, returning=True), strict=True):
        stage.pk = pk
        stage._state.adding = False


def _touchpoints_update(touchpoints: list[_Touchpoint]) -> None:
    """Rewrite the touchpoints whose values changed, in one statement."""
    columns = {name: [getattr(t, name) for t in touchpoints] for name in [*TOUCHPOINT_FIELDS, "version"]}
    columns["stage_id"] = [t.stage.pk for t in touchpoints]  # a new stage's id is known only now
    columns_update(Touchpoint, [t.pk for t in touchpoints], columns)
