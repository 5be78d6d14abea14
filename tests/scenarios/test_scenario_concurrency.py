"""An apply racing an edit of a cell it writes: one wins, the other is refused, nothing is lost.

PostgreSQL only (real row locks): the apply holds the organization's row and the touchpoints it
writes until it commits, so an edit either lands first (and the apply names it) or waits and is
refused as stale.
"""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, transaction

from cxowner.orgs.errors import StaleCells
from cxowner.orgs.models import Organization
from ownership.editor.services import CellChange, cells_set
from ownership.engine.rules import evaluate
from ownership.engine.whatif import SetCells
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Function, Scenario
from ownership.scenarios import services
from ownership.scenarios.conflicts import ScenarioStale
from ownership.scenarios.services import scenario_apply, scenario_create
from tests.scenario_fixtures import acme_build
from tests.test_locks import needs_postgresql

from .test_scenarios import fid, merge, open_fingerprints, tid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 10  # seconds any step may wait for another thread before the test fails


def letters(organization, touchpoint, function) -> str:
    cells = {(a.touchpoint_id, a.function_id, a.letter) for a in snapshot_load(organization=organization).assignments}
    t, f = tid(organization, touchpoint), fid(organization, function)
    return "".join(x for x in "RACI" if (t, f, x) in cells)


class Outcome:
    """What a thread's call returned or raised."""

    def __init__(self, call):
        self.call, self.result, self.error = call, None, None
        self.done = threading.Event()

    def __call__(self):
        try:
            self.result = self.call()
        except Exception as error:  # the test reads it
            self.error = error
        finally:
            connection.close()
            self.done.set()


def test_an_edit_that_commits_first_makes_the_apply_name_it():
    needs_postgresql()
    acme = acme_build()
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    edited, release = threading.Event(), threading.Event()

    def edit():
        with transaction.atomic():
            cells_set(organization=acme, changes=[CellChange(tid(acme, "Ad"), fid(acme, "Sales"), frozenset("AC"))])
            edited.set()
            release.wait(WAIT)

    editor, applier = Outcome(edit), Outcome(lambda: scenario_apply(scenario=scenario))
    threading.Thread(target=editor).start()
    assert edited.wait(WAIT)
    threading.Thread(target=applier).start()
    time.sleep(0.3)
    assert not applier.done.is_set()  # it waits for the edit to commit
    release.set()
    assert editor.done.wait(WAIT) and applier.done.wait(WAIT)
    assert editor.error is None
    assert isinstance(applier.error, ScenarioStale)
    assert "the cell Buy › Ad × Sales was changed" in str(applier.error)
    assert letters(acme, "Ad", "Sales") == "AC"
    assert Scenario.objects.get(pk=scenario.pk).status == Scenario.Status.DRAFT
    assert Function.objects.filter(organization=acme, name="Marketing").exists()


def test_an_edit_during_the_apply_waits_and_is_refused_as_stale():
    needs_postgresql()
    acme = acme_build()
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    writing, release = threading.Event(), threading.Event()
    write = services._difference_write

    def write_then_hold(*args, **kwargs):
        write(*args, **kwargs)
        writing.set()
        release.wait(WAIT)

    def apply():
        with mock.patch.object(services, "_difference_write", write_then_hold):
            return scenario_apply(scenario=scenario)

    def edit():  # what the editor saw before the apply: Sales holds A on Ad
        change = CellChange(tid(acme, "Ad"), fid(acme, "Sales"), frozenset("AC"), expected=frozenset("A"))
        return cells_set(organization=acme, changes=[change])

    applier, editor = Outcome(apply), Outcome(edit)
    threading.Thread(target=applier).start()
    assert writing.wait(WAIT)
    threading.Thread(target=editor).start()
    time.sleep(0.3)
    assert not editor.done.is_set()  # it waits for the apply's rows
    release.set()
    assert applier.done.wait(WAIT) and editor.done.wait(WAIT)
    assert applier.error is None
    assert isinstance(editor.error, StaleCells)
    assert letters(acme, "Ad", "Sales") == "RA"  # the merge's, not lost, not overwritten
    assert Scenario.objects.get(pk=scenario.pk).status == Scenario.Status.APPLIED
    organization = Organization.objects.get(pk=acme.pk)
    assert open_fingerprints(organization) == {
        f.fingerprint for f in evaluate(snapshot_load(organization=organization))
    }


def test_scenarios_apply_during_continuous_edits_elsewhere():
    """Issue 18, item 8, as seen: edits elsewhere never stopped, and 0 of 40 applies succeeded."""
    needs_postgresql()
    acme = acme_build()
    stop, edits, errors = threading.Event(), [], []

    def edit_elsewhere():  # Hotline × IT, which none of the scenarios below touches
        try:
            for n in range(10_000):
                if stop.is_set():
                    break
                cells_set(
                    organization=acme,
                    changes=[CellChange(tid(acme, "Hotline"), fid(acme, "IT"), frozenset("CI"[n % 2]))],
                )
                edits.append(n)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    editor = threading.Thread(target=edit_elsewhere)
    editor.start()
    try:
        for n, wanted in enumerate(("R", "C", "RC", "I", "")):
            scenario = scenario_create(
                organization=acme, name=f"Ad {n}", operations=[SetCells(((tid(acme, "Ad"), fid(acme, "IT"), wanted),))]
            )
            seen, deadline = len(edits), time.monotonic() + WAIT
            while len(edits) < seen + 2:  # the organization's matrix moves on between draw and apply
                assert not errors and time.monotonic() < deadline, errors
                time.sleep(0.01)
            scenario_apply(scenario=scenario)
            assert letters(acme, "Ad", "IT") == wanted
    finally:
        stop.set()
        editor.join(WAIT)
    assert not errors
    assert Scenario.objects.filter(organization=acme, status=Scenario.Status.APPLIED).count() == 5
