"""Row locks, taken the same way everywhere so that no two transactions can wait on each other.

Order: organization → journey → touchpoint → assignment. A transaction that needs locks on
several of these takes them in that order, and within one table in ascending id order.
`rows_locked` locks exactly the rows of its own table (`FOR UPDATE OF self`, no joins from a
model's default ordering): `Touchpoint.objects.select_for_update()` with the model's ordering
joined the journey and the organization and locked their rows too, which deadlocked against an
audit holding the organization's row.

On PostgreSQL every connection waits at most DATABASE_LOCK_TIMEOUT_MS for a lock (settings);
a wait beyond that, or a deadlock PostgreSQL breaks, raises an OperationalError that the API and
the pages answer with 409, Retry-After and a message (see `is_lock_conflict`): the transaction
was rolled back, nothing was half-saved.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from django.db import OperationalError, connection
from django.db.models import QuerySet

# PostgreSQL error codes: lock_not_available (lock_timeout, NOWAIT) and deadlock_detected.
LOCK_NOT_AVAILABLE = "55P03"
DEADLOCK_DETECTED = "40P01"
LOCK_CONFLICT_MESSAGE = "Someone else is changing the same rows right now; nothing was changed. Try again in a moment."


def rows_locked(queryset: QuerySet, *, no_key: bool = False, nowait: bool = False) -> QuerySet:
    """`queryset` locking only its own rows, in id order (SQLite: no row locks, unchanged)."""
    return queryset.select_for_update(of=("self",), no_key=no_key, nowait=nowait).order_by("pk")


# pg_advisory_xact_lock[_shared](space, organization id): the first key keeps these apart from any
# other advisory lock (the audits' is "aud").
ORGANIZATION_LOCK_SPACE = 0x6F7267  # "org"


def organization_exclusive(organization_id: int) -> None:
    """Wait until no cell write of the organization is computing its live gaps, and keep new ones
    waiting until this transaction ends (PostgreSQL; SQLite writes one transaction at a time).

    Cell writes (`organization_shared`) run side by side: each one's live gap update reads only
    its touchpoints, their journeys' neighbours and the functions whose R or A it moved, which it
    locks, and takes the organization's row only to bump the change counter just before commit.
    A write whose live gap update reads more than that (thresholds, roles, structure, a repair of
    the whole state) takes this lock instead, before anything else, so that no cell write
    computes on a state it is changing; `organization_locked` takes it.
    """
    _advisory(organization_id, "pg_advisory_xact_lock")


def organization_shared(organization_id: int) -> None:
    """Compute a cell write's live gaps beside the others, not beside an exclusive writer."""
    _advisory(organization_id, "pg_advisory_xact_lock_shared")


# Cell writes' refreshes of one journey, or of one function's R and A, one at a time. Advisory,
# not the rows' locks: a journey or function edited beside them waits for the organization's
# exclusive lock while holding its row, which a refresh holding the shared lock would then wait for.
JOURNEY_REFRESH_SPACE = 0x6A7266  # "jrf"
FUNCTION_REFRESH_SPACE = 0x667266  # "frf"


def refresh_exclusive(*, journeys: QuerySet, functions: Iterable[int]) -> None:
    """Take the refresh locks of these journeys (ids from a query) and functions in one statement,
    always in the same (space, id) order (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    journey_sql, journey_params = journeys.distinct().query.sql_with_params()
    sql = (
        "SELECT pg_advisory_xact_lock(k.space, k.id) FROM ("
        f"SELECT %s::integer AS space, j.id::integer AS id FROM ({journey_sql}) AS j(id) "
        "UNION SELECT %s::integer, f::integer FROM unnest(%s::integer[]) AS f ORDER BY 1, 2) AS k"
    )
    params = [JOURNEY_REFRESH_SPACE, *journey_params, FUNCTION_REFRESH_SPACE, sorted(functions)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _advisory(organization_id: int, function: str) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s::integer, %s::integer)", [ORGANIZATION_LOCK_SPACE, organization_id])


def organization_locked(organization_id: int) -> None:
    """Take the organization's exclusive lock and row lock first, as a write that deletes matrix
    rows, or changes what every touchpoint is judged by, must.

    The exclusive lock comes before the row: a cell write holding the shared lock takes the row
    last, to bump the change counter, and must never wait for a writer that waits for it.

    An audit holds this lock while it writes gaps, and a gap row's foreign keys make PostgreSQL
    take KEY SHARE locks on the journey, touchpoint and function it names. A delete (FOR UPDATE
    on those rows) that did not wait for the audit first could hold a row the audit needs while
    waiting for the organization's row in its own live gap update: a deadlock. Edits that only
    change columns lock with `no_key=True` instead, which KEY SHARE does not wait for.
    """
    from cxowner.orgs.models import Organization

    began = time.perf_counter()
    organization_exclusive(organization_id)
    list(rows_locked(Organization.objects.filter(pk=organization_id), no_key=True).values_list("pk", flat=True))
    organization_hold_noted(began)


# Opt-in (bench_load sets it for its server and worker): a folder where each process appends, per
# transaction that took an organization's row, how long it waited for it and held it until commit.
HOLD_LOG_ENV = "CXOWNER_ORG_LOCK_LOG"
# Outermost wins: a scenario apply writes its cells through cells_write, and is named for itself.
HOLDERS = {
    "cells_write": "cell edit",
    "scenario_apply": "scenario apply",
    "matrix_import": "import",
    "_audit_run_locked": "audit",
    "audit_organization": "audit",
}


def organization_hold_noted(waiting_since: float) -> None:
    """Note that this transaction now holds its organization's row (opt-in, see HOLD_LOG_ENV).

    Call it right after the statement that took the lock, with perf_counter() from before it."""
    folder = os.environ.get(HOLD_LOG_ENV)
    if not folder or not connection.in_atomic_block:
        return
    if any(getattr(entry[1], "organization_hold", False) for entry in connection.run_on_commit):
        return  # taken earlier in this transaction: the first take counts
    held_since = time.perf_counter()
    holder = _holder()

    def released() -> None:
        ended = time.perf_counter()
        line = f"{holder}\t{(held_since - waiting_since) * 1000:.2f}\t{(ended - held_since) * 1000:.2f}\n"
        with (Path(folder) / f"{os.getpid()}.tsv").open("a") as log:
            log.write(line)

    released.organization_hold = True
    connection.on_commit(released)


def _holder() -> str:
    frame, named = sys._getframe(2), None
    while frame is not None:
        named = HOLDERS.get(frame.f_code.co_name, named)
        frame = frame.f_back
    return named or sys._getframe(3).f_code.co_name


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether a database error is a lock wait that timed out or a deadlock: retryable, not a bug."""
    if not isinstance(exc, OperationalError):
        return False
    return getattr(exc.__cause__, "pgcode", None) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED)
