"""Import a RACI matrix file (CSV or XLSX) into an organization."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Organization
from ownership.imports import matrix_import_file
from ownership.matrixfile import MatrixFileInvalid


class Command(BaseCommand):
    help = "Import a CSV/XLSX matrix file; nothing changes if any row is wrong."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug (as in its URL: my-store)")
        parser.add_argument("file", type=Path)
        parser.add_argument("--create-org", action="store_true", help="create the organization if missing")
        parser.add_argument("--name", help="with --create-org: the new organization's display name")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")

    def handle(self, *args, **options):
        # What the command changes is recorded as made on the command line.
        with change_context(surface="cli"):
            return self.handle_recorded(*args, **options)

    def handle_recorded(self, *args, organization, file, create_org, name, dry_run, **options):
        slug = slugify(organization)
        if not slug or slug != organization:
            # Every command and URL names an organization by its slug; guessing one here would
            # create an organization the next command cannot find by the same words.
            hint = f"; use {slug!r}" if slug else ""
            raise CommandError(f"{organization!r} is not an organization slug{hint} (--name sets a display name).")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        # One transaction: a refused file or a dry run leaves no new organization behind.
        with transaction.atomic():
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                if not create_org:
                    raise CommandError(f"No organization {slug!r}; pass --create-org to create it.")
                org = Organization(slug=slug, name=name or slug)
                org.full_clean()
                org.save()
            try:
                summary = matrix_import_file(
                    organization=org,
                    data=data,
                    filename=file.name,
                    max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
                    dry_run=dry_run,
                )
            except MatrixFileInvalid as invalid:
                for error in invalid.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"{len(invalid.errors)} error(s) in {file.name}; nothing was imported.") from None
            if dry_run:
                transaction.set_rollback(True)
        prefix = "Dry run, nothing changed: " if dry_run else "Imported "
        self.stdout.write(f"{prefix}{summary}")
