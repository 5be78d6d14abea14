"""What an audit locks, and for how long: edits must not wait for an audit that changes nothing.

Every write's live gap update takes the organization's row lock (ownership.gaps.live bumps its
change counter) and holds it until commit. An audit used to take that lock for its whole run, to
compare its from-scratch result with a live state nobody could change meanwhile: under load every
edit waited for whole audits (a full check is 0.15 s at 5k touchpoints, 1.5 s at 50k), which made
the edits' p99 (bench_load, issue 23).

Now, on PostgreSQL, an audit compares on one snapshot instead (REPEATABLE READ): the matrix and
its gaps as the last committed write left them, which the writes keep equal in one transaction.
It takes the organization's row lock only before its first write of matrix state (a repair, an
A aged into stale ownership); if an edit committed since the snapshot PostgreSQL refuses that lock
(a serialization failure: the repair was computed on an older matrix) and the audit runs again the
old way, holding the lock from the start. An audit that finds the live state right, the usual
case, never makes an edit wait.

One audit at a time per organization is kept by a transaction-scoped advisory lock, not by the
organization's row (an edit in flight holds that row for a moment; an audit must not take it for
another audit). SQLite runs one writing transaction at a time (BEGIN IMMEDIATE): neither is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

from cxowner.orgs.locks import organization_locked
from ownership.models import AuditRun

# pg_try_advisory_xact_lock(space, organization id): the first key keeps these apart from any other
# advisory lock.
AUDIT_LOCK_SPACE = 0x617564  # "aud"
SERIALIZATION_FAILURE = "40001"
_WRITES = ("INSERT", "UPDATE", "DELETE")


class AuditLocked(Exception):
    """Another audit of the organization is running."""


class MatrixMoved(Exception):
    """An edit committed after the audit's snapshot, before the audit could write its repairs."""


def audit_exclusive(organization_id: int, *, wait: bool = False) -> None:
    """Take the organization's audit lock until the transaction ends; AuditLocked if another audit
    holds it (unless `wait`). Call it inside a transaction."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if wait:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", [AUDIT_LOCK_SPACE, organization_id]
            )
            return
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s::integer, %s::integer)", [AUDIT_LOCK_SPACE, organization_id]
        )
        if not cursor.fetchone()[0]:
            raise AuditLocked(f"An audit of organization {organization_id} is running.")


def snapshot_possible() -> bool:
    """Whether a new transaction can be a REPEATABLE READ snapshot: PostgreSQL, and not already
    inside a transaction (whose isolation level is set)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


@contextmanager
def on_one_snapshot(organization_id: int) -> Iterator[None]:
    """A transaction reading one snapshot that takes the organization's row lock before its first
    write, other than to the audit run itself; MatrixMoved if an edit committed since the snapshot."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            audit_exclusive(organization_id)
            with _organization_locked_before_writing(organization_id):
                yield
    except OperationalError as exc:
        if getattr(exc.__cause__, "pgcode", None) == SERIALIZATION_FAILURE:
            raise MatrixMoved(str(exc)) from exc
        raise


@contextmanager
def _organization_locked_before_writing(organization_id: int) -> Iterator[None]:
    # The audit's writes go through the services it shares with the live updates (gaps_reconcile,
    # in_scope_count …); watching the statements keeps them unaware of how the audit locks.
    run_table = f'"{AuditRun._meta.db_table}"'
    taken = False

    def lock_first(execute, sql, params, many, context):
        nonlocal taken
        if not taken and sql.lstrip()[:6].upper() in _WRITES and run_table not in sql[:80]:
            taken = True
            organization_locked(organization_id)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lock_first):
        yield
