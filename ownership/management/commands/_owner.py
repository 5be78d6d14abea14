"""The --owner USER option of the commands that create an organization (import_matrix, generate_org).

An organization nobody belongs to cannot be opened in the browser (outsiders get a 404), so the
command that creates one can name its first admin. The user is looked up before anything is
written: a wrong name fails at once, with nothing created.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from cxowner.orgs.selectors import owner_user_get

OWNER_HELP = "make USER (a username) an admin of the organization, so that they can open it in the browser"


def add_owner_argument(parser) -> None:
    parser.add_argument("--owner", metavar="USER", help=OWNER_HELP)


def owner_admin_user(username: str | None):
    """The user --owner names, or None without the option; CommandError if there is no such user."""
    if username is None:
        return None
    try:
        return owner_user_get(username=username)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None


def owner_sentence(*, username: str | None, slug: str) -> str:
    if username is None:
        return f"Nobody is a member of {slug} yet: pass --owner USER to open it in the browser."
    return f"{username} is an admin of {slug}: /o/{slug}/ opens it."
