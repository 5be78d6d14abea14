"""Every page a member can open in one organization, as paths: the list the browser tests walk.

The accessibility walk (test_accessibility.py) and the layout walk at a phone's and a desktop's
size (test_responsive_pages.py) read the same list, so that a page added here is checked both
ways. Pages of objects the organization may lack (a gap, a role, a change) are left out when
there is none.
"""

from __future__ import annotations

from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Organization
from journeys.models import Journey, Touchpoint
from ownership.models import Function, Gap, Role

# The journey's matrix editor: the page whose own grid scrolls inside it.
MATRIX = "matrix"


def organization_pages(organization: Organization) -> list[str]:
    """The organization's pages, as its admin sees them (admins see every page)."""
    org = f"/o/{organization.slug}"
    journey = Journey.objects.filter(organization=organization).first()
    touchpoint = Touchpoint.objects.filter(journey=journey).first()
    functions = list(Function.objects.filter(organization=organization))
    gap = Gap.objects.filter(organization=organization, resolved_at=None).first()
    role = Role.objects.filter(organization=organization).first()
    change = ChangeSet.objects.filter(organization=organization).order_by("-pk").first()
    return [
        f"{org}/",
        f"{org}/journeys/",
        f"{org}/journeys/new/",
        f"{org}/journeys/{journey.id}/",
        f"{org}/journeys/{journey.id}/map/",
        f"{org}/journeys/{journey.id}/activity/",
        f"{org}/journeys/{journey.id}/touchpoints/{touchpoint.id}/",
        f"{org}/journeys/{journey.id}/touchpoints/{touchpoint.id}/history/",
        f"{org}/gaps/",
        f"{org}/gaps/?severity=error",
        f"{org}/gaps/mine/",
        f"{org}/inbox/",
        *([f"{org}/gaps/{gap.id}/", f"{org}/gaps/{gap.id}/fix/"] if gap else []),
        f"{org}/functions/",
        *[f"{org}/functions/{f.id}/delete/" for f in functions[:1]],
        *[f"{org}/functions/{f.id}/merge/?into={functions[-1].id}" for f in functions[:1] if len(functions) > 1],
        *([f"{org}/functions/roles/{role.id}/"] if role else []),
        f"{org}/reviews/",
        f"{org}/audits/",
        f"{org}/scenarios/",
        f"{org}/import/",
        f"{org}/members/",
        f"{org}/settings/",
        f"{org}/activity/",
        *([f"{org}/activity/{change.id}/"] if change else []),
        f"{org}/report/",
    ]


def is_matrix(path: str, organization: Organization) -> bool:
    """Whether `path` is one of the organization's matrix editor pages (/o/ORG/journeys/N/)."""
    parts = path.strip("/").split("/")
    return len(parts) == 4 and parts[:3] == ["o", organization.slug, "journeys"] and parts[3].isdigit()
