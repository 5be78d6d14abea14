"""Show or change when an organization is audited (in words or as cron fields, UTC)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Organization
from ownership.automation.schedules import audit_schedule_get, audit_schedule_set, crontab_fields, crontab_text
from ownership.engine.schedule_words import cron_in_words


class Command(BaseCommand):
    help = (
        'Show the audit schedule of an organization, or set it: audit_schedule ORG "every weekday at 06:00" '
        'or audit_schedule ORG "0 6 * * 1-5".'
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument(
            "cron",
            nargs="?",
            help='"every day|every weekday|every week on DAY|every month on day N at HH:MM", or five cron fields '
            '(UTC), e.g. "0 2 * * *" (nightly at 02:00)',
        )
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
        cron = crontab_text(schedule.crontab)
        words = cron_in_words(cron)
        shown = f"“{words}” (UTC, cron “{cron}”)" if words != cron else f"“{cron}” (UTC)"
        self.stdout.write(f"{org.slug}: audited {shown}, {state}.")
