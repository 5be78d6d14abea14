"""Import and export of the matrix file (docs/matrix-file.md) against the database.

matrixfile.py turns bytes into a MatrixSheet and back; this module turns a sheet into rows of
one organization and back. Importing writes, for each journey named in the file, the file's
stages, touchpoints and letters, in one transaction; touchpoints and stages the file does not
list are kept unless the user asked to replace the journeys (`replace`), which deletes them.
Rows that survive keep their ids, confirmations and roles: a re-import of an unchanged file
changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.names import name_key
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from journeys.models import Journey, Stage, Touchpoint
from ownership.imports.export import EXPORT_FORMATS, XLSX_CONTENT_TYPE, MatrixExport, matrix_export, matrix_sheet
from ownership.imports.history import TOUCHPOINT_FIELDS, import_before, import_record
from ownership.imports.matrixfile.sheet import MatrixLimits, MatrixRow, MatrixSheet
from ownership.imports.reading import MatrixReading, matrix_read_source
from ownership.imports.tables.layout import Layout, TableOptions
from ownership.models import Assignment, Function

# Export lives in export.py; these names stay importable from here, where callers found them.
__all__ = [
    "EXPORT_FORMATS",
    "XLSX_CONTENT_TYPE",
    "ImportSummary",
    "MatrixExport",
    "matrix_export",
    "matrix_import",
    "matrix_import_file",
    "matrix_limits",
    "matrix_read",
    "matrix_sheet",
]


@dataclass
class ImportSummary:
    """What an import changed (or, in a dry run, would change)."""

    journeys_created: list[str] = field(default_factory=list)
    journeys_replaced: list[str] = field(default_factory=list)
    # Names in the file that are a stored name spelled differently ("Onboarding" for
    # "ONBOARDING"): said out loud, since the stored one is what gets replaced.
    names_matched: list[str] = field(default_factory=list)
    functions_created: list[str] = field(default_factory=list)
    touchpoints_created: int = 0
    touchpoints_updated: int = 0
    touchpoints_deleted: int = 0
    stages_deleted: int = 0
    letters_added: int = 0
    letters_removed: int = 0
    rows: int = 0
    # How the file was read: its layout (standard, activity, transposed), which table, and what
    # the reader should know (columns ignored, headings read as stages, letters mapped …).
    layout: str = ""
    table: str = ""
    notes: list[str] = field(default_factory=list)
    journey_ids: list[int] = field(default_factory=list)  # in the file's order; a dry run's are not kept

    def __str__(self) -> str:
        journeys = len(self.journeys_created) + len(self.journeys_replaced)
        text = (
            f"{self.rows} rows in {journeys} journey(s): "
            f"{self.touchpoints_created} touchpoints created, {self.touchpoints_updated} updated, "
            f"{self.touchpoints_deleted} deleted; {self.letters_added} letters added, "
            f"{self.letters_removed} removed; {len(self.functions_created)} functions created"
        )
        read_as = [f"Read as {self.layout_description}, {self.table}."] if self.layout else []
        return "\n".join([text, *read_as, *self.notes, *self.names_matched])

    @property
    def layout_description(self) -> str:
        return Layout(self.layout).description if self.layout else ""

    def read_from(self, reading: MatrixReading) -> ImportSummary:
        self.layout, self.table, self.notes = reading.layout.value, reading.table, list(reading.notes)
        return self

    def matched(self, kind: str, in_file: str, stored: str) -> None:
        if in_file != stored:
            self.names_matched.append(
                f"“{in_file}” in the file is the {kind} “{stored}” (names are compared ignoring case and spaces)."
            )


class _DryRun(Exception):
    pass


def matrix_limits(*, max_bytes: int, max_seconds: float | None = None) -> MatrixLimits:
    """The reading bounds of the settings (MATRIX_*), with the caller's upload size; a web request
    reads for MATRIX_PARSE_MAX_SECONDS at most, well under the web server's timeout, and the worker
    and the command line for as long as they pass (MATRIX_WORKER_PARSE_MAX_SECONDS)."""
    return MatrixLimits(
        max_bytes=max_bytes,
        max_rows=settings.MATRIX_MAX_ROWS,
        max_columns=settings.MATRIX_MAX_COLUMNS,
        max_part_bytes=settings.MATRIX_XLSX_MAX_PART_BYTES,
        max_expansion=settings.MATRIX_XLSX_MAX_EXPANSION,
        max_seconds=settings.MATRIX_PARSE_MAX_SECONDS if max_seconds is None else max_seconds,
    )


def matrix_import_file(
    *,
    organization: Organization,
    data: bytes,
    filename: str,
    max_bytes: int,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    options: TableOptions | None = None,
    max_seconds: float | None = None,
) -> ImportSummary:
    """Read and import a file or pasted text (import_reading). Raises MatrixFileInvalid with every problem."""
    reading = matrix_read(data=data, filename=filename, max_bytes=max_bytes, options=options, max_seconds=max_seconds)
    summary = matrix_import(
        organization=organization, sheet=reading.sheet, dry_run=dry_run, progress=progress, replace=reading.replace
    )
    return summary.read_from(reading)


def matrix_read(
    *, data: bytes, filename: str, max_bytes: int, options: TableOptions | None = None, max_seconds: float | None = None
) -> MatrixReading:
    """The file as a sheet, within the settings' bounds, and how it was read; raises MatrixFileInvalid."""
    limits = matrix_limits(max_bytes=max_bytes, max_seconds=max_seconds)
    return matrix_read_source(data=data, filename=filename, limits=limits, options=options)


