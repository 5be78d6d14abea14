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

from django.db import OperationalError
from django.db.models import QuerySet

# PostgreSQL error codes: lock_not_available (lock_timeout, NOWAIT) and deadlock_detected.
LOCK_NOT_AVAILABLE = "55P03"
DEADLOCK_DETECTED = "40P01"
LOCK_CONFLICT_MESSAGE = "Someone else is changing the same rows right now; nothing was changed. Try again in a moment."


def rows_locked(queryset: QuerySet, *, no_key: bool = False, nowait: bool = False) -> QuerySet:
    """`queryset` locking only its own rows, in id order (SQLite: no row locks, unchanged)."""
    return queryset.select_for_update(of=("self",), no_key=no_key, nowait=nowait).order_by("pk")


def organization_locked(organization_id: int) -> None:
    """Take the organization's row lock first, as a write that deletes matrix rows must.

    An audit holds this lock while it writes gaps, and a gap row's foreign keys make PostgreSQL
    take KEY SHARE locks on the journey, touchpoint and function it names. A delete (FOR UPDATE
    on those rows) that did not wait for the audit first could hold a row the audit needs while
    waiting for the organization's row in its own live gap update: a deadlock. Edits that only
    change columns lock with `no_key=True` instead, which KEY SHARE does not wait for.
    """
    from cxowner.orgs.models import Organization

    list(rows_locked(Organization.objects.filter(pk=organization_id), no_key=True).values_list("pk", flat=True))


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether a database error is a lock wait that timed out or a deadlock: retryable, not a bug."""
    if not isinstance(exc, OperationalError):
        return False
    return getattr(exc.__cause__, "pgcode", None) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED)
