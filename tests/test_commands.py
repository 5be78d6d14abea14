"""The command line: import_matrix, export_matrix, audit, seed_demo."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cxowner.orgs.models import Membership, Organization
from journeys.models import Touchpoint
from ownership.engine.constants import Rule
from ownership.gaps.workflow import gap_accept_risk
from ownership.models import AuditRun, Gap

pytestmark = pytest.mark.django_db


def test_import_matrix_creates_the_organization_when_asked(matrix_file, capsys):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org")
    assert Touchpoint.objects.filter(organization__slug="acme").count() == 2
    assert "2 touchpoints created" in capsys.readouterr().out


def test_import_matrix_refuses_an_unknown_organization_without_create_org(matrix_file):
    with pytest.raises(CommandError, match="--create-org"):
        call_command("import_matrix", "acme", str(matrix_file))
    assert not Organization.objects.exists()


def test_import_matrix_prints_row_errors_and_changes_nothing(text_file, capsys):
    path = text_file("journey,stage,touchpoint,Sales\nJ,S,T,Q\n", "bad.csv")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_matrix", "acme", str(path), "--create-org")
    assert "Row 2, column 'Sales', value 'Q'" in capsys.readouterr().err
    assert not Touchpoint.objects.exists()


def test_import_matrix_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_matrix", "acme", str(tmp_path / "missing.csv"), "--create-org")


def test_export_matrix_writes_the_imported_file_back(matrix_file, tmp_path):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org")
    output = tmp_path / "out.csv"
    call_command("export_matrix", "acme", "--output", str(output))
    assert output.read_text().splitlines()[1:] == [
        "Buy online,Checkout,Basket,,,3,,R/A,",
        "Buy online,Checkout,Payment,,,3,,,A",
    ]


def test_export_matrix_writes_xlsx(matrix_file, tmp_path):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org")
    output = tmp_path / "out.xlsx"
    call_command("export_matrix", "acme", "--format", "xlsx", "--output", str(output))
    assert output.read_bytes().startswith(b"PK\x03\x04")


def test_audit_json_has_the_spec_shape(matrix_file, capsys):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org")
    capsys.readouterr()
    call_command("audit", "acme", "--json")
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"organization", "coverage", "open_gaps", "accepted_risks", "findings"}
    assert document["organization"] == "acme"
    assert document["coverage"] == 0.5  # Basket has A and R; Payment has no R
    assert {tuple(sorted(f)) for f in document["findings"]} == {
        ("functions", "journey", "message", "roles", "rule", "severity", "touchpoints")
    }
    no_responsible = next(f for f in document["findings"] if f["rule"] == "no_responsible")
    assert no_responsible["touchpoints"] == ["Payment"]
    assert no_responsible["journey"] == "Buy online"


def test_audit_json_counts_accepted_risks_apart_from_open_gaps(matrix_file, capsys):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org")
    call_command("audit", "acme")
    gap = Gap.objects.get(organization__slug="acme", rule="no_responsible")
    today = timezone.localdate()
    gap_accept_risk(
        gap=gap, reason="Until the re-org", expires_on=today + timedelta(days=30), version=None, today=today
    )
    capsys.readouterr()

    call_command("audit", "acme", "--json")

    document = json.loads(capsys.readouterr().out)
    assert (document["open_gaps"], document["accepted_risks"]) == (len(document["findings"]) - 1, 1)
    assert AuditRun.objects.filter(organization__slug="acme").latest("id").accepted_risks == 1


def test_audit_records_a_manual_run(matrix_file):
    call_command("import_matrix", "acme", str(matrix_file), "--create-org")
    call_command("audit", "acme")
    assert AuditRun.objects.get(organization__slug="acme").trigger == AuditRun.Trigger.MANUAL


def test_seed_demo_shows_every_rule_at_least_once(capsys):
    call_command("seed_demo")
    capsys.readouterr()
    call_command("audit", "demo", "--json")
    rules = {finding["rule"] for finding in json.loads(capsys.readouterr().out)["findings"]}
    assert rules == {rule.value for rule in Rule}


def test_seed_demo_twice_leaves_one_demo():
    call_command("seed_demo")
    call_command("seed_demo")
    assert Organization.objects.filter(slug="demo").count() == 1
    assert Touchpoint.objects.filter(organization__slug="demo").count() == 24


def test_seed_demo_creates_a_user_for_each_role():
    call_command("seed_demo")
    roles = dict(Membership.objects.filter(organization__slug="demo").values_list("user__username", "role"))
    assert roles == {"admin": "admin", "cxlead": "editor", "exec": "viewer"}
