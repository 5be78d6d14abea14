"""The import page's preview as a grid: the matrix as it was read, journey by journey and stage by
stage, the letters in their functions' columns, each touchpoint marked new or changed, and the
touchpoints the import would delete.

Built from the sheet in memory and the preview (which already compared it with the stored
matrix), with no query of its own. A file of thousands of rows shows its first rows only: every
journey's counts are over all of them, the rows drawn are bounded so the page stays light.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ownership.engine.constants import LETTERS
from ownership.imports.matrixfile.sheet import MatrixRow, MatrixSheet
from ownership.imports.preview import CellChange, ImportPreview, JourneyPreview, TouchpointLetters
from ownership.imports.tables.cells import name_key

# Rows of the file drawn in the grid, and touchpoints to be deleted listed, at most; a file with
# hundreds of function columns gets fewer rows, so that the page holds GRID_CELLS cells at most.
GRID_ROWS = 200
GRID_DELETED_ROWS = 200
GRID_CELLS = 20_000

NEW, CHANGED, SAME, DELETED = "new", "changed", "same", "deleted"


@dataclass(frozen=True)
class GridCell:
    letters: tuple[str, ...]  # in RACI order; empty when the function holds nothing there
    before: str | None = None  # the letters held before ("" for nothing) when the import changes them


@dataclass(frozen=True)
class GridRow:
    touchpoint: str
    status: str  # NEW, CHANGED, SAME or DELETED
    cells: tuple[GridCell, ...]  # one per column of the grid
    description: str = ""
    out_of_scope: bool = False
    stage: str = ""  # a deleted touchpoint's stage (the others are drawn under theirs)
    # Letters the import removes from functions the file has no column for.
    other_changes: tuple[CellChange, ...] = ()


@dataclass
class GridStage:
    name: str
    created: bool
    rows: list[GridRow] = field(default_factory=list)


@dataclass
class GridJourney:
    preview: JourneyPreview
    rows: int  # the file's rows in this journey
    stages: list[GridStage] = field(default_factory=list)
    deleted: list[GridRow] = field(default_factory=list)
    rows_shown: int = 0
    changed: int = 0  # touchpoints kept whose letters change

    @property
    def rows_hidden(self) -> int:
        return self.rows - self.rows_shown

    @property
    def deleted_hidden(self) -> int:
        return len(self.preview.touchpoints_deleted) - len(self.deleted)


@dataclass(frozen=True)
class PreviewGrid:
    functions: tuple[str, ...]
    journeys: tuple[GridJourney, ...]
    rows: int
    rows_shown: int

    @property
    def rows_hidden(self) -> int:
        return self.rows - self.rows_shown


def preview_grid(*, sheet: MatrixSheet, preview: ImportPreview) -> PreviewGrid:
    """The grid of `sheet` with the changes `preview` found; its first rows are drawn (GRID_ROWS,
    fewer for a very wide file) in the file's order within each journey, and GRID_DELETED_ROWS
    deleted touchpoints at most."""
    width = max(len(sheet.functions), 1)
    max_rows = min(GRID_ROWS, max(GRID_CELLS // width, 10))
    max_deleted = min(GRID_DELETED_ROWS, max(GRID_CELLS // width, 10))
    columns = {name_key(name): index for index, name in enumerate(sheet.functions)}
    by_journey: dict[str, list[MatrixRow]] = {}
    for row in sheet.rows:
        by_journey.setdefault(name_key(row.journey), []).append(row)
    previews = {name_key(journey.name): journey for journey in preview.journeys}
    journeys, budget, deleted_budget = [], max_rows, max_deleted
    for key, rows in by_journey.items():
        journey = _journey_grid(previews[key], rows, columns, budget, deleted_budget)
        budget -= journey.rows_shown
        deleted_budget -= len(journey.deleted)
        journeys.append(journey)
    shown = max_rows - budget
    return PreviewGrid(functions=sheet.functions, journeys=tuple(journeys), rows=len(sheet.rows), rows_shown=shown)


def _journey_grid(
    preview: JourneyPreview, rows: list[MatrixRow], columns: dict[str, int], budget: int, deleted_budget: int
) -> GridJourney:
    created = {name_key(touchpoint.name) for touchpoint in preview.touchpoints_created}
    changes: dict[str, list[CellChange]] = {}
    for change in preview.cells_changed:
        changes.setdefault(name_key(change.touchpoint), []).append(change)
    new_stages = {name_key(name) for name in preview.stages_created}
    journey = GridJourney(preview=preview, rows=len(rows), changed=len(changes))
    stages: dict[str, GridStage] = {}
    for row in rows[: max(budget, 0)]:
        stage_key = name_key(row.stage)
        if stage_key not in stages:
            stages[stage_key] = GridStage(row.stage, created=stage_key in new_stages)
            journey.stages.append(stages[stage_key])
        key = name_key(row.touchpoint)
        status = NEW if key in created else CHANGED if key in changes else SAME
        stages[stage_key].rows.append(_row(row, status, changes.get(key, ()), columns))
    journey.rows_shown = sum(len(stage.rows) for stage in journey.stages)
    journey.deleted = [
        _deleted_row(touchpoint, columns) for touchpoint in preview.touchpoints_deleted[: max(deleted_budget, 0)]
    ]
    return journey


def _row(row: MatrixRow, status: str, changes, columns: dict[str, int]) -> GridRow:
    letters: list[tuple[str, ...]] = [()] * len(columns)
    for function, held in row.cells:
        letters[columns[name_key(function)]] = tuple(letter for letter in LETTERS if letter in held)
    before: dict[int, str] = {}
    others = []
    for change in changes:
        column = columns.get(name_key(change.function))
        if column is None:
            others.append(change)
        else:
            before[column] = change.before
    cells = tuple(GridCell(held, before.get(column)) for column, held in enumerate(letters))
    return GridRow(
        row.touchpoint,
        status,
        cells,
        description=row.description,
        out_of_scope=row.out_of_scope,
        other_changes=tuple(others),
    )


def _deleted_row(touchpoint: TouchpointLetters, columns: dict[str, int]) -> GridRow:
    """A touchpoint the import deletes: its letters where the file has its function's column, the
    others beside its name."""
    letters: list[tuple[str, ...]] = [()] * len(columns)
    others = []
    for function, held in touchpoint.letters:
        column = columns.get(name_key(function))
        if column is None:
            others.append(CellChange(touchpoint.name, function, held, ""))
        else:
            letters[column] = tuple(held.split("/"))
    cells = tuple(GridCell(held) for held in letters)
    return GridRow(touchpoint.name, DELETED, cells, stage=touchpoint.stage, other_changes=tuple(others))
