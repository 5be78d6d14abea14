"""Names are unique as people read them, on every surface, and never too long for the database.

"Onboarding" and "ONBOARDING" are one journey; "Customer Service" and "customer-service" one
function (and one column of the matrix file). Each surface (API, browser, import) refuses a
second spelling with a clear error, and an over-long name with a 400, never a DataError.
"""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cxowner.orgs.names import name_key, names_deduplicated
from journeys.models import Journey, Touchpoint
from ownership.imports.matrixfile import read_matrix
from ownership.imports.matrixfile.sheet import MatrixFileInvalid
from ownership.imports.services import matrix_export, matrix_import_file
from ownership.models import Assignment, Function

from .factories import AssignmentFactory, FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory

LONG = "x" * 201


@pytest.fixture
def api(api_as):
    return api_as("admin")


@pytest.fixture
def journey(organization):
    return JourneyFactory(organization=organization, name="ONBOARDING")


@pytest.fixture
def stage(journey):
    return StageFactory(journey=journey, name="Sign up")


def import_csv(organization, text: str, dry_run: bool = False):
    return matrix_import_file(
        organization=organization, data=text.encode(), filename="m.csv", max_bytes=10**6, dry_run=dry_run
    )


# -- the normal form ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Onboarding", "ONBOARDING"),
        ("Customer Service", "customer-service"),
        ("customer_service", " Customer   SERVICE "),
        ("Straße", "STRASSE"),
        ("ﬁnance", "finance"),  # a ligature reads as its letters
    ],
)
def test_names_people_read_as_one_share_a_key(one, other):
    assert name_key(one) == name_key(other)


def test_names_people_read_as_different_keep_different_keys():
    assert name_key("Sales EMEA") != name_key("Sales")
    assert name_key("Café") != name_key("Cafe")


def test_duplicates_found_by_the_migration_are_renamed_never_dropped():
    rows = [SimpleNamespace(id=n, name=name, scope=1, name_key="") for n, name in enumerate(["Cashier", "cashier"])]
    rows.append(SimpleNamespace(id=3, name="CASHIER", scope=2, name_key=""))
    renamed = names_deduplicated(rows, lambda row: row.scope)
    assert [row.name for row in rows] == ["Cashier", "cashier (2)", "CASHIER"]
    assert renamed == [rows[1]]
    assert len({(row.scope, row.name_key) for row in rows}) == 3


# -- API ---------------------------------------------------------------------------------------


