"""Import and export of the matrix file (docs/matrix-file.md) against the database.

matrixfile.py turns bytes into a MatrixSheet and back; this module turns a sheet into rows of
one organization and back. Importing writes, for each journey named in the file, the file's
stages, touchpoints and letters, in one transaction; touchpoints and stages the file does not
list are kept unless the user asked to replace the journeys (`replace`), which deletes them.
Rows that survive keep their ids, confirmations and roles: a re-import of an unchanged file
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from cxowner.orgs.models import Organization
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from ownership.imports.after import state_after
from ownership.imports.export import EXPORT_FORMATS, XLSX_CONTENT_TYPE, MatrixExport, matrix_export, matrix_sheet
from ownership.imports.history import JourneysState, import_before, import_record
from ownership.imports.matrixfile.sheet import MatrixLimits, MatrixSheet
from ownership.imports.reading import MatrixReading, matrix_read_source
from ownership.imports.tables.layout import Layout, TableOptions
from ownership.imports.writing import ImportPlan, import_locked, import_plan, import_write, matrix_version

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

    `progress` hears the number of rows written so far, batch by batch (the worker's jobs
    show it); what it hears is not committed until the whole import is.
    """
    try:
        with transaction.atomic():
            planned = _planned(organization, sheet, replace, dry_run)
            if dry_run:
                raise _DryRun
            summary, before, plan = planned
            import_write(organization, plan, progress or (lambda done: None))
            summary.journey_ids = [journey.pk for journey in plan.journeys]
            journey_ids = set(summary.journey_ids)
            after = state_after(before, plan)
            import_record(organization=organization, before=before, after=after, rows=len(sheet.rows))
            scope = MatrixScope.of("import", journeys=journey_ids, all_functions=True)
            matrix_change_announce(organization_id=organization.id, scope=scope)
    except _DryRun:
        summary = planned[0]
        summary.journey_ids = [journey.pk for journey in planned[2].journeys if journey.pk is not None]
    return summary


def _planned(
    org: Organization, sheet: MatrixSheet, replace: bool, dry_run: bool
) -> tuple[ImportSummary, JourneysState | None, ImportPlan]:
    """What the import changes, and the journeys as they are before it, planned before its locks
    and again under them if another write came in meanwhile (writing.import_locked). A dry run
    that nothing came in during takes no lock."""
    version = matrix_version(org)
    planned = _plan(org, sheet, replace, dry_run)
    if dry_run and matrix_version(org) == version:
        return planned
    if import_locked(org) != version:
        planned = _plan(org, sheet, replace, dry_run)
    return planned


def _plan(
    org: Organization, sheet: MatrixSheet, replace: bool, dry_run: bool
) -> tuple[ImportSummary, JourneysState | None, ImportPlan]:
    summary = ImportSummary(rows=len(sheet.rows))
    before = None if dry_run else import_before(organization=org, sheet=sheet)
    return summary, before, import_plan(org, sheet, summary, replace)
