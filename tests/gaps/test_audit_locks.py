"""What an audit makes edits wait for (ownership.gaps.audit_locks): nothing, when it repairs
nothing; its repairs are written holding the organization's row, on the matrix as it is."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import F

from cxowner.orgs.models import Organization
from ownership.gaps import audit_locks, tasks
from ownership.gaps.audits import audit_run_create, audit_run_execute
from ownership.models import AuditRun, Gap
from tests.factories import OrganizationFactory, StageFactory, TouchpointFactory
from tests.row_locks import rows_held_elsewhere

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def unowned_organization() -> Organization:
    """One unassigned touchpoint, written around the services: its gap is for an audit to open."""
    organization = OrganizationFactory()
    TouchpointFactory(stage=StageFactory(journey__organization=organization))
    return organization


def audited(organization: Organization) -> Organization:
    with transaction.atomic():
        audit_run_execute(run=audit_run_create(organization=organization, trigger="manual"))
    return organization


def an_edit_in_flight(organization: Organization):
    """The organization's row as an edit's live gap update holds it until its commit."""
    return Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk)


def test_an_audit_that_repairs_nothing_does_not_wait_for_an_edit_in_flight():
    organization = audited(unowned_organization())
    run = audit_run_create(organization=organization, trigger="manual")

    with rows_held_elsewhere(an_edit_in_flight(organization)):
        done = tasks._audit_run_locked(run)  # waiting would end in the 5 s lock timeout's error

    assert done.status == AuditRun.Status.DONE


def test_an_audit_repairs_the_live_state_holding_the_organization():
    organization = unowned_organization()
    run = audit_run_create(organization=organization, trigger="manual")
    seen_held = []
    real_lock = audit_locks.organization_locked

    def lock_then_look(organization_id):
        real_lock(organization_id)
        seen_held.append(organization_id)

    with mock.patch.object(audit_locks, "organization_locked", side_effect=lock_then_look):
        done = tasks._audit_run_locked(run)

    assert seen_held == [organization.pk]
    assert done.status == AuditRun.Status.DONE
    assert Gap.objects.filter(organization=organization, resolved_at__isnull=True).count() == done.open_gaps > 0


def test_an_edit_committed_after_the_snapshot_sends_the_repairs_to_the_locking_path(caplog):
    organization = unowned_organization()
    run = audit_run_create(organization=organization, trigger="manual")
    real_lock = audit_locks.organization_locked

    def edit_commits_first(organization_id):
        def edit():
            Organization.objects.filter(pk=organization_id).update(matrix_version=F("matrix_version") + 1)
            connection.close()

        other = threading.Thread(target=edit)
        other.start()
        other.join(10)
        real_lock(organization_id)  # the snapshot is older than that commit: refused

    with mock.patch.object(audit_locks, "organization_locked", side_effect=edit_commits_first) as snapshot_lock:
        done = tasks._audit_run_locked(run)

    assert snapshot_lock.call_count == 1
    assert "the matrix changed before its repairs" in caplog.text
    assert done.status == AuditRun.Status.DONE
    assert Gap.objects.filter(organization=organization, resolved_at__isnull=True).count() == done.open_gaps > 0
