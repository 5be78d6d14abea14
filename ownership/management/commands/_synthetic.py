"""What generate_org and bench share: the vocabulary of synthetic organizations, journeys of a
given size for the edit benchmark, and fast removal of a whole organization."""

from __future__ import annotations

from django.db import connection, models, transaction

from cxowner.orgs.models import Organization
from journeys.models import Journey, Stage, Touchpoint
from ownership.models import Assignment, AuditRun, Function, Gap, GapEvent, Role

FUNCTION_NAMES = [
    "Marketing",
    "Sales",
    "Customer Service",
    "Product Development",
    "IT",
    "HR",
    "Finance",
    "Top leadership",
    "Operations",
    "CX team",
    "Logistics",
    "Legal",
]
# The first title of each function is its head, always present; the others are sampled.
ROLE_TITLES = {
    "Marketing": ["CMO", "Brand manager", "Campaign manager", "Digital marketing lead"],
    "Sales": ["Head of Sales", "Key account manager", "Store manager", "Sales operations lead"],
    "Customer Service": [
        "Head of Customer Service",
        "Contact centre manager",
        "Complaints manager",
        "Journey manager – Service",
    ],
    "Product Development": ["Head of Product", "Product owner", "UX lead"],
    "IT": ["CIO", "Head of digital channels", "Service desk manager"],
    "HR": ["HR Director", "Training manager"],
    "Finance": ["CFO", "Billing manager", "Refunds manager"],
    "Top leadership": ["CEO", "COO"],
    "Operations": ["Head of Operations", "Fulfilment manager", "Facilities manager"],
    "CX team": [
        "Chief Experience Officer",
        "Journey manager – Acquisition",
        "Journey manager – Loyalty",
        "Voice of the customer lead",
    ],
    "Logistics": ["Head of Logistics", "Delivery manager"],
    "Legal": ["General Counsel", "Data protection officer"],
}
FIRST_NAMES = [
    "Margaret", "Tom", "Aisha", "Lena", "Daniel", "Rui", "Sofia", "Kenji", "Priya", "Jonas",
    "Maria", "Ahmed", "Chloe", "Pavel", "Ines", "Oskar", "Fatima", "Liam", "Yuki", "Nora",
]  # fmt: skip
LAST_NAMES = [
    "Holm", "Berger", "Khan", "Fischer", "Ortiz", "Costa", "Rossi", "Watanabe", "Nair", "Weber",
    "Novak", "Haddad", "Dubois", "Larsen", "Silva", "Jensen", "Moreau", "Kowalski", "Tanaka", "Eriksen",
]  # fmt: skip
JOURNEY_NAMES = [
    "Retail store visit",
    "Online acquisition",
    "Onboarding",
    "Service",
    "Loyalty",
    "Billing and payment",
    "Returns and refunds",
    "Contract renewal",
    "Complaint handling",
    "Fix my broadband",
    "Home move",
    "Upgrade",
    "Cancellation",
    "Delivery",
    "Product registration",
    "Repair",
]
PERSONAS = ["", "Private customer", "Small business", "Enterprise", "Student", "Senior", "Family", "First-time buyer"]
# In customer order: a journey keeps a sorted sample of these.
STAGE_NAMES = [
    "Discover",
    "Research",
    "Compare",
    "Choose",
    "Buy",
    "Pay",
    "Receive",
    "Onboard",
    "Use",
    "Get help",
    "Renew",
    "Recommend",
]
TOUCHPOINT_NAMES = [
    "Parking lot", "Store design", "Promotional display", "Signage", "Sales person", "Order form",
    "Cashier", "Pick-up counter", "Website", "Search ad", "Newsletter", "Price comparison page",
    "Product page", "Checkout", "Order confirmation e-mail", "Delivery notification", "Courier",
    "Installation appointment", "Technician visit", "Welcome call", "Mobile app", "Account page",
    "Invoice", "Payment reminder", "Support chat", "Hotline", "FAQ", "Complaint form", "Returns portal",
    "Refund", "Satisfaction survey", "Loyalty card", "Member offer", "Renewal letter", "Cancellation page",
    "Social media reply", "Community forum", "Chatbot", "Brochure", "Showroom",
]  # fmt: skip
CHANNELS = ["In store", "Web", "App", "Phone", "E-mail", "Chat", "Mail", "Field", "Social"]
OUT_OF_SCOPE_REASONS = [
    "The landlord runs it",
    "Outsourced to the delivery partner",
    "Run by the franchisee",
    "Operated by the payment provider",
]
IMPORTANCE_WEIGHTS = [1, 2, 4, 2, 1]  # importance 1..5, centred on the default 3


