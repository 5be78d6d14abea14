"""Export an organization's RACI matrix as CSV or XLSX."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cxowner.orgs.models import Organization
from ownership.imports.matrixfile.writer import write_matrix_csv, write_matrix_xlsx
from ownership.imports.services import matrix_sheet


class Command(BaseCommand):
    help = "Write the matrix file of an organization to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, organization, format, output, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization {organization!r}.")
        sheet = matrix_sheet(organization=org)
        data = write_matrix_xlsx(sheet) if format == "xlsx" else write_matrix_csv(sheet)
        if output is None:
            if format == "xlsx" and sys.stdout.isatty():
                raise CommandError("XLSX is binary: pass --output FILE or redirect standard output.")
            self.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            output.write_bytes(data)
            self.stderr.write(f"Wrote {len(sheet.rows)} touchpoints to {output}")
