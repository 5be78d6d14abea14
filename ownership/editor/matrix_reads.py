"""The reads of the matrix endpoint (GET /api/v1/orgs/{org}/journeys/{id}/matrix/), as plain rows.

A 500-touchpoint journey is some 500 rows, 1,500 cells and 350 gaps: read as model instances
and regrouped in sets, building them cost more than the queries. Each part is one set-based
query of tuples, turned into the answer's dicts once; the cells come sorted from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, groupby

from cxowner.orgs.versions import version_fingerprint
from journeys.models import Journey, Stage, Touchpoint
from ownership.gaps.selectors import journey_open_gaps
from ownership.models import Assignment, Function

# A cell's letters are read in alphabetical order and written in RACI order: every combination
# of the four letters, from the one to the other (a lookup, not a sort per cell).
_RACI = {
    "".join(sorted(combination)): "".join(combination)
    for size in range(1, 5)
    for combination in combinations("RACI", size)
}

_TOUCHPOINT_COLUMNS = ("id", "stage_id", "name", "position", "importance", "out_of_scope", "version")


def matrix_version(touchpoint_versions: list[tuple[int, int]], function_ids: list[int]) -> int:
    """The matrix's version: every cell write bumps its touchpoint's version, so this moves with it."""
    text = ";".join(f"{t}:{v}" for t, v in sorted(touchpoint_versions)) + "|" + ",".join(map(str, sorted(function_ids)))
    return version_fingerprint(text)


@dataclass(frozen=True)
class MatrixRows:
    """The rows and columns of a journey's matrix, and the version they make."""

    touchpoints: list[tuple]
    functions: list[tuple[int, str]]
    version: int


def matrix_rows(*, journey: Journey) -> MatrixRows:
    """Two queries: enough to answer a conditional GET (304) without reading the cells."""
    touchpoints = list(
        Touchpoint.objects.filter(journey=journey)
        .order_by("stage__position", "stage_id", "position", "id")
        .values_list(*_TOUCHPOINT_COLUMNS)
    )
    functions = list(
        Function.objects.filter(organization_id=journey.organization_id)
        .order_by("position", "id")
        .values_list("id", "name")
    )
    version = matrix_version([(t[0], t[6]) for t in touchpoints], [f[0] for f in functions])
    return MatrixRows(touchpoints, functions, version)


def matrix_answer(*, journey: Journey, rows: MatrixRows, coverage: float | None) -> dict:
    """The whole answer: rows and columns, stages, the non-empty cells and the open gaps."""
    stages = Stage.objects.filter(journey=journey).order_by("position", "id").values("id", "name", "position")
    return {
        "journey": journey.pk,
        "version": rows.version,
        "stages": list(stages),
        # `stage_id` was always written next to `stage` (not in the schema): kept for clients that read it.
        "touchpoints": [{**dict(zip(_TOUCHPOINT_COLUMNS, t, strict=True)), "stage": t[1]} for t in rows.touchpoints],
        "functions": [{"id": id_, "name": name} for id_, name in rows.functions],
        "cells": matrix_cells(journey=journey),
        "coverage": coverage,
        "gaps": open_gap_findings(journey=journey),
    }


def matrix_cells(*, journey: Journey) -> list[dict]:
    """The journey's non-empty cells, by touchpoint then function.

    No organization filter on the letters: the journey is the caller's (the view found it in the
    organization), and a letter's touchpoint is in the letter's organization (a foreign key on
    both). Without it the unique (touchpoint, function, letter) index answers alone.
    """
    letters = (
        Assignment.objects.filter(touchpoint__journey=journey)
        .order_by("touchpoint_id", "function_id", "letter")
        .values_list("touchpoint_id", "function_id", "letter")
    )
    return [
        {"touchpoint": touchpoint_id, "function": function_id, "letters": _RACI["".join(row[2] for row in held)]}
        for (touchpoint_id, function_id), held in groupby(letters, key=lambda row: (row[0], row[1]))
    ]


def open_gap_findings(*, journey: Journey) -> list[dict]:
    """The journey's live gaps, kept current by every write: the API shows what the pages show."""
    rows = journey_open_gaps(journey=journey).values_list("finding", "score", "fingerprint")
    return [{**finding, "score": score, "fingerprint": fingerprint} for finding, score, fingerprint in rows]