def matrix_import(
    *,
    organization: Organization,
    sheet: MatrixSheet,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    replace: bool = False,
) -> ImportSummary:
    """Apply a sheet; with dry_run, compute the same summary and change nothing. With `replace`,
    the touchpoints and stages of the sheet's journeys that it does not list are deleted.

    `progress` hears the number of rows applied so far, journey by journey (the worker's jobs
    show it); what it hears is not committed until the whole import is.
    """
    summary = ImportSummary(rows=len(sheet.rows))
    try:
        with transaction.atomic():
            before = None if dry_run else import_before(organization=organization, sheet=sheet)
            journey_ids = _apply(organization, sheet, summary, progress or (lambda done: None), replace)
            if dry_run:
                raise _DryRun
            import_record(organization=organization, before=before, journey_ids=journey_ids, rows=len(sheet.rows))
            scope = MatrixScope.of("import", journeys=journey_ids, all_functions=True)
            matrix_change_announce(organization_id=organization.id, scope=scope)
    except _DryRun:
        return summary
    return summary


def _apply(
    org: Organization, sheet: MatrixSheet, summary: ImportSummary, progress: Callable[[int], None], replace: bool
) -> set[int]:
    """Write the sheet; returns the ids of the journeys it wrote to or created."""
    functions = _functions_by_key(org, sheet.functions, summary)
    rows_by_journey: dict[str, list[MatrixRow]] = defaultdict(list)
    for row in sheet.rows:
        rows_by_journey[name_key(row.journey)].append(row)

    # An import deletes touchpoints and stages: it waits for a running audit (see locks.py).
    organization_locked(org.pk)
    # NO KEY: an audit recording gaps of these journeys (KEY SHARE) need not wait for the import.
    existing_journeys = {j.name_key: j for j in rows_locked(Journey.objects.filter(organization=org), no_key=True)}
    next_position = max((j.position for j in existing_journeys.values()), default=0) + 1
    wanted_letters: dict[tuple[int, int], set[str]] = {}
    replaced_journeys: set[int] = set()
    described: set[int] = set()  # the touchpoints the file lists
    done = 0
    for key, rows in rows_by_journey.items():
        name = rows[0].journey
        journey = existing_journeys.get(key)
        if journey is None:
            journey = Journey.objects.create(organization=org, name=name, position=next_position)
            next_position += 1
            summary.journeys_created.append(name)
        else:
            summary.journeys_replaced.append(journey.name)
            summary.matched("journey", name, journey.name)
        touchpoints = _replace_structure(org, journey, rows, summary, replace)
        for row in rows:
            touchpoint = touchpoints[name_key(row.touchpoint)]
            described.add(touchpoint.id)
            for function_name, letters in row.cells:
                wanted_letters[(touchpoint.id, functions[name_key(function_name)].id)] = set(letters)
        replaced_journeys.add(journey.id)
        summary.journey_ids.append(journey.id)
        done += len(rows)
        progress(done)
    # Without replace, only the cells the file describes change: its touchpoints, in its columns.
    scope = None if replace else (described, {f.id for f in functions.values()})
    _replace_letters(org, replaced_journeys, wanted_letters, summary, scope)
    return replaced_journeys


def _functions_by_key(org: Organization, names: tuple[str, ...], summary: ImportSummary) -> dict[str, Function]:
    """The file's function columns, matched by the names' normal form, created where missing."""
    existing = {f.name_key: f for f in Function.objects.filter(organization=org)}
    position = max((f.position for f in existing.values()), default=0)
    created = []
    for name in names:
        key = name_key(name)
        if key not in existing:
            position += 1
            function = Function(organization=org, name=name, position=position)
            existing[key] = function
            created.append(function)
            summary.functions_created.append(name)
        else:
            summary.matched("function", name, existing[key].name)
    Function.objects.bulk_create(created)
    return {name_key(name): existing[name_key(name)] for name in names}


