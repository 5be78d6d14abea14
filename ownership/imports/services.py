"""Import and export of the matrix file (docs/matrix-file.md) against the database.

matrixfile.py turns bytes into a MatrixSheet and back; this module turns a sheet into rows of
one organization and back. Importing replaces, for each journey named in the file, its stages,
touchpoints and letters with the file's, in one transaction. Rows that survive keep their ids,
confirmations and roles: a re-import of an unchanged file changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.names import name_key
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from journeys.models import Journey, Stage, Touchpoint
from ownership.imports.history import TOUCHPOINT_FIELDS, import_before, import_record
from ownership.imports.matrixfile.sheet import STANDARD_COLUMNS, MatrixLimits, MatrixRow, MatrixSheet
from ownership.imports.matrixfile.writer import function_header_key, iter_matrix_csv, write_matrix_xlsx
from ownership.imports.reading import MatrixReading, matrix_read_source
from ownership.imports.tables.layout import Layout, TableOptions
from ownership.models import Assignment, Function


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
    summary = matrix_import(organization=organization, sheet=reading.sheet, dry_run=dry_run, progress=progress)
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
) -> ImportSummary:
    """Apply a sheet; with dry_run, compute the same summary and change nothing.

    `progress` hears the number of rows applied so far, journey by journey (the worker's jobs
    show it); what it hears is not committed until the whole import is.
    """
    summary = ImportSummary(rows=len(sheet.rows))
    try:
        with transaction.atomic():
            before = None if dry_run else import_before(organization=organization, sheet=sheet)
            journey_ids = _apply(organization, sheet, summary, progress or (lambda done: None))
            if dry_run:
                raise _DryRun
            import_record(organization=organization, before=before, journey_ids=journey_ids, rows=len(sheet.rows))
            scope = MatrixScope.of("import", journeys=journey_ids, all_functions=True)
            matrix_change_announce(organization_id=organization.id, scope=scope)
    except _DryRun:
        return summary
    return summary


def _apply(org: Organization, sheet: MatrixSheet, summary: ImportSummary, progress: Callable[[int], None]) -> set[int]:
    """Write the sheet; returns the ids of the journeys it replaced or created."""
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
        touchpoints = _replace_structure(org, journey, rows, summary)
        for row in rows:
            touchpoint = touchpoints[name_key(row.touchpoint)]
            for function_name, letters in row.cells:
                wanted_letters[(touchpoint.id, functions[name_key(function_name)].id)] = set(letters)
        replaced_journeys.add(journey.id)
        summary.journey_ids.append(journey.id)
        done += len(rows)
        progress(done)
    _replace_letters(org, replaced_journeys, wanted_letters, summary)
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
    org: Organization, journey: Journey, rows: list[MatrixRow], summary: ImportSummary
) -> dict[str, Touchpoint]:
    """Make the journey's stages and touchpoints the file's, in its order; the touchpoints by name."""
    stages, stage_order = _replace_stages(org, journey, rows)
    kept = _replace_touchpoints(org, journey, rows, stages, summary)
    stale_stages = [s.pk for key, s in stages.items() if key not in stage_order]
    Stage.objects.filter(pk__in=stale_stages).delete()
    summary.stages_deleted += len(stale_stages)
    return kept


def _replace_stages(org: Organization, journey: Journey, rows: list[MatrixRow]) -> tuple[dict[str, Stage], list[str]]:
    """Create or rename and renumber the file's stages; every stage of the journey by name, and
    the file's in its order (the others are to go)."""
    stages = {s.name_key: s for s in Stage.objects.filter(journey=journey)}
    stage_order: list[str] = []
    stage_names: dict[str, str] = {}
    for row in rows:
        key = name_key(row.stage)
        if key not in stage_names:
            stage_order.append(key)
            stage_names[key] = row.stage
    for position, key in enumerate(stage_order, start=1):
        name = stage_names[key]
        stage = stages.get(key)
        if stage is None:
            stages[key] = Stage.objects.create(organization=org, journey=journey, name=name, position=position)
        elif stage.position != position or stage.name != name:
            stage.position, stage.name = position, name
            stage.save(update_fields=["position", "name"])
    return stages, stage_order


