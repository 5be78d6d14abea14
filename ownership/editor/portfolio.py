"""The journeys list as a portfolio: each journey's coverage, open gaps, manager, size and
last letter change, in four queries whatever the organization's size; sorted and filtered
on the server from plain GET parameters, the worst journeys first by default. The figures and
the worst-first order are those of every surface (ownership.gaps.figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from journeys.selectors import journeys_overview
from ownership.gaps.figures import Standing, journey_standings, worst_first_key
from ownership.gaps.figures.read import ShowsStanding
from ownership.models import Assignment
from ownership.structure.selectors import journey_owner


@dataclass(frozen=True)
class PortfolioRow(ShowsStanding):
    journey: object  # Journey, with its manager, stage_count, touchpoint_count, out_of_scope_count
    figures: Standing  # its coverage and open gaps, as every surface shows them
    last_change: datetime | None  # the latest letter set or confirmed on the journey

    @property
    def name(self) -> str:
        return self.journey.name

    @property
    def owner(self):
        """The journey manager (a Role), or None: read with the journey, no query."""
        return journey_owner(journey=self.journey)

    @property
    def manager_state(self) -> str:
        owner = self.owner
        return "nobody" if owner is None else ("vacant" if not owner.holder_name else "held")


def _by_coverage(row: PortfolioRow) -> tuple:
    # A journey with nothing in scope has no coverage figure: it sorts after every journey with one.
    share = row.coverage.share
    return (share is None, share or 0.0, row.name.lower())


# Sort keys by GET name; "worst" is the one worst-first order of every surface.
SORTS = {
    "worst": lambda r: worst_first_key(errors=r.gaps.errors, coverage=r.coverage, open_gaps=r.gaps.total, name=r.name),
    "name": lambda r: r.name.lower(),
    "coverage": _by_coverage,
    "errors": lambda r: (r.gaps.errors, r.name.lower()),
    "warnings": lambda r: (r.gaps.warnings, r.name.lower()),
    "handoffs": lambda r: (r.gaps.handoff_gaps, r.name.lower()),
    "manager": lambda r: ((r.owner.title.lower() if r.owner else ""), r.name.lower()),
    "touchpoints": lambda r: (r.journey.touchpoint_count, r.name.lower()),
    "changed": lambda r: (r.last_change.timestamp() if r.last_change else 0, r.name.lower()),
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
            and (row.gaps.errors > 0 or not self.with_errors)
            and (not self.manager or row.manager_state == self.manager)
        )


def journey_portfolio(*, organization, query: PortfolioQuery | None = None) -> list[PortfolioRow]:
    """Every journey of the organization with its figures, filtered and sorted (four queries)."""
    query = query or PortfolioQuery()
    journeys = list(journeys_overview(organization=organization).select_related("owner_link__role"))
    standings = journey_standings(organization=organization)
    changes = {
        journey_id: max(moment for moment in (created, confirmed) if moment)
        for journey_id, created, confirmed in Assignment.objects.filter(organization=organization)
        .order_by()
        .values("touchpoint__journey_id")
        .annotate(created=Max("created_at"), confirmed=Max("confirmed_at"))
        .values_list("touchpoint__journey_id", "created", "confirmed")
    }
    rows = [
        PortfolioRow(
            journey=journey, figures=standings.get(journey.id, Standing()), last_change=changes.get(journey.id)
        )
        for journey in journeys
    ]
    kept = [row for row in rows if query.keeps(row)]
    return sorted(kept, key=SORTS[query.sort], reverse=query.descending)
