"""What an import would change, computed without writing: the browser's and the API's preview.

The organization's matrix is loaded once as a snapshot; the sheet is applied to a copy of it in
memory exactly as the importer applies it to the database (journeys named in the sheet are
replaced, matched by name as people read them; touchpoints and letters that stay keep their ids,
roles and review dates); then the same gap rules run on both. So the coverage and the open gaps
shown "before → after" are the audit's own figures, not an estimate.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ownership.engine.constants import Severity, format_letters
from ownership.engine.rules import coverage, evaluate
from ownership.engine.snapshot import AssignmentRow, FunctionRow, JourneyRow, OrgSnapshot, TouchpointRow
from ownership.imports.matrixfile.sheet import MatrixRow, MatrixSheet
from ownership.imports.tables.cells import name_key


@dataclass(frozen=True)
class TouchpointLetters:
    """A touchpoint created or deleted, with its stage and its letters per function."""

    name: str
    stage: str
    letters: tuple[tuple[str, str], ...]  # (function, "R/A")


@dataclass(frozen=True)
class CellChange:
    touchpoint: str
    function: str
    before: str  # "" when the function held nothing there
    after: str


@dataclass(frozen=True)
class Gaps:
    """Open gaps by severity."""

    error: int = 0
    warning: int = 0
    info: int = 0

    @property
    def total(self) -> int:
        return self.error + self.warning + self.info


@dataclass
class JourneyPreview:
    name: str
    created: bool
    stages_created: list[str] = field(default_factory=list)
    stages_deleted: list[str] = field(default_factory=list)
    touchpoints_created: list[TouchpointLetters] = field(default_factory=list)
    touchpoints_deleted: list[TouchpointLetters] = field(default_factory=list)
    cells_changed: list[CellChange] = field(default_factory=list)
    coverage_before: float | None = None  # None: the journey does not exist yet, or has nothing in scope
    coverage_after: float | None = None  # None: nothing in scope
    gaps_before: Gaps = field(default_factory=Gaps)
    gaps_after: Gaps = field(default_factory=Gaps)

    @property
    def changes_nothing(self) -> bool:
        return not (
            self.created
            or self.stages_created
            or self.stages_deleted
            or self.touchpoints_created
            or self.touchpoints_deleted
            or self.cells_changed
        )


@dataclass(frozen=True)
class ImportPreview:
    journeys: tuple[JourneyPreview, ...]
    functions_created: tuple[str, ...]
    coverage_before: float | None  # None: no touchpoint in scope, no figure
    coverage_after: float | None
    gaps_before: Gaps
    gaps_after: Gaps


@dataclass(frozen=True)
class StageRow:
    id: int
    journey_id: int
    name: str


def preview_of(
    *, before: OrgSnapshot, stages: Iterable[StageRow], sheet: MatrixSheet, replace: bool = False
) -> ImportPreview:
    """The preview of importing `sheet` into the organization `before` shows; pure. Without
    `replace`, what the sheet does not list stays, as the importer keeps it."""
    after, journeys = _applied(before, list(stages), sheet, replace)
    findings_before, findings_after = evaluate(before), evaluate(after)
    for preview, journey_id in journeys:
        preview.coverage_after = coverage(_journey_only(after, journey_id))
        preview.gaps_after = _gaps(f for f in findings_after if f.journey_id == journey_id)
        if not preview.created:
            preview.coverage_before = coverage(_journey_only(before, journey_id))
            preview.gaps_before = _gaps(f for f in findings_before if f.journey_id == journey_id)
    known = {name_key(function.name) for function in before.functions}
    created = tuple(dict.fromkeys(name for name in sheet.functions if name_key(name) not in known))
    return ImportPreview(
        journeys=tuple(preview for preview, _ in journeys),
        functions_created=created,
        coverage_before=coverage(before),
        coverage_after=coverage(after),
        gaps_before=_gaps(findings_before),
        gaps_after=_gaps(findings_after),
    )


def _gaps(findings: Iterable) -> Gaps:
    counts = Counter(finding.severity for finding in findings)
    return Gaps(counts[Severity.ERROR], counts[Severity.WARNING], counts[Severity.INFO])


def _journey_only(snapshot: OrgSnapshot, journey_id: int) -> OrgSnapshot:
    touchpoints = tuple(t for t in snapshot.touchpoints if t.journey_id == journey_id)
    ids = {t.id for t in touchpoints}
    assignments = tuple(a for a in snapshot.assignments if a.touchpoint_id in ids)
    return dataclasses.replace(snapshot, touchpoints=touchpoints, assignments=assignments)


class _NewIds:
    """Ids for rows the import would create: negative, so they never meet a stored id."""

    def __init__(self) -> None:
        self.last = 0

    def __call__(self) -> int:
        self.last -= 1
        return self.last


def _applied(
    before: OrgSnapshot, stages: list[StageRow], sheet: MatrixSheet, replace: bool
) -> tuple[OrgSnapshot, list[tuple[JourneyPreview, int]]]:
    new_id = _NewIds()
    functions = list(before.functions)
    function_ids = {name_key(f.name): f.id for f in functions}
    for name in sheet.functions:
        if name_key(name) not in function_ids:
            function_ids[name_key(name)] = new_id()
            functions.append(FunctionRow(function_ids[name_key(name)], name))
    function_names = {f.id: f.name for f in functions}

    rows_by_journey: dict[str, list[MatrixRow]] = {}
    for row in sheet.rows:
        rows_by_journey.setdefault(name_key(row.journey), []).append(row)
    journeys = list(before.journeys)
    journey_by_key = {name_key(j.name): j for j in journeys}
    replaced: dict[int, list[TouchpointRow]] = {}
    gone: set[int] = set()  # touchpoints of the replaced journeys: their letters are the sheet's now
    letters: list[AssignmentRow] = []
    previews = []
    for key, rows in rows_by_journey.items():
        journey = journey_by_key.get(key)
        preview = JourneyPreview(name=journey.name if journey else rows[0].journey, created=journey is None)
        if journey is None:
            journey = JourneyRow(new_id(), rows[0].journey, None)
            journeys.append(journey)
        journey_stages = [stage for stage in stages if stage.journey_id == journey.id]
        file_functions = None if replace else {function_ids[name_key(name)] for name in sheet.functions}
        touchpoints, kept_letters = _replace_journey(
            before, journey, journey_stages, rows, function_ids, function_names, new_id, preview, file_functions
        )
        replaced[journey.id] = touchpoints
        gone.update(t.id for t in before.touchpoints if t.journey_id == journey.id)
        letters.extend(kept_letters)
        previews.append((preview, journey.id))
    touchpoints = []
    for journey in journeys:
        if journey.id in replaced:
            touchpoints.extend(replaced[journey.id])
        else:
            touchpoints.extend(t for t in before.touchpoints if t.journey_id == journey.id)
    after = dataclasses.replace(
        before,
        functions=tuple(functions),
        journeys=tuple(journeys),
        touchpoints=tuple(touchpoints),
        assignments=tuple(a for a in before.assignments if a.touchpoint_id not in gone) + tuple(letters),
    )
    return after, previews


def _replace_journey(
    before: OrgSnapshot,
    journey: JourneyRow,
    stages: list[StageRow],
    rows: list[MatrixRow],
    function_ids: dict[str, int],
    function_names: dict[int, str],
    new_id: _NewIds,
    preview: JourneyPreview,
    file_functions: set[int] | None,
) -> tuple[list[TouchpointRow], list[AssignmentRow]]:
    """The journey's touchpoints and letters once the sheet's `rows` are written, as the importer
    writes them (a touchpoint or letter that stays keeps its id and review date); `preview` says
    what changed. `file_functions` (None when the journey is replaced): the sheet's columns; the
    touchpoints it does not list and the letters outside its columns stay.

    Long because it mirrors the importer's three cases (created, rewritten, deleted or kept)."""
    stage_ids = _stages_replaced(stages, rows, new_id, preview, replace=file_functions is None)
    existing = {name_key(t.name): t for t in before.touchpoints if t.journey_id == journey.id}
    held_before, by_letter = _letters_of(before, {t.id for t in existing.values()})
    touchpoints, assignments = [], []
    for row in rows:
        old = existing.get(name_key(row.touchpoint))
        touchpoint_id = old.id if old else new_id()
        stage_id = stage_ids[name_key(row.stage)]
        touchpoints.append(
            TouchpointRow(touchpoint_id, journey.id, stage_id, row.touchpoint, row.importance, row.out_of_scope)
        )
        after = {function_ids[name_key(name)]: set(letters) for name, letters in row.cells}
        if old is not None and file_functions is not None:
            held = held_before.get(old.id, {})
            after.update({f: set(held[f]) for f in held if f not in file_functions and held[f]})
        for function_id, letters in after.items():
            for letter in sorted(letters):
                kept = by_letter.get((touchpoint_id, function_id, letter))
                reviewed = before.taken_at if letter == "A" else None
                assignments.append(kept or AssignmentRow(touchpoint_id, function_id, letter, None, reviewed))
        if old is None:
            preview.touchpoints_created.append(
                TouchpointLetters(row.touchpoint, row.stage, _named_letters(after, function_names))
            )
        else:
            was = held_before.get(old.id, {})
            preview.cells_changed += _cells_changed(row.touchpoint, was, after, function_names)
    stage_name = {s.id: s.name for s in stages}
    seen = {name_key(row.touchpoint) for row in rows}
    for key, old in existing.items():
        if key not in seen and file_functions is not None:
            touchpoints.append(old)  # kept as it is, with its letters
            assignments.extend(a for a in before.assignments if a.touchpoint_id == old.id)
        elif key not in seen:
            letters = _named_letters(held_before.get(old.id, {}), function_names)
            preview.touchpoints_deleted.append(TouchpointLetters(old.name, stage_name.get(old.stage_id, ""), letters))
    return touchpoints, assignments


