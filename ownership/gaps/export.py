"""The gaps list as a spreadsheet: CSV and XLSX of exactly what the gaps page shows, filters included.

One row per gap, in the page's order, in words a reader outside cxowner understands: the rule's
title, the severity's word, the decision, how to fix it. Memory stays bounded whatever the number
of gaps: rows are read from the database in chunks and the CSV is streamed as it is written; the
XLSX is written by openpyxl's write-only workbook into a temporary file that spills to disk.

Text people typed (journey, touchpoint and function names) may start with = + - @: every cell
goes through `escape` (ownership.engine.spreadsheets), so a spreadsheet shows it instead of running it.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ownership.engine.spreadsheets import escape
from ownership.engine.vocabulary import SEVERITY_TEXT, rule_text
from ownership.models import Gap

COLUMNS = (
    "journey",
    "stage",
    "touchpoint",
    "rule",
    "severity",
    "function",
    "status",
    "assignee",
    "due date",
    "how to fix",
)


CHUNK = 2000  # gaps read per database round trip


SPILL_BYTES = 8 * 1024 * 1024  # the XLSX is kept in memory up to this size, then on disk


def gap_rows(gaps: Iterable[Gap]) -> Iterator[list[str]]:
    """Each gap as the export's cells, escaped. `gaps` should select journey, assignee and the
    touchpoint's stage (gaps_for_export does)."""
    for gap in gaps:
        text = rule_text(gap.rule)
        if gap.resolved_at is not None:
            status = f"resolved {gap.resolved_at:%Y-%m-%d}"
        else:
            status = gap.get_workflow_status_display().lower()
        assignee = gap.assignee.get_full_name() or gap.assignee.get_username() if gap.assignee_id else ""
        stage = gap.touchpoint.stage.name if gap.touchpoint_id else ""
        cells = [
            gap.journey.name if gap.journey_id else "",
            stage,
            " → ".join(gap.finding.get("touchpoints") or []),  # a handoff names both
            text.title,
            SEVERITY_TEXT[gap.severity].label,
            ", ".join(gap.finding.get("functions") or []),
            status,
            assignee,
            gap.due_on.isoformat() if gap.due_on else "",
            text.fix,
        ]
        yield [escape(cell) for cell in cells]


def gaps_for_export(queryset) -> Iterator[Gap]:
    """The filtered gaps with what a row needs, read in chunks (one query per chunk)."""
    return (
        queryset.select_related("journey", "assignee", "touchpoint__stage")
        .only(
            "organization",  # reached for by its related rows: deferred, it costs a query per gap
            "journey",
            "assignee",
            "touchpoint",
            "rule",
            "severity",
            "finding",
            "resolved_at",
            "workflow_status",
            "due_on",
            "journey__name",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
            "touchpoint__stage",
            "touchpoint__stage__name",
        )
        .iterator(chunk_size=CHUNK)
    )


class _Line:
    """A file csv.writer writes one line into, returned instead of stored."""

    def write(self, value: str) -> str:
        return value


def gaps_csv(rows: Iterable[list[str]]) -> Iterator[str]:
    """The CSV, a header then a line per row, produced as it is read (UTF-8 with a BOM, so that
    spreadsheets read the arrows and accents right)."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow(row)


def gaps_xlsx(rows: Iterable[list[str]]):
    """The XLSX in a temporary file, rewound, for the response to stream and then close."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Gaps")
    sheet.append(COLUMNS)
    for row in rows:
        # XML cannot carry control characters: a stored text holding one (a description with a
        # bell, a name from before names were cleaned) would otherwise stop the whole download.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row])
    spool = tempfile.SpooledTemporaryFile(max_size=SPILL_BYTES)  # noqa: SIM115 - the response closes it
    workbook.save(spool)
    spool.seek(0)
    return spool