def _replace_structure(
    org: Organization, journey: Journey, rows: list[MatrixRow], summary: ImportSummary, replace: bool
) -> dict[str, Touchpoint]:
    """Write the file's stages and touchpoints, in its order (with `replace`, only those); the
    touchpoints by name."""
    stages, stage_order = _replace_stages(org, journey, rows, replace)
    kept = _replace_touchpoints(org, journey, rows, stages, summary, replace)
    if not replace:
        return kept
    stale_stages = [s.pk for key, s in stages.items() if key not in stage_order]
    Stage.objects.filter(pk__in=stale_stages).delete()
    summary.stages_deleted += len(stale_stages)
    return kept


def _replace_stages(
    org: Organization, journey: Journey, rows: list[MatrixRow], replace: bool
) -> tuple[dict[str, Stage], list[str]]:
    """Create or rename and renumber the file's stages (without `replace`, stored stages keep their
    place and new ones follow them); every stage of the journey by name, and the file's in order."""
    stages = {s.name_key: s for s in Stage.objects.filter(journey=journey)}
    stage_order: list[str] = []
    stage_names: dict[str, str] = {}
    for row in rows:
        key = name_key(row.stage)
        if key not in stage_names:
            stage_order.append(key)
            stage_names[key] = row.stage
    after = 0 if replace else max((s.position for s in stages.values()), default=0)
    for position, key in enumerate(stage_order, start=1):
        name = stage_names[key]
        stage = stages.get(key)
        if not replace:
            position = stage.position if stage is not None else after + position
        if stage is None:
            stages[key] = Stage.objects.create(organization=org, journey=journey, name=name, position=position)
        elif stage.position != position or stage.name != name:
            stage.position, stage.name = position, name
            stage.save(update_fields=["position", "name"])
    return stages, stage_order


def _replace_touchpoints(
    org: Organization,
    journey: Journey,
    rows: list[MatrixRow],
    stages: dict[str, Stage],
    summary: ImportSummary,
    replace: bool,
) -> dict[str, Touchpoint]:
    """Create, rewrite (only where a value changed) and, with `replace`, delete the journey's touchpoints."""
    existing = {t.name_key: t for t in Touchpoint.objects.filter(journey=journey)}
    kept: dict[str, Touchpoint] = {}
    to_create, to_update = [], []
    positions: dict[str, int] = defaultdict(int)
    for row in rows:
        stage = stages[name_key(row.stage)]
        positions[stage.name] += 1
        values = {
            "stage": stage,
            "name": row.touchpoint,
            "position": positions[stage.name],
            "channel": row.channel,
            "description": row.description,
            "importance": row.importance,
            "out_of_scope": row.out_of_scope,
        }
        touchpoint = existing.pop(name_key(row.touchpoint), None)
        if touchpoint is None:
            touchpoint = Touchpoint(organization=org, journey=journey, **values)
            to_create.append(touchpoint)
        elif any(getattr(touchpoint, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(touchpoint, key, value)
            if not touchpoint.out_of_scope:
                touchpoint.out_of_scope_reason = ""
            touchpoint.version += 1
            to_update.append(touchpoint)
        kept[name_key(row.touchpoint)] = touchpoint
    Touchpoint.objects.bulk_create(to_create, batch_size=1000)
    Touchpoint.objects.bulk_update(to_update, [*TOUCHPOINT_FIELDS, "version"], batch_size=1000)
    if replace:
        Touchpoint.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
        summary.touchpoints_deleted += len(existing)
    summary.touchpoints_created += len(to_create)
    summary.touchpoints_updated += len(to_update)
    return kept


def _replace_letters(
    org: Organization,
    journey_ids: set[int],
    wanted: dict[tuple[int, int], set[str]],
    summary: ImportSummary,
    scope: tuple[set[int], set[int]] | None,
) -> None:
    """Make the letters in these journeys exactly `wanted`; letters of functions the file
    does not name are removed too. With a `scope` (the cells the file holds, the functions it
    has columns for), only the letters of its touchpoints in its columns change."""
    stale_ids = []
    have: dict[tuple[int, int], set[str]] = defaultdict(set)
    for assignment_id, touchpoint_id, function_id, letter in Assignment.objects.filter(
        organization=org, touchpoint__journey_id__in=journey_ids
    ).values_list("id", "touchpoint_id", "function_id", "letter"):
        cell = (touchpoint_id, function_id)
        if scope is not None and (touchpoint_id not in scope[0] or function_id not in scope[1]):
            continue
        if letter in wanted.get(cell, set()):
            have[cell].add(letter)
        else:
            stale_ids.append(assignment_id)
    to_create = [
        Assignment(organization=org, touchpoint_id=cell[0], function_id=cell[1], letter=letter)
        for cell, letters in wanted.items()
        for letter in sorted(letters - have[cell])
    ]
    for start in range(0, len(stale_ids), 1000):
        Assignment.objects.filter(pk__in=stale_ids[start : start + 1000]).delete()
    Assignment.objects.bulk_create(to_create, batch_size=1000)
    summary.letters_added += len(to_create)
    summary.letters_removed += len(stale_ids)
