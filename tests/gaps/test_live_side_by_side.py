"""Cell writes refresh their live gaps side by side (ownership.gaps.live, PostgreSQL): each one
waits only for the writes whose refresh reads what it changes (its journey's handoffs, the R and
A of its functions) and for writers of thresholds, roles or structure; the live gaps still equal
a fresh audit once they have all committed.
"""

import random
import threading
import time
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from cxowner.orgs.locks import is_lock_conflict
from cxowner.orgs.models import Organization
from cxowner.orgs.services import organization_settings_update
from journeys.models import Touchpoint
from ownership.editor.services import CellChange, cells_set
from ownership.engine.rules import evaluate
from ownership.gaps import live
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Function
from tests.scenario_fixtures import acme_build
from tests.scenarios.test_scenarios import fid, open_fingerprints, tid
from tests.test_locks import needs_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 10  # seconds any step may wait for another thread before the test fails
LETTERINGS = ["", "A", "R", "AR", "C"]
STILL_WAITING = 0.3  # seconds after which a write that did not wait would have finished


class Outcome:
    """A call run in a thread of its own, with a connection of its own."""

    def __init__(self, call):
        self.call, self.error = call, None
        self.done = threading.Event()
        threading.Thread(target=self).start()

    def __call__(self):
        try:
            self.call()
        except Exception as error:  # the test reads it
            self.error = error
        finally:
            connection.close()
            self.done.set()


@contextmanager
def first_refresh_paused():
    """The first cell write to reach its live gap refresh stops there, holding its locks, until the
    block ends; yields the event set once it has stopped."""
    reached, release, claimed = threading.Event(), threading.Event(), threading.Lock()
    refreshed = live._refreshed

    def paused(*args, **kwargs):
        if claimed.acquire(blocking=False):
            reached.set()
            release.wait(WAIT)
        return refreshed(*args, **kwargs)

    with mock.patch.object(live, "_refreshed", paused):
        try:
            yield reached
        finally:
            release.set()


def cell_write(organization, touchpoint: str, function: str, letters: str):
    change = CellChange(tid(organization, touchpoint), fid(organization, function), frozenset(letters))
    return lambda: cells_set(organization=organization, changes=[change])


def live_equals_a_fresh_audit(organization) -> bool:
    organization = Organization.objects.get(pk=organization.pk)
    return open_fingerprints(organization) == {
        f.fingerprint for f in evaluate(snapshot_load(organization=organization))
    }


def waits_for_the_paused_write(acme, second) -> bool:
    """Whether `second` waits while the first cell write is paused in its refresh."""
    with first_refresh_paused() as reached:
        first = Outcome(cell_write(acme, "Ad", "Sales", "C"))  # Buy; Sales loses an A
        assert reached.wait(WAIT)
        other = Outcome(second)
        waited = not other.done.wait(STILL_WAITING)
    assert first.done.wait(WAIT) and other.done.wait(WAIT)
    assert first.error is None and other.error is None, (first.error, other.error)
    return waited


def test_cell_writes_in_other_journeys_and_functions_do_not_wait_for_a_refresh():
    needs_postgresql()
    acme = acme_build()
    assert not waits_for_the_paused_write(acme, cell_write(acme, "Hotline", "IT", "CI"))  # Get help; no R or A
    assert live_equals_a_fresh_audit(acme)


def test_a_cell_write_in_the_same_journey_waits_for_its_handoffs():
    needs_postgresql()
    acme = acme_build()
    assert waits_for_the_paused_write(acme, cell_write(acme, "Landing page", "Marketing", ""))
    assert live_equals_a_fresh_audit(acme)


def test_a_cell_write_moving_the_same_functions_a_waits_for_its_count():
    needs_postgresql()
    acme = acme_build()
    assert waits_for_the_paused_write(acme, cell_write(acme, "Invoice question", "Sales", "R"))  # Get help
    assert live_equals_a_fresh_audit(acme)


def test_a_cell_write_moving_only_a_c_of_the_same_function_does_not_wait():
    needs_postgresql()
    acme = acme_build()
    assert not waits_for_the_paused_write(acme, cell_write(acme, "Invoice question", "Sales", "ARC"))  # Get help
    assert live_equals_a_fresh_audit(acme)


def test_a_threshold_change_waits_for_a_cell_write_refreshing():
    needs_postgresql()
    acme = acme_build()

    def thresholds_changed():
        organization_settings_update(organization=acme, version=None, bottleneck_share=Decimal("0.3"))

    assert waits_for_the_paused_write(acme, thresholds_changed)
    assert live_equals_a_fresh_audit(acme)


def test_concurrent_cell_writes_leave_the_live_gaps_equal_to_a_fresh_audit():
    needs_postgresql()
    acme = acme_build()
    touchpoints = list(Touchpoint.objects.filter(organization=acme).values_list("pk", flat=True))
    functions = list(Function.objects.filter(organization=acme).values_list("pk", flat=True))
    errors = []

    def writer(seed: int):
        rng = random.Random(seed)
        for _ in range(25):
            changes = [
                CellChange(
                    rng.choice(touchpoints), rng.choice(functions), frozenset(rng.choice(["", "A", "R", "AR", "C"]))
                )
                for _ in range(rng.choice([1, 1, 2]))
            ]
            try:
                cells_set(organization=acme, changes=list({c[:2]: c for c in changes}.values()))
            except Exception as error:
                if not is_lock_conflict(error):  # a deadlock broken by PostgreSQL is a 409, retried by people
                    errors.append(error)

    writers = [Outcome(lambda seed=seed: writer(seed)) for seed in range(4)]
    deadline = time.monotonic() + 60
    assert all(w.done.wait(max(0.0, deadline - time.monotonic())) for w in writers)
    assert not errors and not any(w.error for w in writers), errors
    assert live_equals_a_fresh_audit(acme)