def _stages_replaced(
    stages: list[StageRow], rows: list[MatrixRow], new_id: _NewIds, preview: JourneyPreview, *, replace: bool
) -> dict[str, int]:
    """The stage id of each stage name in `rows` (a new one for a new stage); `preview` lists the
    stages created and deleted."""
    stage_ids = {name_key(s.name): s.id for s in stages}
    wanted_stages = list(dict.fromkeys(name_key(row.stage) for row in rows))
    for row in rows:
        if name_key(row.stage) not in stage_ids:
            stage_ids[name_key(row.stage)] = new_id()
            preview.stages_created.append(row.stage)
    if replace:
        preview.stages_deleted = [s.name for s in stages if name_key(s.name) not in wanted_stages]
    return stage_ids


def _letters_of(
    before: OrgSnapshot, touchpoint_ids: set[int]
) -> tuple[dict[int, dict[int, set[str]]], dict[tuple[int, int, str], AssignmentRow]]:
    """The letters of those touchpoints before the import: per touchpoint and function, and each
    letter's row by (touchpoint, function, letter)."""
    held_before: dict[int, dict[int, set[str]]] = {}
    by_letter: dict[tuple[int, int, str], AssignmentRow] = {}
    for assignment in before.assignments:
        if assignment.touchpoint_id in touchpoint_ids:
            held = held_before.setdefault(assignment.touchpoint_id, {}).setdefault(assignment.function_id, set())
            held.add(assignment.letter)
            by_letter[(assignment.touchpoint_id, assignment.function_id, assignment.letter)] = assignment
    return held_before, by_letter


