"""Reads of the organization's functions and roles."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from journeys.models import Journey
from ownership.engine.constants import LETTERS
from ownership.gaps.selectors import open_gaps
from ownership.models import (
    Assignment,
    Function,
    Role,
)


@dataclass(frozen=True)
class FunctionSummary:
    function: object  # Function
    counts: dict[str, int]  # letter -> in-scope touchpoints holding it
    roles: list  # Role
    flags: list  # open Gap rows that name this function


def functions_overview(*, organization) -> list[FunctionSummary]:
    """Each function's R/A/C/I counts over in-scope touchpoints, its roles and its open gaps (four queries)."""

    functions = list(Function.objects.filter(organization=organization).order_by("position", "id"))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LETTERS, 0))
    for function_id, letter, n in (
        Assignment.objects.filter(organization=organization, touchpoint__out_of_scope=False)
        .values_list("function_id", "letter")
        .annotate(n=Count("id"))
    ):
        counts[function_id][letter] = n
    roles: dict[int, list] = defaultdict(list)
    for role in Role.objects.filter(organization=organization).order_by("title", "id"):
        roles[role.function_id].append(role)
    flags: dict[str, list] = defaultdict(list)
    for gap in open_gaps(organization=organization).order_by("-score", "rule", "id"):
        for name in gap.finding.get("functions") or []:
            flags[name].append(gap)
    return [FunctionSummary(function=f, counts=counts[f.id], roles=roles[f.id], flags=flags[f.name]) for f in functions]


# Read a journey with this, and journey_owner() costs no query.
WITH_JOURNEY_OWNER = ("owner_link__role",)


def journey_owner(*, journey: Journey) -> Role | None:
    """The journey manager (the role that answers for the whole journey), or None for nobody.

    Free when the journey was read with select_related("owner_link__role"), else one query.
    """
    if Journey.owner_link.is_cached(journey):
        link = getattr(journey, "owner_link", None)  # None when the select found no manager
        return link.role if link is not None else None
    return Role.objects.filter(journey_owners__journey=journey).order_by().first()