def test_api_refuses_a_journey_spelled_like_another(api, journey):
    response = api.post(f"{api.base}/journeys/", {"name": "Onboarding"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["name"][0]
    assert Journey.objects.filter(organization=journey.organization).count() == 1


def test_api_refuses_a_stage_spelled_like_another_in_its_journey(api, stage):
    response = api.post(f"{api.base}/stages/", {"journey": stage.journey_id, "name": "sign-up"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["name"][0]


def test_api_refuses_a_touchpoint_spelled_like_another_in_its_journey(api, stage):
    TouchpointFactory(stage=stage, name="Cashier")
    response = api.post(f"{api.base}/touchpoints/", {"stage": stage.pk, "name": " cashier "}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["name"][0]


def test_api_refuses_a_function_that_would_be_the_same_matrix_column(api, organization):
    FunctionFactory(organization=organization, name="Customer Service")
    response = api.post(f"{api.base}/functions/", {"name": "customer-service"}, format="json")
    assert response.status_code == 400
    assert "Customer Service" in response.json()["name"][0]


def test_api_refuses_renaming_into_another_name(api, organization):
    FunctionFactory(organization=organization, name="Sales")
    finance = FunctionFactory(organization=organization, name="Finance")
    response = api.patch(f"{api.base}/functions/{finance.pk}/", {"name": "SALES", "version": 1}, format="json")
    assert response.status_code == 400
    finance.refresh_from_db()
    assert finance.name == "Finance"


def test_renaming_in_another_case_keeps_the_row(api, journey):
    response = api.patch(f"{api.base}/journeys/{journey.pk}/", {"name": "Onboarding", "version": 1}, format="json")
    assert response.status_code == 200
    journey.refresh_from_db()
    assert (journey.name, journey.name_key) == ("Onboarding", "onboarding")


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("journeys", {"name": LONG}),
        ("functions", {"name": LONG}),
    ],
)
def test_api_refuses_over_long_names_with_400(api, resource, body):
    response = api.post(f"{api.base}/{resource}/", body, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_api_refuses_an_over_long_touchpoint_name_and_channel(api, stage):
    response = api.post(
        f"{api.base}/touchpoints/", {"stage": stage.pk, "name": LONG, "channel": "c" * 101}, format="json"
    )
    assert response.status_code == 400
    assert {"name", "channel"} <= set(response.json())


def test_api_refuses_a_name_of_only_separators(api):
    response = api.post(f"{api.base}/journeys/", {"name": " - _ "}, format="json")
    assert response.status_code == 400


# -- browser -----------------------------------------------------------------------------------


def test_browser_refuses_a_journey_spelled_like_another(editor, organization, journey):
    response = editor.post(reverse("journeys:create", args=[organization.slug]), {"name": "onboarding"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Journey.objects.filter(organization=organization).count() == 1


def test_browser_refuses_a_function_that_would_be_the_same_matrix_column(editor, organization, client_as):
    FunctionFactory(organization=organization, name="Customer Service")
    admin = client_as("admin")
    response = admin.post(reverse("ownership:function_add", args=[organization.slug]), {"name": "customer_service"})
    assert "Customer Service" in response.content.decode()
    assert Function.objects.filter(organization=organization).count() == 1


def test_browser_refuses_an_over_long_journey_name(editor, organization):
    response = editor.post(reverse("journeys:create", args=[organization.slug]), {"name": LONG})
    assert response.status_code == 400
    assert not Journey.objects.filter(organization=organization).exists()


# -- import and export -------------------------------------------------------------------------


def test_importing_another_spelling_replaces_the_stored_journey_and_says_so(organization, stage):
    TouchpointFactory(stage=stage, name="Welcome mail")
    summary = import_csv(organization, "journey,stage,touchpoint\nOnboarding,Sign up,Form\n")
    assert summary.journeys_replaced == ["ONBOARDING"]
    assert summary.journeys_created == []
    assert summary.names_matched == [
        "“Onboarding” in the file is the journey “ONBOARDING” (names are compared ignoring case and spaces)."
    ]
    assert "“Onboarding” in the file is the journey “ONBOARDING”" in str(summary)
    assert list(Journey.objects.filter(organization=organization).values_list("name", flat=True)) == ["ONBOARDING"]


def test_import_preview_in_the_browser_names_the_matched_journey(editor, organization, journey):
    upload = SimpleUploadedFile("m.csv", b"journey,stage,touchpoint\nOnboarding,Sign up,Form\n")
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload})
    assert "is the journey “ONBOARDING”" in response.content.decode()


def test_import_through_the_api_names_the_matched_journey(api, organization, journey):
    upload = SimpleUploadedFile("m.csv", b"journey,stage,touchpoint\nOnboarding,Sign up,Form\n")
    response = api.post(f"{api.base}/import/", {"file": upload, "dry_run": True}, format="multipart")
    assert response.status_code == 200
    assert "is the journey “ONBOARDING”" in response.json()["names_matched"][0]


def test_importing_a_function_column_spelled_differently_uses_the_stored_function(organization, stage):
    service = FunctionFactory(organization=organization, name="Customer Service")
    import_csv(organization, "journey,stage,touchpoint,customer-service\nONBOARDING,Sign up,Form,A\n")
    assert Function.objects.filter(organization=organization).count() == 1
    assert Assignment.objects.get(organization=organization).function == service


def test_import_refuses_case_variant_touchpoints_in_one_journey(organization):
    with pytest.raises(MatrixFileInvalid) as caught:
        import_csv(organization, "journey,stage,touchpoint\nShop,Pay,Cashier\nShop,Pay,cashier\n")
    assert "duplicate touchpoint" in str(caught.value)
    assert not Journey.objects.filter(organization=organization).exists()


@pytest.mark.parametrize(
    ("header", "row", "column"),
    [
        ("journey,stage,touchpoint", f"{LONG},S,T", "journey"),
        ("journey,stage,touchpoint", f"J,{LONG},T", "stage"),
        ("journey,stage,touchpoint", f"J,S,{LONG}", "touchpoint"),
        ("journey,stage,touchpoint,channel", f"J,S,T,{'c' * 101}", "channel"),
        (f"journey,stage,touchpoint,{LONG}", "J,S,T,A", None),
    ],
)
def test_import_refuses_over_long_values_as_row_errors(organization, header, row, column):
    with pytest.raises(MatrixFileInvalid) as caught:
        import_csv(organization, f"{header}\n{row}\n", dry_run=True)
    assert caught.value.errors[0].column in (column, None)
    assert not Journey.objects.filter(organization=organization).exists()


def test_a_journey_s_own_export_imports_again(organization, stage):
    sales = FunctionFactory(organization=organization, name="Sales & Service")
    touchpoint = TouchpointFactory(stage=stage, name="Cashier")
    TouchpointFactory(stage=stage, name="=1+1")
    AssignmentFactory(touchpoint=touchpoint, function=sales, letter="A")
    export = matrix_export(organization=organization, fmt="csv", journey=stage.journey)
    summary = import_csv(organization, b"".join(export.chunks).decode())
    assert summary.touchpoints_created == summary.touchpoints_deleted == 0
    assert Touchpoint.objects.filter(journey=stage.journey).count() == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_of_stored_names_succeeds(organization, stage, fmt):
    for name in ["Customer Service", "out of scope (team)", "'=cmd", "Ünïcode ✓"]:
        FunctionFactory(organization=organization, name=name)
    export = matrix_export(organization=organization, fmt=fmt)
    assert b"".join(export.chunks)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_succeeds_even_for_names_stored_before_the_checks(organization, stage, fmt):
    touchpoint = TouchpointFactory(stage=stage, name="Cashier")
    for name in ["-", "Journey", "Sales"]:
        function = FunctionFactory(organization=organization, name="placeholder")
        Function.objects.filter(pk=function.pk).update(name=name, name_key=f"legacy {function.pk}")
        AssignmentFactory(touchpoint=touchpoint, function=function, letter="R")
    data = b"".join(matrix_export(organization=organization, fmt=fmt).chunks)
    sheet = read_matrix(data, filename=f"m.{fmt}")
    assert len(sheet.functions) == 3
    assert sheet.functions[2] == "Sales"