def _cells_changed(
    touchpoint: str, was: dict[int, set[str]], after: dict[int, set[str]], function_names: dict[int, str]
) -> list[CellChange]:
    """The touchpoint's cells whose letters differ, in the functions' alphabetical order."""
    return [
        CellChange(
            touchpoint,
            function_names[function_id],
            format_letters(was.get(function_id, ())),
            format_letters(after.get(function_id, ())),
        )
        for function_id in sorted(set(was) | set(after), key=lambda f: function_names[f].casefold())
        if was.get(function_id, set()) != after.get(function_id, set())
    ]


def _named_letters(held: dict[int, set[str]], function_names: dict[int, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (function_names[function_id], format_letters(letters))
        for function_id, letters in sorted(held.items(), key=lambda item: function_names[item[0]].casefold())
        if letters
    )


def matrix_import_preview(*, organization, sheet: MatrixSheet, replace: bool = False) -> ImportPreview:
    """Load the organization (six queries) and preview importing `sheet` into it (`replace`: as matrix_import)."""
    from journeys.models import Stage
    from ownership.gaps.snapshots import snapshot_load

    before = snapshot_load(organization=organization)
    stages = [
        StageRow(*row)
        for row in Stage.objects.filter(organization=organization).values_list("id", "journey_id", "name")
    ]
    return preview_of(before=before, stages=stages, sheet=sheet, replace=replace)