def delete_organization(org: Organization) -> None:
    """Delete an organization and everything in it, the big tables with one DELETE each.

    Organization.delete() would load every touchpoint and gap as a model instance first (they
    have cascading children), which takes longer than generating them. The big tables are
    emptied by purge(); the collector then removes the rest (journeys, roles, functions,
    members and anything added later).
    """
    with transaction.atomic():
        purge(
            [
                (GapEvent, {"organization": org}),
                (Gap, {"organization": org}),
                (AuditRun, {"organization": org}),
                (Assignment, {"organization": org}),
                (Touchpoint, {"organization": org}),
                (Stage, {"organization": org}),
            ]
        )
        org.delete()


def purge(plan: list[tuple[type[models.Model], dict]]) -> None:
    """Delete the rows matching each (model, filter), children first, in this order.

    A model whose rows nothing outside the plan points at is emptied with one plain DELETE
    (no instances loaded); any other goes through QuerySet.delete(), so that rows added by
    other features (notices, deliveries …) are cascaded or nulled as their models say.
    """
    raw = {model for model, _ in plan}
    while unsafe := {
        model for model in raw if any(relation.related_model not in raw for relation in model._meta.related_objects)
    }:
        raw -= unsafe
    with transaction.atomic():
        for model, lookup in plan:
            queryset = model.objects.filter(**lookup)
            if model in raw:
                queryset._raw_delete(queryset.db)
            else:
                queryset.delete()


def analyze_tables() -> None:
    """After a bulk load, do what autovacuum would do later (PostgreSQL): fresh planner
    statistics, and (outside a transaction) the dead rows of a replaced organization reclaimed."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Function, Role, Journey, Stage, Touchpoint, Assignment, Gap, GapEvent)]
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} " + ", ".join(connection.ops.quote_name(table) for table in tables))


def sized_journeys_add(org: Organization, sizes: list[int], *, stage_size: int = 100) -> list[Journey]:
    """Journeys of exactly these sizes (touchpoints), for timing edits in small and huge journeys.

    Stages of `stage_size` touchpoints; on each row an A and an R of functions taken in turn,
    a C on every fourth, and every ninth left unassigned: real work for every rule.
    """
    functions = list(Function.objects.filter(organization=org).order_by("position", "id").values_list("id", flat=True))
    position = Journey.objects.filter(organization=org).count()
    journeys = []
    for size in sizes:
        position += 1
        journey = Journey.objects.create(organization=org, name=f"Journey of {size:,} touchpoints", position=position)
        stages = Stage.objects.bulk_create(
            Stage(organization=org, journey=journey, name=f"Stage {index + 1}", position=index + 1)
            for index in range((size + stage_size - 1) // stage_size)
        )
        touchpoints = Touchpoint.objects.bulk_create(
            (
                Touchpoint(
                    organization=org,
                    journey=journey,
                    stage=stages[index // stage_size],
                    name=f"Step {index + 1}",
                    position=index % stage_size + 1,
                )
                for index in range(size)
            ),
            batch_size=2000,
        )
        letters = []
        for index, touchpoint in enumerate(touchpoints):
            if index % 9 == 8:
                continue
            held = [("A", index), ("R", index + 1)] + ([("C", index + 3)] if index % 4 == 0 else [])
            letters += [
                Assignment(
                    organization=org, touchpoint=touchpoint, function_id=functions[turn % len(functions)], letter=x
                )
                for x, turn in held
            ]
        Assignment.objects.bulk_create(letters, batch_size=2000)
        journeys.append(journey)
    return journeys
