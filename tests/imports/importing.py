"""Importing a published chart through the service, as the page, the API and the command do."""

from ownership.imports.reading import import_options
from ownership.imports.services import matrix_import_file
from ownership.models import Assignment

LIMIT = 10 * 1024 * 1024


def letters(organization) -> set[tuple[str, str, str]]:
    """(touchpoint, function, letter) of every letter the organization holds."""
    return set(
        Assignment.objects.filter(organization=organization).values_list("touchpoint__name", "function__name", "letter")
    )


def run(organization, data: bytes, filename: str, **options):
    """Import `data` with the options a person would give (none, mostly); the summary."""
    return matrix_import_file(
        organization=organization, data=data, filename=filename, max_bytes=LIMIT, options=import_options(**options)
    )