def _replace_touchpoints(
    org: Organization, journey: Journey, rows: list[MatrixRow], stages: dict[str, Stage], summary: ImportSummary
) -> dict[str, Touchpoint]:
    """Create, rewrite (only where a value changed) and delete the journey's touchpoints."""
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
    Touchpoint.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
    summary.touchpoints_created += len(to_create)
    summary.touchpoints_updated += len(to_update)
    summary.touchpoints_deleted += len(existing)
    return kept


def _replace_letters(
    org: Organization, journey_ids: set[int], wanted: dict[tuple[int, int], set[str]], summary: ImportSummary
) -> None:
    """Make the letters in these journeys exactly `wanted`; letters of functions the file
    does not name are removed too."""
    stale_ids = []
    have: dict[tuple[int, int], set[str]] = defaultdict(set)
    for assignment_id, touchpoint_id, function_id, letter in Assignment.objects.filter(
        organization=org, touchpoint__journey_id__in=journey_ids
    ).values_list("id", "touchpoint_id", "function_id", "letter"):
        cell = (touchpoint_id, function_id)
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


def _export_headers(functions) -> list[tuple[int, str]]:
    """(id, header) per function: its name, unless the name would not read back as its own column.

    Names are unique by the same normal form and never a standard column, so this only matters
    for rows stored before those checks (a function called "-"): export must still succeed.
    """
    seen = set(STANDARD_COLUMNS)
    headers = []
    for function_id, name in functions:
        header = name
        if not function_header_key(header) or function_header_key(header) in seen:
            header = f"{name} (function {function_id})".strip()
        seen.add(function_header_key(header))
        headers.append((function_id, header))
    return headers


def matrix_sheet(*, organization: Organization, journey: Journey | None = None) -> MatrixSheet:
    """The organization's matrix (or one journey's) as a sheet, in journey order."""
    functions = _export_headers(Function.objects.filter(organization=organization).values_list("id", "name"))
    touchpoints = Touchpoint.objects.filter(organization=organization).order_by(
        "journey__position", "journey_id", "stage__position", "stage_id", "position", "id"
    )
    if journey is not None:
        touchpoints = touchpoints.filter(journey=journey)
    letters: dict[tuple[int, int], set[str]] = defaultdict(set)
    assignments = Assignment.objects.filter(organization=organization)
    if journey is not None:
        assignments = assignments.filter(touchpoint__journey=journey)
    for touchpoint_id, function_id, letter in assignments.values_list("touchpoint_id", "function_id", "letter"):
        letters[(touchpoint_id, function_id)].add(letter)
    rows = tuple(
        MatrixRow(
            row_number=index,
            journey=journey_name,
            stage=stage_name,
            touchpoint=name,
            channel=channel,
            description=description,
            importance=importance,
            out_of_scope=out_of_scope,
            cells=tuple(
                (function_name, frozenset(letters[(touchpoint_id, function_id)]))
                for function_id, function_name in functions
                if letters.get((touchpoint_id, function_id))
            ),
        )
        for index, (
            touchpoint_id,
            journey_name,
            stage_name,
            name,
            channel,
            description,
            importance,
            out_of_scope,
        ) in enumerate(
            touchpoints.values_list(
                "id", "journey__name", "stage__name", "name", "channel", "description", "importance", "out_of_scope"
            ),
            start=2,
        )
    )
    return MatrixSheet(functions=tuple(name for _, name in functions), rows=rows)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


EXPORT_FORMATS: dict[str, tuple[str, Callable[[MatrixSheet], Iterator[bytes]]]] = {
    "csv": ("text/csv; charset=utf-8", iter_matrix_csv),
    # A workbook is a zip: it is whole or nothing, one chunk.
    "xlsx": (XLSX_CONTENT_TYPE, lambda sheet: iter([write_matrix_xlsx(sheet)])),
}


@dataclass(frozen=True)
class MatrixExport:
    filename: str
    content_type: str
    chunks: Iterator[bytes]


def matrix_export(*, organization: Organization, fmt: str, journey: Journey | None = None) -> MatrixExport:
    """The matrix file in `fmt` (csv or xlsx), ready to stream: the browser's and the API's download."""
    content_type, write = EXPORT_FORMATS[fmt]
    sheet = matrix_sheet(organization=organization, journey=journey)
    return MatrixExport(filename=f"{organization.slug}-matrix.{fmt}", content_type=content_type, chunks=write(sheet))
