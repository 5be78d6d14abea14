"""An import plans before it takes the organization's locks, so other writers wait only while it
writes; a write that comes in between the plan and the locks makes it plan again, under them."""

import pytest

from journeys.models import Touchpoint
from journeys.services import touchpoint_delete
from ownership.imports import services, writing
from ownership.imports.services import matrix_import, matrix_read
from ownership.models import Assignment
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def sheet(letters: str):
    data = f"journey,stage,touchpoint,Sales\nStore visit,Buy,Cashier,{letters}\n".encode()
    return matrix_read(data=data, filename="matrix.csv", max_bytes=len(data)).sheet


@pytest.fixture
def steps(monkeypatch):
    """What the import does, in order: "plan" for each plan made, "lock" for the locks taken."""
    taken: list[str] = []
    real_plan, real_lock = services.import_plan, writing.organization_locked

    def planning(*args, **kwargs):
        taken.append("plan")
        return real_plan(*args, **kwargs)

    def locking(organization_id):
        taken.append("lock")
        return real_lock(organization_id)

    monkeypatch.setattr(services, "import_plan", planning)
    monkeypatch.setattr(writing, "organization_locked", locking)
    return taken


def test_an_import_takes_the_organizations_locks_after_its_plan(steps):
    matrix_import(organization=OrganizationFactory(), sheet=sheet("A"))
    assert steps == ["plan", "lock"]


def test_a_dry_run_that_nothing_came_in_during_takes_no_lock(steps):
    matrix_import(organization=OrganizationFactory(), sheet=sheet("A"), dry_run=True)
    assert steps == ["plan"]


def test_a_write_between_the_plan_and_the_locks_makes_the_import_plan_again(monkeypatch, steps):
    organization = OrganizationFactory()
    matrix_import(organization=organization, sheet=sheet("A"))
    steps.clear()
    cashier = Touchpoint.objects.get(organization=organization, name="Cashier")
    real_plan = services.import_plan

    def planned_then_deleted(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        if steps == ["plan"]:  # another editor deletes the touchpoint the plan updates
            touchpoint_delete(touchpoint=Touchpoint.objects.get(pk=cashier.pk))
        return plan

    monkeypatch.setattr(services, "import_plan", planned_then_deleted)
    summary = matrix_import(organization=organization, sheet=sheet("R"))
    assert steps == ["plan", "lock", "plan"]
    assert summary.touchpoints_created == 1
    letters = Assignment.objects.filter(organization=organization).values_list("touchpoint__name", "letter")
    assert list(letters) == [("Cashier", "R")]
