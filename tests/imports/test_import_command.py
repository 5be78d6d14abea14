"""import_matrix's first-hour traps: a dry run creates nothing, a failure leaves nothing, slugs only."""

import pytest
from django.core.management import CommandError, call_command

from cxowner.orgs.models import Organization
from journeys.models import Journey

pytestmark = pytest.mark.django_db


def test_a_dry_run_with_create_org_creates_nothing(matrix_file, capsys):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org", "--dry-run")
    assert "Dry run, nothing changed" in capsys.readouterr().out
    assert not Organization.objects.exists()
    assert not Journey.objects.exists()


def test_a_failed_import_with_create_org_leaves_no_organization(text_file):
    path = text_file("journey,stage,touchpoint,Sales\nJ,S,T,Q\n", "bad.csv")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_matrix", "acme", str(path), "--create-org")
    assert not Organization.objects.exists()


def test_a_name_that_is_not_a_slug_is_refused_with_the_slug_to_use(matrix_file):
    with pytest.raises(CommandError, match="'my-store'"):
        call_command("import_matrix", "My Store", str(matrix_file), "--create-org")
    assert not Organization.objects.exists()


def test_the_slug_finds_the_same_organization_for_import_and_audit(matrix_file, capsys):
    call_command("import_matrix", "my-store", str(matrix_file), "--create-org", "--name", "My Store")
    call_command("import_matrix", "my-store", str(matrix_file))
    organization = Organization.objects.get()
    assert (organization.slug, organization.name) == ("my-store", "My Store")
    call_command("audit", "my-store")
    assert organization.audit_runs.count() == 1
