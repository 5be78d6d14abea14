"""manage.py sso_password_login ORG: turn "SSO only" off, when the provider is down and nobody can sign in."""

from django.core.management.base import BaseCommand, CommandError

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Organization
from cxowner.sso.services import sso_only_lift


class Command(BaseCommand):
    help = 'Let an organization\'s members log in with their passwords again (turns "SSO only" off).'

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug (its address: /o/<slug>/).")

    def handle(self, *args, organization: str, **options):
        found = Organization.objects.filter(slug=organization).first()
        if found is None:
            raise CommandError(f"No organization {organization!r}.")
        with change_context(surface="cli"):
            lifted = sso_only_lift(organization=found)
        if lifted is None:
            self.stdout.write(f"{found.name} did not require single sign-on; nothing changed.")
        else:
            self.stdout.write(
                f"{found.name}: members may log in with their passwords again ({lifted.name} still works)."
            )
