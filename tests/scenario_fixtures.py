"""An organization built for what-if scenarios, through the services (so its live gaps are current).

Ten in-scope touchpoints. Marketing and Sales are both accountable for "Ad" and "Quote"
(two contested gaps); Sales is accountable for 5 of 10 (no bottleneck: that needs more than
half). Merging Marketing into Sales closes both contested gaps and makes Sales accountable for
7 of 10: an accountability bottleneck.
"""

from cxowner.orgs.models import Organization
from journeys.services import journey_create, stage_create, touchpoint_create
from ownership.editor.services import CellChange, cells_set
from ownership.structure.services import function_create, journey_owner_set, role_create

from .factories import OrganizationFactory

JOURNEYS = {
    "Buy": {
        "Discover": {
            "Ad": {"Marketing": "AR", "Sales": "A"},
            "Landing page": {"Marketing": "AR"},
            "Newsletter": {"Marketing": "AR", "Sales": "I"},
        },
        "Decide": {
            "Quote": {"Sales": "AR", "Marketing": "A"},
            "Order form": {"Sales": "A", "IT": "R"},
            "Delivery": {"Sales": "AR"},
        },
    },
    "Get help": {
        "Ask": {
            "Support chat": {"Service": "AR"},
            "Return": {"Service": "A", "Sales": "R"},
            "Hotline": {"Service": "AR", "IT": "C"},
            "Invoice question": {"Sales": "AR"},
        },
    },
}


def acme_build(organization: Organization | None = None) -> Organization:
    organization = organization or OrganizationFactory(name="Acme", slug="acme")
    functions = {
        name: function_create(organization=organization, name=name) for name in ("Marketing", "Sales", "Service", "IT")
    }
    roles = {
        "CMO": role_create(function=functions["Marketing"], title="CMO", holder_name="Mia Park"),
        "Head of Sales": role_create(function=functions["Sales"], title="Head of Sales", holder_name="Sam Lee"),
        "Head of Service": role_create(
            function=functions["Service"], title="Head of Service", holder_name="Sofia Ruiz"
        ),
    }
    owners = {"Buy": roles["Head of Sales"], "Get help": roles["Head of Service"]}
    changes = []
    for journey_name, stages in JOURNEYS.items():
        journey = journey_create(organization=organization, name=journey_name)
        journey_owner_set(journey=journey, owner=owners[journey_name])
        for stage_name, touchpoints in stages.items():
            stage = stage_create(journey=journey, name=stage_name)
            for touchpoint_name, letters in touchpoints.items():
                touchpoint = touchpoint_create(stage=stage, name=touchpoint_name)
                changes += [CellChange(touchpoint.pk, functions[f].pk, frozenset(x)) for f, x in letters.items()]
    cells_set(organization=organization, changes=changes)
    return organization
