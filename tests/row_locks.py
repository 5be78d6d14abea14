"""Rows held locked by another connection, for the tests of what a lock wait does (PostgreSQL)."""

import threading
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import QuerySet


@contextmanager
def rows_held_elsewhere(locking: QuerySet):
    """Within the block, the rows `locking` locks are held by another transaction (a thread with a
    connection of its own), as by a concurrent request; released when the block ends."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(locking)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        holder.join(10)
