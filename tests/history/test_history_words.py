"""The history speaks of functions, roles, touchpoints and journeys by name, never by id or table name."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Membership
from cxowner.orgs.services import membership_set_role, token_create
from ownership.automation.schedules import audit_schedule_get, audit_schedule_set
from ownership.editor.services import CellChange, assignment_confirm, cells_set
from ownership.models import Assignment
from ownership.reviews.services import campaign_start
from ownership.structure.changes import function_merge
from ownership.structure.services import role_delete, role_update
from tests.factories import FunctionFactory, JourneyFactory, RoleFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parking(organization):
    journey = JourneyFactory(organization=organization, name="Store visit")
    touchpoint = TouchpointFactory(stage=StageFactory(journey=journey), name="Parking lot")
    service = FunctionFactory(organization=organization, name="Service")
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, service.pk, frozenset("R"), frozenset())])
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, service.pk, frozenset("A"))])
    return {"journey": journey, "touchpoint": touchpoint, "service": service}


def feed(client, organization, **query) -> str:
    """The activity page's text, without its markup (a change's before and after are <del> and <ins>)."""
    html = client.get(reverse("ownership:activity", args=[organization.slug]), query).content.decode()
    return re.sub(r"<[^>]+>", "", html)


def test_a_cell_change_in_the_feed_names_its_cell_letters_and_journey(organization, parking, viewer):
    html = feed(viewer, organization)

    assert "Parking lot × Service: R → A" in html
    assert "· Store visit" in html


def test_the_api_summary_of_a_one_cell_change_names_the_touchpoint_and_function(organization, parking, member):
    client = APIClient()
    client.force_login(member("viewer"))
    url = f"/api/v1/orgs/{organization.slug}/changes/"

    newest = client.get(url).json()["results"][0]

    assert newest["summary"] == "Parking lot × Service: R → A"
    assert client.get(f"{url}{newest['id']}/").json()["summary"] == "Parking lot × Service: R → A"


def test_a_confirmation_reads_as_its_cell_confirmed(organization, parking, viewer):
    assignment_confirm(assignment=Assignment.objects.get(touchpoint=parking["touchpoint"], letter="A"))

    html = feed(viewer, organization, kind="assignment")

    assert "Parking lot × Service: confirmed" in html
    assert "confirmed_at" not in html and "Assignment #" not in html


def test_a_role_moved_by_a_merge_names_the_role_and_both_functions(organization, viewer):
    retail = FunctionFactory(organization=organization, name="Retail")
    service = FunctionFactory(organization=organization, name="Service")
    RoleFactory(function=retail, title="Store manager")

    function_merge(function=retail, target=service, version=None)
    change_set = ChangeSet.objects.get(kind="function.merge")
    html = viewer.get(reverse("ownership:change_set", args=[organization.slug, change_set.pk])).content.decode()

    assert "Role “Store manager”" in html
    assert "<td>Retail (deleted)</td><td>Service</td>" in html
    assert "Role #" not in html


def test_a_deleted_role_is_named_as_its_deletion_recorded_it(organization, viewer):
    role = RoleFactory(function=FunctionFactory(organization=organization), title="Cashier lead")
    role_update(role=role, version=None, holder_name="Sam")
    role_delete(role=role)

    html = feed(viewer, organization, kind="role")

    assert "Role “Cashier lead (deleted)”: holder" in html and "Role “Cashier lead” deleted" in html


def test_a_role_nothing_names_any_more_reads_as_a_deleted_role(organization, viewer):
    function = FunctionFactory(organization=organization, name="Retail")
    ChangeSet.objects.create(organization=organization, surface="system", kind="role.update", summary="x")
    cs = ChangeSet.objects.get(kind="role.update")
    cs.items.create(object_type="role", object_id=999999, field="function_id", before=999998, after=function.pk)

    html = feed(viewer, organization, kind="role")

    assert "A deleted role: function a deleted function → Retail" in html


def test_a_review_campaign_and_the_audit_schedule_read_in_words(organization, viewer):
    today = timezone.localdate()
    touchpoint = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organization=organization)))
    function = FunctionFactory(organization=organization)
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"), frozenset())])
    campaign_start(
        organization=organization, name="Q3 review", ends_on=today + datetime.timedelta(days=14), today=today
    )
    audit_schedule_get(organization=organization)
    audit_schedule_set(organization=organization, minute="0", hour="6", day_of_week="1-5")

    html = feed(viewer, organization)

    assert "Review campaign “Q3 review” created" in html
    assert "Audit schedule: every day at 02:00 → every weekday at 06:00" in html
    assert "Reviewcampaign" not in html and "Auditschedule" not in html


def test_naming_a_page_of_many_kinds_of_change_takes_a_bounded_number_of_queries(
    organization, parking, viewer, django_assert_max_num_queries
):
    for number in range(8):
        role = RoleFactory(function=parking["service"], title=f"Lead {number}")
        role_update(role=role, version=None, holder_name=f"Holder {number}")
        assignment_confirm(assignment=Assignment.objects.get(touchpoint=parking["touchpoint"], letter="A"))
    # session, user, membership; actors; the page of change sets; their items; the names of
    # touchpoints, functions, journeys and roles; the organization list of the header
    with django_assert_max_num_queries(13):
        html = feed(viewer, organization)
    assert html.count("Parking lot × Service: confirmed") == 8 and "Role “Lead 7”: holder" in html


def test_summaries_name_members_letters_and_tokens_in_words(organization, parking, member):
    sam = member("viewer")
    membership_set_role(membership=Membership.objects.get(user=sam), role="editor")
    token_create(organization=organization, name="HR sync", role="viewer")
    assignment_confirm(assignment=Assignment.objects.get(touchpoint=parking["touchpoint"], letter="A"))

    summaries = list(ChangeSet.objects.order_by("id").values_list("summary", flat=True))[-3:]

    assert summaries[0] == f"Member “{sam.username}” updated"
    assert summaries[1].startswith("API token “HR sync")
    assert summaries[2] == "Letter “A of Service on Parking lot” confirmed"
