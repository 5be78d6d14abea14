"""Build the demo organization: a retailer whose matrix shows every kind of gap.

It goes through the same services as the product (the matrix file import, role and owner
services, the audit), so the demo is what a real customer would build. The demo is built once:
running the command again keeps it as it is, with whatever its users changed since (edits,
history, tokens, passwords), so `make run` can seed on every start. `--reset` deletes it and
builds it again, the same every time, audited on the schedule it had unless `--audit-schedule`
gives another.
"""

from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Membership, Organization
from journeys.models import Journey, Touchpoint
from journeys.services import touchpoint_update
from ownership.automation.schedules import (
    audit_schedule_get,
    audit_schedule_name,
    audit_schedule_set,
    crontab_fields,
    crontab_text,
)
from ownership.editor.services import assignment_confirm, assignment_role_set
from ownership.gaps.audits import audit_organization
from ownership.imports.services import matrix_import_file
from ownership.models import Assignment, AuditRun, Function
from ownership.structure.services import journey_owner_set, role_create

DEMO_SLUG = "demo"
DEMO_MATRIX = Path(__file__).resolve().parents[2] / "demo" / "matrix.csv"
DEMO_USERS = [
    # username, password, role
    ("admin", "cxowner-admin", Membership.Role.ADMIN),
    ("cxlead", "cxowner-cxlead", Membership.Role.EDITOR),
    ("exec", "cxowner-exec", Membership.Role.VIEWER),
]
# What the pages call them (lists, mentions): full names, as people are named in a real organization.
DEMO_NAMES = {"admin": ("Alex", "Morgan"), "cxlead": ("Chris", "Lee"), "exec": ("Eve", "Santos")}
# function, title, holder (empty: vacant)
DEMO_ROLES = [
    ("Top leadership", "CEO", "Margaret Holm"),
    ("Sales", "Head of Sales", "Tom Berger"),
    ("Customer Service", "Head of Customer Service", "Aisha Khan"),
    ("Customer Service", "Journey manager – Service", ""),
    ("Product Development", "Head of Product", "Lena Fischer"),
    ("Marketing", "CMO", "Daniel Ortiz"),
    ("Finance", "CFO", "Rui Costa"),
    ("Finance", "Refunds manager", ""),
    ("HR", "HR Director", "Sofia Rossi"),
    ("IT", "CIO", "Kenji Watanabe"),
    ("CX team", "Chief Experience Officer", "Priya Nair"),
    ("CX team", "Journey manager – Store visit", "Jonas Weber"),
]
DEMO_OWNERS = {
    "Retail store visit": "Journey manager – Store visit",
    "Online acquisition": "CMO",
    "Service": "Journey manager – Service",
    # Loyalty deliberately has no journey manager.
}


class Command(BaseCommand):
    help = "Create the demo organization and the demo users admin, cxlead and exec, unless the demo exists."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo organization and everything in it, then build it anew"
        )
        parser.add_argument(
            "--audit-schedule",
            metavar="CRON",
            help='when to audit the demo it builds, five cron fields in UTC (e.g. "* * * * *"); '
            "a kept demo keeps its schedule, and so does a reset one unless this is given",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        # What the command changes is recorded as made on the command line.
        with change_context(surface="cli"):
            return self.handle_recorded(*args, **options)

    def handle_recorded(self, *args, reset, audit_schedule, **options):
        schedule = self._schedule_fields(audit_schedule)
        existing = Organization.objects.filter(slug=DEMO_SLUG).first()
        if existing is not None and not reset:
            self.stdout.write(
                f"The demo organization “{existing.name}” ({existing.slug}) exists: kept as it is "
                "(make demo-reset, or seed_demo --reset, builds it anew)."
            )
            return
        if existing is not None:
            # A reset keeps the schedule the demo was given (make run's every minute, say):
            # only --audit-schedule changes it.
            if schedule is None:
                schedule = self._kept_schedule(existing)
            existing.delete()
        org = Organization.objects.create(slug=DEMO_SLUG, name="Demo Retail")
        matrix_import_file(
            organization=org, data=DEMO_MATRIX.read_bytes(), filename=DEMO_MATRIX.name, max_bytes=1 << 20
        )
        self._ownership(org)
        self._members(org)
        if schedule is not None:
            try:
                audit_schedule_set(organization=org, **schedule)
            except ValidationError as exc:  # a bad field value: nothing is kept (one transaction)
                raise CommandError("; ".join(exc.messages)) from exc
        run = audit_organization(organization=org, trigger=AuditRun.Trigger.MANUAL).run
        self.stdout.write(
            f"Demo organization “{org.name}” ({org.slug}): {run.in_scope_touchpoints} in-scope touchpoints, "
            f"{sum(run.counts_by_rule.values())} gaps, coverage {run.coverage:.0%}."
        )
        for username, password, role in DEMO_USERS:
            self.stdout.write(f"  log in as {username} / {password} ({role})")

    def _kept_schedule(self, organization: Organization) -> dict | None:
        """The demo's schedule as it stands (with its pause), or None if it never had one."""
        if not PeriodicTask.objects.filter(name=audit_schedule_name(organization_id=organization.pk)).exists():
            return None
        task = audit_schedule_get(organization=organization)
        return {**crontab_fields(crontab_text(task.crontab)), "enabled": task.enabled}

    def _schedule_fields(self, cron: str | None) -> dict[str, str] | None:
        """Five fields, checked before anything changes: a kept demo would never check them."""
        if cron is None:
            return None
        try:
            return crontab_fields(cron)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    def _ownership(self, org: Organization) -> None:
        functions = {f.name: f for f in Function.objects.filter(organization=org)}
        roles = {
            title: role_create(function=functions[function], title=title, holder_name=holder)
            for function, title, holder in DEMO_ROLES
        }
        for journey in Journey.objects.filter(organization=org, name__in=DEMO_OWNERS):
            journey_owner_set(journey=journey, owner=roles[DEMO_OWNERS[journey.name]])
        parking = Touchpoint.objects.get(organization=org, name="Parking lot")
        touchpoint_update(touchpoint=parking, version=None, out_of_scope_reason="Run by the shopping centre's landlord")
        accountable = Assignment.objects.filter(organization=org, letter="A").select_related("touchpoint", "function")
        for assignment in accountable:
            if assignment.touchpoint.name == "Refund":
                assignment_role_set(assignment=assignment, role=roles["Refunds manager"])
            if assignment.touchpoint.name == "Phone hotline":
                # Nobody has looked at the hotline's ownership for over a year.
                assignment_confirm(assignment=assignment, at=timezone.now() - timedelta(days=400))
            else:
                assignment_confirm(assignment=assignment)

    def _members(self, org: Organization) -> None:
        users = get_user_model().objects
        for username, password, role in DEMO_USERS:
            user, _ = users.get_or_create(username=username, defaults={"email": f"{username}@demo.example"})
            user.set_password(password)
            user.first_name, user.last_name = DEMO_NAMES[username]
            user.is_staff = user.is_superuser = role == Membership.Role.ADMIN
            user.save()
            Membership.objects.update_or_create(user=user, organization=org, defaults={"role": role})
