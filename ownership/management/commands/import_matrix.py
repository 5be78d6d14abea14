"""Import a RACI chart (a matrix file, or a published CSV, XLSX, Markdown or HTML table) into an organization."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Organization
from cxowner.orgs.services import membership_admin_add
from ownership.imports.matrixfile.sheet import MatrixFileInvalid
from ownership.imports.reading import LAYOUT_CHOICES, import_options
from ownership.imports.services import matrix_import_file
from ownership.management.commands._owner import add_owner_argument, owner_admin_user, owner_sentence


class Command(BaseCommand):
    help = (
        "Import a RACI chart: the matrix file (CSV/XLSX) or a published table (CSV, XLSX, Markdown, HTML) "
        "in any of three layouts; nothing changes if any row is wrong. See docs/import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug (as in its URL: my-store)")
        parser.add_argument("file", type=Path)
        parser.add_argument("--create-org", action="store_true", help="create the organization if missing")
        parser.add_argument("--name", help="with --create-org: the new organization's display name")
        add_owner_argument(parser)
        parser.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
        reading = parser.add_argument_group("reading a published table (docs/import.md)")
        reading.add_argument(
            "--layout", choices=sorted(LAYOUT_CHOICES), default="", help="the table's layout (default: detected)"
        )
        reading.add_argument(
            "--journey",
            default="",
            metavar="NAME",
            help="the journey of a table without one (default: named from its title, sheet or file)",
        )
        reading.add_argument("--stage", default="", metavar="NAME", help="the stage of rows above any heading")
        reading.add_argument(
            "--letter-map", default="", metavar="MAP", help='other letters as RACI: "S=R,W=I,V=C,O=" (empty: left out)'
        )
        reading.add_argument(
            "--table", type=int, metavar="N", help="read only the Nth table (default: every RACI table, one stage each)"
        )
        reading.add_argument("--touchpoint-column", default="", metavar="HEADER", help="the activity column's header")
        reading.add_argument(
            "--keep-remarks", action="store_true", help='keep "(…)" after function names in transposed tables'
        )
        reading.add_argument(
            "--no-headings", action="store_true", help="read one-cell rows as activities, not stage headings"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace the file's journeys: delete their touchpoints and stages the file does not list",
        )

    def handle(self, *args, **options):
        # What the command changes is recorded as made on the command line.
        with change_context(surface="cli"):
            return self.handle_recorded(*args, **options)

    def handle_recorded(self, *args, organization, file, create_org, name, dry_run, owner, **options):
        try:
            reading = import_options(
                layout=options["layout"],
                journey=options["journey"],
                stage=options["stage"],
                letter_map=options["letter_map"],
                table=options["table"],
                touchpoint_column=options["touchpoint_column"],
                keep_remarks=options["keep_remarks"],
                heading_rows=not options["no_headings"],
                replace=options["replace"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        slug = slugify(organization)
        if not slug or slug != organization:
            # Every command and URL names an organization by its slug; guessing one here would
            # create an organization the next command cannot find by the same words.
            hint = f"; use {slug!r}" if slug else ""
            raise CommandError(f"{organization!r} is not an organization slug{hint} (--name sets a display name).")
        owner_user = owner_admin_user(owner)
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
            if owner_user is not None:
                membership_admin_add(organization=org, user=owner_user)
            try:
                summary = matrix_import_file(
                    organization=org,
                    data=data,
                    filename=file.name,
                    max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
                    dry_run=dry_run,
                    options=reading,
                    max_seconds=settings.MATRIX_WORKER_PARSE_MAX_SECONDS,
                )
            except MatrixFileInvalid as invalid:
                for error in invalid.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"{len(invalid.errors)} error(s) in {file.name}; nothing was imported.") from None
            if dry_run:
                transaction.set_rollback(True)
        prefix = "Dry run, nothing changed: " if dry_run else "Imported "
        self.stdout.write(f"{prefix}{summary}")
        if owner_user is not None and not dry_run:
            self.stdout.write(owner_sentence(username=owner_user.username, slug=org.slug))
