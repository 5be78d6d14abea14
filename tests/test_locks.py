"""Row locks: each takes exactly its rows, in one order, and a lock wait never ends in a 500.

The concurrency test drives four writers through the matrix API while an audit loop holds the
organization's row lock again and again: before the locks took only their own rows, this mix
deadlocked (`relation "orgs_organization"`) and lost edits.
"""

import json
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cxowner.middleware import LockConflictMiddleware
from cxowner.orgs.locks import LOCK_CONFLICT_MESSAGE, is_lock_conflict, rows_locked
from journeys.models import Touchpoint
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.models import Assignment
from tests.row_locks import rows_held_elsewhere

from .factories import (
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    StageFactory,
    TouchpointFactory,
)

WRITERS = 4
RUN_SECONDS = 4.0
MAX_REQUESTS_PER_WRITER = 150
MIN_REQUESTS_PER_WRITER = 6


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real row locks")


class PgError(Exception):
    def __init__(self, pgcode: str):
        super().__init__(pgcode)
        self.pgcode = pgcode


def lock_error(pgcode: str) -> OperationalError:
    error = OperationalError("canceling statement due to lock timeout")
    error.__cause__ = PgError(pgcode)
    return error


def test_lock_timeouts_and_deadlocks_are_conflicts_other_errors_are_not():
    assert is_lock_conflict(lock_error("55P03"))
    assert is_lock_conflict(lock_error("40P01"))
    assert not is_lock_conflict(lock_error("53300"))
    assert not is_lock_conflict(ValueError("no"))


def test_a_lock_conflict_on_a_page_answers_409_with_a_message():
    middleware = LockConflictMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().post("/o/acme/journeys/1/"), lock_error("55P03"))
    assert response.status_code == 409
    assert response["Retry-After"]
    assert LOCK_CONFLICT_MESSAGE in response.content.decode()


def test_a_lock_conflict_in_the_api_answers_json_409():
    middleware = LockConflictMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().post("/api/v1/orgs/acme/"), lock_error("40P01"))
    assert response.status_code == 409
    assert json.loads(response.content) == {"detail": LOCK_CONFLICT_MESSAGE}


def test_other_errors_are_left_to_the_error_pages():
    middleware = LockConflictMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("bug")) is None


@pytest.mark.django_db
def test_a_touchpoint_lock_joins_no_other_table():
    # Touchpoint's default ordering goes through stage: without order_by the lock would join it.
    sql = str(rows_locked(Touchpoint.objects.filter(pk__in=[1, 2])).values("pk").query)
    assert "JOIN" not in sql.upper()


@pytest.fixture
def pg_journey(organization):
    """A journey of `organization` on PostgreSQL, where row locks are real (skipped elsewhere)."""
    needs_postgresql()
    return JourneyFactory(organization=organization)


