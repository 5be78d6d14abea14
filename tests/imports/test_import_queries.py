"""An import reads and writes in a number of queries that does not grow with its rows or journeys.

The live gap update the import announces writes its gaps in batches of its own (ownership.gaps,
pinned by its tests): its queries are left out of the import's count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ownership.imports.services import matrix_import, matrix_read
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def sheet(rows: int, *, letters: str = "A,R", stage: str = "Stage"):
    """`rows` rows in rows // 10 journeys, three stages each."""
    lines = ["journey,stage,touchpoint,Sales,Support"]
    lines += [f"Journey {n // 10},{stage} {n % 3},Touchpoint {n},{letters}" for n in range(rows)]
    data = ("\n".join(lines) + "\n").encode()
    return matrix_read(data=data, filename="matrix.csv", max_bytes=len(data)).sheet


def own(captured) -> int:
    return sum(1 for query in captured.captured_queries if '"ownership_gap' not in query["sql"])


def queries_of(rows: int, *, again: dict | None = None) -> int:
    organization = OrganizationFactory()
    matrix_import(organization=organization, sheet=sheet(rows))
    changed = sheet(rows, **again) if again else None
    with CaptureQueriesContext(connection) as captured:
        matrix_import(organization=organization, sheet=changed or sheet(rows, letters="C,I"))
    return own(captured)


def test_a_first_import_of_500_rows_takes_no_more_queries_than_one_of_50():
    counts = []
    for rows in (50, 500):
        with CaptureQueriesContext(connection) as captured:
            matrix_import(organization=OrganizationFactory(), sheet=sheet(rows))
        counts.append(own(captured))
    assert counts[1] <= counts[0]


def test_a_reimport_that_changes_every_letter_takes_no_more_queries_for_500_rows_than_for_50():
    assert queries_of(500) <= queries_of(50)


def test_a_reimport_that_moves_every_touchpoint_to_new_stages_takes_no_query_per_row():
    # The stages are new: each touchpoint is rewritten, its stage compared without reading it
    # (the old stages are kept: deletes go in Django's batches of 100).
    again = {"stage": "Phase", "letters": "A,"}
    assert queries_of(500, again=again) <= queries_of(50, again=again)


def test_a_dry_run_of_500_rows_takes_no_more_queries_than_one_of_50(django_assert_max_num_queries):
    organization = OrganizationFactory()
    with CaptureQueriesContext(connection) as small:
        matrix_import(organization=organization, sheet=sheet(50), dry_run=True)
    with django_assert_max_num_queries(len(small)):
        matrix_import(organization=organization, sheet=sheet(500), dry_run=True)


def test_the_live_gaps_after_a_batched_import_and_a_replacing_reimport_are_what_an_audit_finds(monkeypatch):
    from ownership.gaps.audits import audit_organization
    from ownership.imports import writing

    monkeypatch.setattr(writing, "ROWS_PER_WRITE", 7)  # several batches, cut inside journeys
    organization = OrganizationFactory()
    matrix_import(organization=organization, sheet=sheet(60, letters="A,A"))
    assert audit_organization(organization=organization, trigger="manual").run.repaired == 0
    matrix_import(organization=organization, sheet=sheet(40, stage="Phase", letters="R,"), replace=True)
    assert audit_organization(organization=organization, trigger="manual").run.repaired == 0
