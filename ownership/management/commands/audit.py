"""Audit an organization now, record the run, print its findings."""

import json

from django.core.management.base import BaseCommand, CommandError

from cxowner.orgs.models import Organization
from ownership.gaps.audits import audit_organization
from ownership.models import AuditRun


class Command(BaseCommand):
    help = "Run the gap audit of an organization now and print the findings."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the findings as JSON")

    def handle(self, *args, organization, as_json: bool, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization {organization!r}.")
        # full: every rule evaluated now, so the findings can be printed.
        result = audit_organization(organization=org, trigger=AuditRun.Trigger.MANUAL, full=True)
        if as_json:
            self._print_json(org, result)
            return
        run = result.run
        share = "—" if run.coverage is None else f"{run.coverage:.0%}"
        for finding in result.findings:
            self.stdout.write(f"{finding.severity.value:7}  {finding.rule.value:26}  {finding.message}")
        self.stdout.write(
            f"\n{len(result.findings)} gap(s), {run.accepted_risks} of them accepted as risks; coverage "
            f"{share} of {run.in_scope_touchpoints} in-scope touchpoints; {run.opened_count} opened, "
            f"{run.resolved_count} resolved since the last audit."
        )

    def _print_json(self, org, result):
        document = {
            "organization": org.slug,
            "coverage": result.run.coverage,
            # Accepted risks count apart: still findings, but decided on, not waiting for a fix.
            "open_gaps": result.run.open_gaps,
            "accepted_risks": result.run.accepted_risks,
            "findings": [finding.as_dict() for finding in result.findings],
        }
        self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