@contextmanager
def lock_timeout(timeout: str):
    """This connection waits at most `timeout` for a lock within the block."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{timeout}'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_cell_write_row_locks_its_touchpoints_of_self_only(organization, pg_journey):
    touchpoint = TouchpointFactory(stage=StageFactory(journey=pg_journey))
    function = FunctionFactory(organization=organization)
    with CaptureQueriesContext(connection) as queries:
        cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"))])
    locks = [q["sql"] for q in queries.captured_queries if "FOR NO KEY UPDATE" in q["sql"]]
    assert locks
    assert all('FOR NO KEY UPDATE OF "journeys_touchpoint"' in sql and "JOIN" not in sql for sql in locks)
    # Its journey and function are serialised by advisory locks, not their rows (ownership.gaps.live).
    assert any("pg_advisory_xact_lock(k.space, k.id)" in q["sql"] for q in queries.captured_queries)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_that_waits_past_the_lock_timeout_answers_409(organization, pg_journey, api_as):
    touchpoint = TouchpointFactory(stage=StageFactory(journey=pg_journey))
    function = FunctionFactory(organization=organization)
    client = api_as("editor")
    cell = {"touchpoint": touchpoint.pk, "function": function.pk, "letters": "A", "expected": ""}

    with rows_held_elsewhere(rows_locked(Touchpoint.objects.filter(pk=touchpoint.pk))), lock_timeout("200ms"):
        response = client.patch(f"/api/v1/orgs/{organization.slug}/journeys/{pg_journey.pk}/matrix/", {"cells": [cell]})

    assert response.status_code == 409
    assert response.json()["detail"] == LOCK_CONFLICT_MESSAGE
    assert not Assignment.objects.filter(touchpoint=touchpoint).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_and_a_tight_audit_loop_never_deadlock_or_lose_an_edit(organization, pg_journey):
    journey = pg_journey
    stages = [StageFactory(journey=journey, position=n) for n in (1, 2)]
    touchpoints = [TouchpointFactory(stage=stages[n % 2], position=n) for n in range(6)]
    functions = [FunctionFactory(organization=organization, position=n) for n in range(WRITERS)]
    users = [MembershipFactory(organization=organization, role="editor").user for _ in range(WRITERS + 1)]
    race = _Race(organization, journey, touchpoints, functions, users)
    race.run()

    assert not race.errors
    assert race.statuses
    assert set(race.statuses) <= {200, 409, 412}, sorted(set(race.statuses))
    assert race.statuses.count(409) > 0  # the stale writer was refused, not silently applied
    for touchpoint in touchpoints:
        touchpoint.refresh_from_db()
        assert touchpoint.version == 1 + race.accepted_per_touchpoint[touchpoint.pk]
    stored = {(t, f): "".join(x for x in "RACI" if x in letters) for (t, f), letters in _cells(organization).items()}
    assert {cell: letters for cell, letters in race.final_letters.items() if letters} == stored


class _Race:
    """WRITERS writers and one auditor on one journey until RUN_SECONDS have passed; what each
    request answered, for the test to check."""

    def __init__(self, organization, journey, touchpoints, functions, users) -> None:
        self.organization = organization
        self.path = f"/api/v1/orgs/{organization.slug}/journeys/{journey.pk}/matrix/"
        self.touchpoints, self.functions, self.users = touchpoints, functions, users
        self.deadline = time.monotonic() + RUN_SECONDS
        self.statuses: list[int] = []
        self.accepted_per_touchpoint = {t.pk: 0 for t in touchpoints}
        self.final_letters: dict[tuple[int, int], str] = {}
        self.record = threading.Lock()
        self.errors: list[BaseException] = []

    def run(self) -> None:
        threads = [threading.Thread(target=self.writer, args=(n,)) for n in range(WRITERS)]
        threads.append(threading.Thread(target=self.auditor))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(RUN_SECONDS + 60)

    def writer(self, number: int) -> None:
        client = APIClient()
        client.force_login(self.users[number])
        function = self.functions[number]
        held = {t.pk: "" for t in self.touchpoints}
        try:
            for request in range(MAX_REQUESTS_PER_WRITER):
                # At least one stale request, however slow the machine: then the time bound.
                if time.monotonic() > self.deadline and request >= MIN_REQUESTS_PER_WRITER:
                    break
                cells = self._cells(number, request, function, held)
                response = client.patch(self.path, {"cells": cells}, format="json")
                with self.record:
                    self.statuses.append(response.status_code)
                    if response.status_code == 200:
                        for cell in cells:
                            held[cell["touchpoint"]] = cell["letters"]
                            self.accepted_per_touchpoint[cell["touchpoint"]] += 1
            with self.record:
                self.final_letters.update({(t, function.pk): letters for t, letters in held.items()})
        except BaseException as exc:  # reported by the test: a thread's assertion would be lost
            self.errors.append(exc)
        finally:
            connection.close()

    def _cells(self, number: int, request: int, function, held: dict[int, str]) -> list[dict]:
        # Three touchpoints per request, in a different order each time: lock order must not
        # depend on the order of the request. The last writer sends a stale request every fifth.
        chosen = [self.touchpoints[(request + number + k * 2) % len(self.touchpoints)] for k in range(3)][::-1]
        stale = number == WRITERS - 1 and request % 5 == 4
        return [
            {
                "touchpoint": t.pk,
                "function": function.pk,
                "letters": "RACI"[(request + k) % 4],
                "expected": "I" if stale and held[t.pk] != "I" else held[t.pk],
            }
            for k, t in enumerate(chosen)
        ]

    def auditor(self) -> None:
        client = APIClient()
        client.force_login(self.users[WRITERS])
        try:
            for run in range(400):
                if time.monotonic() > self.deadline:
                    break
                if run % 2:
                    audit_organization(organization=self.organization, trigger="manual")
                else:
                    response = client.post(f"/api/v1/orgs/{self.organization.slug}/audits/")
                    with self.record:
                        self.statuses.append(200 if response.status_code == 202 else response.status_code)
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            connection.close()


def _cells(organization) -> dict[tuple[int, int], set[str]]:
    cells: dict[tuple[int, int], set[str]] = {}
    for t, f, letter in Assignment.objects.filter(organization=organization).values_list(
        "touchpoint_id", "function_id", "letter"
    ):
        cells.setdefault((t, f), set()).add(letter)
    return cells
