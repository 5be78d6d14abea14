"""The journeys list as a portfolio: each journey's coverage, open gaps, manager, size and
last letter change, in four queries whatever the organization's size; sorted and filtered
on the server from plain GET parameters, the worst journeys first by default."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max

from journeys.selectors import journeys_overview
from ownership.engine.constants import Rule
from ownership.gaps.selectors import coverage_by_journey
from ownership.models import Assignment, Gap
from ownership.structure.selectors import journey_owner


@dataclass(frozen=True)
class PortfolioRow:
    journey: object  # Journey, with its manager, stage_count, touchpoint_count, out_of_scope_count
    in_scope: int
    covered: int
    errors: int
    warnings: int
    handoff_gaps: int
    last_change: datetime | None  # the latest letter set or confirmed on the journey

    @property
    def coverage(self) -> float | None:
        return self.covered / self.in_scope if self.in_scope else None

    @property
    def coverage_percent(self) -> int | None:
        return None if self.coverage is None else round(100 * self.coverage)

    @property
    def owner(self):
        """The journey manager (a Role), or None: read with the journey, no query."""
        return journey_owner(journey=self.journey)

    @property
    def manager_state(self) -> str:
        owner = self.owner
        return "nobody" if owner is None else ("vacant" if not owner.holder_name else "held")


# Sort keys by GET name; a missing coverage sorts as the worst (nothing in scope is covered).
SORTS = {
    "worst": lambda r: (-r.errors, r.coverage if r.coverage is not None else -1, -r.warnings, r.journey.name.lower()),
    "name": lambda r: r.journey.name.lower(),
    "coverage": lambda r: (r.coverage if r.coverage is not None else -1, r.journey.name.lower()),
    "errors": lambda r: (r.errors, r.journey.name.lower()),
    "warnings": lambda r: (r.warnings, r.journey.name.lower()),
    "handoffs": lambda r: (r.handoff_gaps, r.journey.name.lower()),
    "manager": lambda r: ((r.owner.title.lower() if r.owner else ""), r.journey.name.lower()),
    "touchpoints": lambda r: (r.journey.touchpoint_count, r.journey.name.lower()),
    "changed": lambda r: (r.last_change.timestamp() if r.last_change else 0, r.journey.name.lower()),
}


MANAGER_FILTERS = {"": "any manager", "nobody": "no manager", "vacant": "a vacant manager role", "held": "a held role"}


@dataclass(frozen=True)
class PortfolioQuery:
    """What the reader asked for: `sort` (a SORTS key, "-" first for descending), a name
    search, only journeys with errors, a manager state."""

    sort: str = "worst"
    descending: bool = False
    query: str = ""
    with_errors: bool = False
    manager: str = ""

    @classmethod
    def from_params(cls, params) -> PortfolioQuery:
        raw = params.get("sort") or "worst"
        descending, key = raw.startswith("-"), raw.lstrip("-")
        manager = params.get("manager") or ""
        return cls(
            sort=key if key in SORTS else "worst",
            descending=descending and key in SORTS,
            query=(params.get("q") or "").strip()[:200],
            with_errors=params.get("errors") == "1",
            manager=manager if manager in MANAGER_FILTERS else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.query or self.with_errors or self.manager)

    def keeps(self, row: PortfolioRow) -> bool:
        return (
            (not self.query or self.query.casefold() in row.journey.name.casefold())
            and (row.errors > 0 or not self.with_errors)
            and (not self.manager or row.manager_state == self.manager)
        )


def journey_portfolio(*, organization, query: PortfolioQuery | None = None) -> list[PortfolioRow]:
    """Every journey of the organization with its figures, filtered and sorted (four queries)."""
    query = query or PortfolioQuery()
    journeys = list(journeys_overview(organization=organization).select_related("owner_link__role"))
    coverage = coverage_by_journey(organization=organization)
    gaps: dict[int, dict[str, int]] = defaultdict(lambda: {"error": 0, "warning": 0, "handoff": 0})
    open_gaps = (
        Gap.objects.filter(organization=organization, resolved_at__isnull=True, journey__isnull=False)
        .order_by()
        .values_list("journey_id", "severity", "rule")
        .annotate(n=Count("id"))
    )
    for journey_id, severity, rule, n in open_gaps:
        counts = gaps[journey_id]
        if severity in counts:
            counts[severity] += n
        if rule == Rule.HANDOFF_GAP:
            counts["handoff"] += n
    changes = {
        journey_id: max(moment for moment in (created, confirmed) if moment)
        for journey_id, created, confirmed in Assignment.objects.filter(organization=organization)
        .order_by()
        .values("touchpoint__journey_id")
        .annotate(created=Max("created_at"), confirmed=Max("confirmed_at"))
        .values_list("touchpoint__journey_id", "created", "confirmed")
    }
    rows = []
    for journey in journeys:
        cov = coverage.get(journey.id)
        rows.append(
            PortfolioRow(
                journey=journey,
                in_scope=cov.in_scope if cov else 0,
                covered=cov.covered if cov else 0,
                errors=gaps[journey.id]["error"],
                warnings=gaps[journey.id]["warning"],
                handoff_gaps=gaps[journey.id]["handoff"],
                last_change=changes.get(journey.id),
            )
        )
    kept = [row for row in rows if query.keeps(row)]
    return sorted(kept, key=SORTS[query.sort], reverse=query.descending)
