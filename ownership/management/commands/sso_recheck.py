"""manage.py sso_recheck [ORG]: ask "SSO only" providers now whether they still accept each member."""

from django.core.management.base import BaseCommand, CommandError

from cxowner.orgs.models import Organization
from cxowner.sso.selectors import sso_to_recheck
from ownership.provisioning.revocations import sso_recheck_all


class Command(BaseCommand):
    help = (
        'Ask the identity provider of every "SSO only" organization (or of one) whether it still accepts '
        "each member it signed in; those it refuses leave, their roles vacant. Beat does it every SSO_RECHECK_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", nargs="?", help="only this organization (its slug)")

    def handle(self, *args, organization: str | None, **options):
        if organization is not None:
            if not Organization.objects.filter(slug=organization).exists():
                raise CommandError(f"No organization {organization!r}.")
            if not any(p.organization.slug == organization for p in sso_to_recheck()):
                raise CommandError(f"{organization} has no enabled single sign-on with “SSO only” on.")
        found = sso_recheck_all(surface="cli", organization_slug=organization)
        if not found:
            self.stdout.write("No organization requires single sign-on; nobody to ask about.")
        for slug, recheck in found.items():
            self.stdout.write(f"{slug}: {recheck.summary()}")
