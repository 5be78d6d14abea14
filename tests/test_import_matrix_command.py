"""import_matrix --create-org: an organization appears only with a successful, real import."""

import pytest
from django.core.management import CommandError, call_command

from cxowner.orgs.models import Organization
from journeys.models import Touchpoint

pytestmark = pytest.mark.django_db

MATRIX = "journey,stage,touchpoint,Sales\nBuy online,Checkout,Basket,A/R\n"


@pytest.fixture
def matrix_file(tmp_path):
    path = tmp_path / "matrix.csv"
    path.write_text(MATRIX)
    return path


def test_a_dry_run_with_create_org_creates_nothing(matrix_file, capsys):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org", "--dry-run")
    assert "Dry run, nothing changed: 1 rows" in capsys.readouterr().out
    assert not Organization.objects.exists()


def test_a_failed_import_with_create_org_leaves_no_organization(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("journey,stage,touchpoint,Sales\nBuy online,Checkout,Basket,Q\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_matrix", "acme", str(bad), "--create-org")
    assert not Organization.objects.exists()


def test_create_org_refuses_a_name_that_is_not_a_slug_and_suggests_one(matrix_file):
    with pytest.raises(CommandError, match="'My Store' is not a slug.*try 'my-store'"):
        call_command("import_matrix", "My Store", str(matrix_file), "--create-org")
    assert not Organization.objects.exists()


def test_create_org_refuses_an_over_long_slug(matrix_file):
    with pytest.raises(CommandError, match="at most 60 characters"):
        call_command("import_matrix", "a" * 61, str(matrix_file), "--create-org")
    assert not Organization.objects.exists()


def test_importing_twice_into_a_created_organization_finds_it_again(matrix_file):
    call_command("import_matrix", "my-store", str(matrix_file), "--create-org")
    call_command("import_matrix", "my-store", str(matrix_file), "--create-org")
    call_command("audit", "my-store")
    assert Organization.objects.get().slug == "my-store"
    assert Touchpoint.objects.filter(organization__slug="my-store").count() == 1
