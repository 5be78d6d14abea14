"""Show or change when an organization is audited (cron fields, UTC)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Organization
from ownership.automation.schedules import audit_schedule_get, audit_schedule_set, crontab_fields, crontab_text


class Command(BaseCommand):
    help = 'Show the audit schedule of an organization, or set it: audit_schedule ORG "0 2 * * *".'

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("cron", nargs="?", help='five cron fields in UTC, e.g. "0 2 * * *" (nightly at 02:00)')
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--pause", action="store_true", help="stop scheduled audits")
        state.add_argument("--resume", action="store_true", help="start scheduled audits again")

    def handle(self, *args, organization, cron, pause, resume, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization {organization!r}.")
        schedule = audit_schedule_get(organization=org)
        if cron or pause or resume:
            try:
                fields = crontab_fields(cron) if cron else crontab_fields(crontab_text(schedule.crontab))
                # Recorded in the organization's history as a command-line change.
                with change_context(surface="cli"):
                    schedule = audit_schedule_set(
                        organization=org, **fields, enabled=(not pause) and (resume or schedule.enabled)
                    )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        state = "active" if schedule.enabled else "paused"
        self.stdout.write(f"{org.slug}: audited at “{crontab_text(schedule.crontab)}” (UTC), {state}.")
