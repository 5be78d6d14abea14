"""Every surface shows the same figures (docs/figures.md): the dashboard, the journeys page, each
matrix header, the gaps page, the report's page, PDF and mail, the e-mail digest, the API and a
scenario's comparison, for one organization built to catch the old disagreements — an accepted
risk, out-of-scope touchpoints, an empty journey, a journey with nothing in scope, a gap about
a function, and an organization younger than the 30-day period.

The organization is built and every surface read once (a module fixture in one rolled-back
transaction); each test then checks one figure on one surface against the definitions.
"""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from cxowner.orgs.models import Membership
from ownership.automation.notifications import notice_send
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.gaps.figures import figures_read
from ownership.gaps.workflow import gap_accept_risk
from ownership.models import Gap, ReportSchedule
from ownership.reports.mail import report_mail_send
from ownership.reports.render import report_pdf
from ownership.reports.selectors import report_build
from ownership.scenarios.services import scenario_create
from tests.factories import (
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
)

# The test database must exist for the module fixture; each test then reads what it gathered.
pytestmark = pytest.mark.django_db

NO_EARLIER = "no earlier figure"  # what every surface's change says, in its own words

# The definitions applied by hand to the organization `world` builds:
# Store visit (managed): Cashier (Sales AR, Finance I), Order form (Sales A, Service A, IT R: contested,
#   accepted as a risk), Signage (no letter: unassigned), Parking lot (out of scope) | Till (Sales
#   AR) → Receipt (IT AR): a handoff gap. In scope 5, covered 3: 60 %.
# Support (managed): Chat (Service AR), Phone (IT R: no accountable). In scope 2, covered 1: 50 %.
# Returns: no stage, no touchpoint, no manager (journey without owner): no coverage figure.
# Loyalty (managed): one touchpoint, out of scope: no coverage figure, no gap.
# Finance holds only an I: idle function (info), a gap of no journey.
EXPECTED = {
    "coverage": 57,  # 4 of 7
    "covered": 4,
    "in_scope": 7,
    "open": 5,  # the contested order form is an accepted risk, not an open gap
    "error": 3,  # unassigned signage, phone without A, Returns without a manager
    "warning": 1,  # the handoff
    "info": 1,  # idle Finance
    "accepted": 1,
    "change": NO_EARLIER,
    # Most errors, then lowest coverage (none after any), then most open gaps, then the name.
    "order": ["Support", "Store visit", "Returns", "Loyalty"],
    "journey coverage": {"Store visit": 60, "Support": 50, "Returns": None, "Loyalty": None},
    "journey errors": {"Store visit": 1, "Support": 1, "Returns": 1, "Loyalty": 0},
    "journey open": {"Store visit": 2, "Support": 1, "Returns": 1, "Loyalty": 0},
    "journey warnings": {"Store visit": 1, "Support": 0, "Returns": 0, "Loyalty": 0},
    "journey handoffs": {"Store visit": 1, "Support": 0, "Returns": 0, "Loyalty": 0},
    "journey accepted": {"Store visit": 1, "Support": 0, "Returns": 0, "Loyalty": 0},
    "journey change": dict.fromkeys(("Store visit", "Support", "Returns", "Loyalty"), NO_EARLIER),
    # Store visit's stages: Buy holds the unassigned signage (and the accepted contest), Pay the
    # handoff, which counts where it starts (Till).
    "stage coverage": {"Buy": 33, "Pay": 100},
    "stage open": {"Buy": 1, "Pay": 1},
    "function gaps": {"Finance": 1, "IT": 1, "Sales": 1},  # idle Finance; the handoff names Sales and IT
}


@contextmanager
def on(moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def build() -> dict:
    """The organization, made two days ago; its last changes yesterday."""
    start = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=2)
    with on(start):
        organization = OrganizationFactory(name="Figures Ltd")
        admin = MembershipFactory(organization=organization, role=Membership.Role.ADMIN).user
        sales, service, it, finance = (
            FunctionFactory(organization=organization, name=name) for name in ("Sales", "Service", "IT", "Finance")
        )
        manager = RoleFactory(function=service, title="Journey manager", holder_name="Ines")
        store = JourneyFactory(organization=organization, name="Store visit", owner=manager)
        buy, pay = (StageFactory(journey=store, organization=organization, name=name) for name in ("Buy", "Pay"))
        spots = {
            name: TouchpointFactory(journey=store, stage=stage, organization=organization, name=name, **extra)
            for name, stage, extra in [
                ("Cashier", buy, {}),
                ("Order form", buy, {}),
                ("Signage", buy, {}),
                ("Parking lot", buy, {"out_of_scope": True}),
                ("Till", pay, {}),
                ("Receipt", pay, {}),
            ]
        }
        support = JourneyFactory(organization=organization, name="Support", owner=manager)
        help_desk = StageFactory(journey=support, organization=organization, name="Help")
        for name in ("Chat", "Phone"):
            spots[name] = TouchpointFactory(journey=support, stage=help_desk, organization=organization, name=name)
        returns = JourneyFactory(organization=organization, name="Returns")
        loyalty = JourneyFactory(organization=organization, name="Loyalty", owner=manager)
        join = StageFactory(journey=loyalty, organization=organization, name="Join")
        TouchpointFactory(
            journey=loyalty, stage=join, organization=organization, name="Partner desk", out_of_scope=True
        )
        letters = [
            ("Cashier", sales, "AR"),
            ("Cashier", finance, "I"),
            ("Order form", sales, "A"),
            ("Order form", service, "A"),
            ("Order form", it, "R"),
            ("Signage", sales, "AR"),  # taken away yesterday
            ("Till", sales, "AR"),
            ("Receipt", it, "AR"),
            ("Chat", service, "AR"),
            ("Phone", it, "R"),
        ]
        cells_set(
            organization=organization,
            changes=[CellChange(spots[t].id, f.id, frozenset(value)) for t, f, value in letters],
        )
        audit_organization(organization=organization, trigger="manual")
    with on(start + timedelta(days=1)):
        # Gaps opened within the period: once shown as "+N since 30 days ago" for a new organization.
        cells_set(organization=organization, changes=[CellChange(spots["Signage"].id, sales.id, frozenset())])
        contested = Gap.objects.get(organization=organization, rule="multiple_accountable", resolved_at=None)
        gap_accept_risk(
            gap=contested,
            reason="Two owners until the re-fit",
            expires_on=timezone.localdate() + timedelta(days=60),
            version=None,
            today=timezone.localdate(),
        )
    run = audit_organization(organization=organization, trigger="manual").run
    return {
        "organization": organization,
        "admin": admin,
        "run": run,
        "journeys": {j.name: j for j in (store, support, returns, loyalty)},
        "stages": {"Buy": buy, "Pay": pay},
    }


class FigureParser(HTMLParser):
    """Every element with a data-figure attribute: (its ancestors' markers, the figure, its text)."""

    MARKERS = ("data-testid", "data-journey", "data-stage", "data-function")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict, list | None]] = []
        self.found: list[tuple[dict, str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        self.stack.append((tag, attrs, [] if "data-figure" in attrs else None))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        while self.stack:
            name, attrs, text = self.stack.pop()
            if text is not None:
                # Its ancestors' markers and its own, the nearest winning.
                markers = {
                    k: v for _, a, _ in (*self.stack, (name, attrs, None)) for k, v in a.items() if k in self.MARKERS
                }
                self.found.append((markers, attrs["data-figure"], " ".join("".join(text).split())))
            if name == tag:
                return

    def handle_data(self, data):
        for _, _, text in self.stack:
            if text is not None:
                text.append(data)


def figures_in(html: str) -> list[tuple[dict, str, str]]:
    parser = FigureParser()
    parser.feed(html)
    return parser.found


def top(found, figure: str, **markers) -> str:
    """The figure about the place read (the organization, or the journey or stage filtered on),
    not one of a journey, stage or function listed on the page."""
    return one(found, figure, data_journey=None, data_stage=None, data_function=None, **markers)


def one(found, figure: str, **markers) -> str:
    wanted = {key.replace("_", "-"): value for key, value in markers.items()}
    texts = [
        text for where, name, text in found if name == figure and all(where.get(k) == v for k, v in wanted.items())
    ]
    # A figure shown twice on one page (the errors card and the open gaps' split) must agree too.
    assert texts and len(set(texts)) == 1, (figure, markers, texts)
    return texts[0]


def number(text: str) -> int | None:
    """ "57%" → 57, "—" → None, "3" → 3."""
    if text.strip() in ("—", ""):
        return None
    return int(re.search(r"-?\d+", text).group())


def change(text: str) -> str:
    """A change in any surface's words, reduced to NO_EARLIER when it says there is none."""
    said = text.lower()
    if "no figure from" in said or "no earlier figure" in said or said == "—":
        return NO_EARLIER
    return text


def by_journey(found, figure: str, read=number, names=EXPECTED["order"], marker="data_journey", **markers) -> dict:
    return {name: read(one(found, figure, **{marker: name}, **markers)) for name in names}


def order(found, figure: str, **markers) -> list[str]:
    wanted = {key.replace("_", "-"): value for key, value in markers.items()}
    names = []
    for where, name, _ in found:
        if name == figure and all(where.get(k) == v for k, v in wanted.items()) and where["data-journey"] not in names:
            names.append(where["data-journey"])
    return names


def page_readings(client, world) -> dict:
    slug = world["organization"].slug
    store, buy, pay = world["journeys"]["Store visit"], world["stages"]["Buy"], world["stages"]["Pay"]
    dashboard = figures_in(client.get(reverse("dashboard", args=[slug])).content.decode())
    opened = figures_in(client.get(reverse("dashboard", args=[slug]), {"journey": store.id}).content.decode())
    portfolio = figures_in(client.get(reverse("journeys:list", args=[slug])).content.decode())
    gaps = figures_in(client.get(reverse("ownership:gaps", args=[slug])).content.decode())
    report = figures_in(client.get(reverse("ownership:report", args=[slug])).content.decode())
    headers = {
        name: figures_in(client.get(reverse("journeys:matrix", args=[slug, journey.id])).content.decode())
        for name, journey in world["journeys"].items()
    }
    journey_gaps = {
        name: figures_in(client.get(reverse("ownership:gaps", args=[slug]), {"journey": j.id}).content.decode())
        for name, j in world["journeys"].items()
    }
    stage_gaps = {
        name: figures_in(client.get(reverse("ownership:gaps", args=[slug]), {"stage": s.id}).content.decode())
        for name, s in (("Buy", buy), ("Pay", pay))
    }
    worst = {"data_testid": "worst-journeys"}
    return {
        "dashboard": {
            **{
                key: number(top(dashboard, key)) for key in ("coverage", "open", "error", "warning", "info", "accepted")
            },
            "in_scope": number(top(dashboard, "in-scope")),
            "change": {change(top(dashboard, f"change-{key}")) for key in ("coverage", "open", "error", "accepted")},
            "order": order(dashboard, "open", **worst),
            "journey coverage": by_journey(dashboard, "coverage", **worst),
            "journey errors": by_journey(dashboard, "error", **worst),
            "journey open": by_journey(dashboard, "open", **worst),
            "journey change": by_journey(dashboard, "change-open", read=change, **worst),
            "function gaps": {
                name: number(one(dashboard, "function-gaps", data_function=name)) for name in EXPECTED["function gaps"]
            },
        },
        "dashboard heatmap": {
            "journey open": by_journey(dashboard, "open", data_testid="heatmap"),
            "stage open": {
                name: number(one(opened, "open", data_testid="heatmap", data_stage=name)) for name in ("Buy", "Pay")
            },
        },
        "journeys page": {
            "order": order(portfolio, "coverage", data_testid="portfolio"),
            "journey coverage": by_journey(portfolio, "coverage"),
            "journey errors": by_journey(portfolio, "error"),
            "journey warnings": by_journey(portfolio, "warning"),
            "journey handoffs": by_journey(portfolio, "handoff"),
        },
        "matrix header": {
            "journey coverage": {name: number(one(found, "coverage")) for name, found in headers.items()},
            "journey errors": {name: number(one(found, "error")) for name, found in headers.items()},
            "journey open": {
                name: sum(number(one(found, s)) for s in ("error", "warning", "info"))
                for name, found in headers.items()
            },
            "journey warnings": {name: number(one(found, "warning")) for name, found in headers.items()},
            "journey handoffs": {name: number(one(found, "handoff")) for name, found in headers.items()},
            "journey accepted": {name: number(one(found, "accepted")) for name, found in headers.items()},
        },
        "gaps page": {
            **{key: number(top(gaps, key)) for key in ("coverage", "open", "error", "warning", "info", "accepted")},
            "journey coverage": {name: number(one(found, "coverage")) for name, found in journey_gaps.items()},
            "journey errors": {name: number(one(found, "error")) for name, found in journey_gaps.items()},
            "journey open": {name: number(one(found, "open")) for name, found in journey_gaps.items()},
            "journey accepted": {name: number(one(found, "accepted")) for name, found in journey_gaps.items()},
            "stage coverage": {name: number(one(found, "coverage")) for name, found in stage_gaps.items()},
            "stage open": {name: number(one(found, "open")) for name, found in stage_gaps.items()},
        },
        "report page": {
            **{key: number(top(report, key)) for key in ("open", "error", "warning", "info", "accepted", "covered")},
            "coverage": number(top(report, "coverage", data_testid="report-coverage")),
            "in_scope": number(top(report, "in-scope")),
            "change": {change(top(report, f"change-{key}")) for key in ("coverage", "open")},
            "order": order(report, "open", **worst),
            "journey coverage": by_journey(report, "coverage", data_testid=None),  # the matrices
            "journey open": by_journey(report, "open", data_testid=None),
            "journey errors": by_journey(report, "error", **worst),
            "function gaps": {
                name: number(one(report, "function-gaps", data_function=name)) for name in EXPECTED["function gaps"]
            },
        },
    }


def pdf_readings(world) -> dict:
    report = report_build(organization=world["organization"], today=timezone.localdate())
    pages = PdfReader(io.BytesIO(report_pdf(report=report))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    cover = re.search(r"(\d+)% coverage: (\d+) of (\d+) in-scope touchpoints", text)
    counts = re.search(r"(\d+) open gaps?, and (\d+) accepted risks?", text)
    severities = re.search(r"Errors (\d+) \S+ Warnings (\d+) \S+ Info (\d+)", text)
    worst = text[text.index("Journeys, worst first") :]
    worst = worst[: worst.index("Accepted risks")]
    return {
        "coverage": int(cover.group(1)),
        "covered": int(cover.group(2)),
        "in_scope": int(cover.group(3)),
        "open": int(counts.group(1)),
        "accepted": int(counts.group(2)),
        "error": int(severities.group(1)),
        "warning": int(severities.group(2)),
        "info": int(severities.group(3)),
        "change": {NO_EARLIER} if text.count("No figure from") == 2 else {"some earlier figure"},
        "order": sorted(EXPECTED["order"], key=lambda name: worst.index(f" {name} ")),
    }


def mail_readings(world) -> dict:
    organization = world["organization"]
    ReportSchedule.objects.create(organization=organization, monthly=True, recipients=["board@example.com"])
    mail.outbox = []
    report_mail_send(organization=organization, today=timezone.localdate())
    notice_send(run=world["run"])
    monthly, digest = mail.outbox[0].body, mail.outbox[1].body
    figures = re.search(
        r"Coverage: (\d+)% of (\d+) in-scope touchpoints \((.*?)\); (\d+) open gap\(s\) \((.*?)\), (\d+) accepted",
        monthly,
    )
    digested = re.search(r"Coverage: (\d+)% of (\d+) in-scope touchpoints; (\d+) gap\(s\) open, (\d+) accepted", digest)
    return {
        "report mail": {
            "coverage": int(figures.group(1)),
            "in_scope": int(figures.group(2)),
            "change": {change(figures.group(3)), change(figures.group(5))},
            "open": int(figures.group(4)),
            "accepted": int(figures.group(6)),
        },
        "digest": {
            "coverage": int(digested.group(1)),
            "in_scope": int(digested.group(2)),
            "open": int(digested.group(3)),
            "accepted": int(digested.group(4)),
        },
    }


def api_readings(world) -> dict:
    slug = world["organization"].slug
    api = APIClient()
    api.force_authenticate(world["admin"])
    figures = api.get(f"/api/v1/orgs/{slug}/gaps/figures/").json()
    store = world["journeys"]["Store visit"]
    scoped = api.get(f"/api/v1/orgs/{slug}/gaps/figures/", {"journey": store.id}).json()
    stages = {
        name: api.get(f"/api/v1/orgs/{slug}/gaps/figures/", {"stage": stage.id}).json()
        for name, stage in world["stages"].items()
    }
    journeys = {journey["name"]: journey for journey in figures["journeys"]}
    matrices = {
        name: api.get(f"/api/v1/orgs/{slug}/journeys/{journey.id}/matrix/").json()
        for name, journey in world["journeys"].items()
    }
    period = figures["change"]

    def share(value):
        return None if value is None else round(100 * value)

    return {
        "api": {
            "coverage": figures["coverage"]["percent"],
            "covered": figures["coverage"]["covered"],
            "in_scope": figures["coverage"]["in_scope"],
            "open": figures["open_gaps"],
            **{key: figures["by_severity"][key] for key in ("error", "warning", "info")},
            "accepted": figures["accepted_risks"],
            "change": {
                NO_EARLIER if period[key]["then"] is None and not period["earlier"] else "some earlier figure"
                for key in ("coverage", "open_gaps", "errors", "accepted_risks", "resolved")
            },
            "order": list(journeys),
            "journey coverage": {name: j["coverage"]["percent"] for name, j in journeys.items()},
            "journey errors": {name: j["by_severity"]["error"] for name, j in journeys.items()},
            "journey open": {name: j["open_gaps"] for name, j in journeys.items()},
            "journey warnings": {name: j["by_severity"]["warning"] for name, j in journeys.items()},
            "journey handoffs": {name: j["handoff_gaps"] for name, j in journeys.items()},
            "journey accepted": {name: j["accepted_risks"] for name, j in journeys.items()},
            "journey change": {
                name: NO_EARLIER if j["change"]["then"] is None else j["change"]["change"]
                for name, j in journeys.items()
            },
            "stage coverage": {name: s["coverage"]["percent"] for name, s in stages.items()},
            "stage open": {name: s["open_gaps"] for name, s in stages.items()},
            "function gaps": {row["name"]: row["total"] for row in figures["by_function"]},
        },
        "api, one journey": {
            "stage coverage": {s["name"]: s["coverage"]["percent"] for s in scoped["stages"]},
            "stage open": {s["name"]: s["open_gaps"] for s in scoped["stages"]},
        },
        "matrix api": {"journey coverage": {name: share(m["coverage"]) for name, m in matrices.items()}},
    }


def scenario_readings(client, world) -> dict:
    organization = world["organization"]
    scenario = scenario_create(organization=organization, name="Nothing yet")
    html = client.get(reverse("scenarios:detail", args=[organization.slug, scenario.id])).content.decode()

    def today(key: str) -> int | None:
        row = re.search(rf'data-testid="measure-{key}">.*?<td class="num">(.*?)</td>', html, flags=re.S)
        return number(row.group(1))

    api = APIClient()
    api.force_authenticate(world["admin"])
    compared = api.get(f"/api/v1/orgs/{organization.slug}/scenarios/{scenario.id}/compare/").json()
    return {
        "scenario page": {
            "coverage": today("coverage"),
            "open": today("gaps"),
            **{key: today(key) for key in ("error", "warning", "info", "accepted")},
        },
        "scenario api": {
            "coverage": round(100 * compared["coverage"]["before"]),
            "open": compared["open_gaps"]["before"],
            "accepted": compared["accepted_risks"]["before"],
        },
    }


def read_model(world) -> dict:
    figures = figures_read(organization=world["organization"], stages_of=world["journeys"]["Store visit"].id, days=30)
    journeys = figures.journeys_worst_first
    return {
        "coverage": figures.coverage.percent,
        "covered": figures.coverage.covered,
        "in_scope": figures.coverage.in_scope,
        "open": figures.gaps.total,
        "error": figures.gaps.errors,
        "warning": figures.gaps.warnings,
        "info": figures.gaps.info,
        "accepted": figures.gaps.accepted_risks,
        "order": [j.name for j in journeys],
        "journey coverage": {j.name: j.coverage.percent for j in journeys},
        "journey errors": {j.name: j.gaps.errors for j in journeys},
        "journey open": {j.name: j.gaps.total for j in journeys},
        "journey warnings": {j.name: j.gaps.warnings for j in journeys},
        "journey handoffs": {j.name: j.gaps.handoff_gaps for j in journeys},
        "journey accepted": {j.name: j.gaps.accepted_risks for j in journeys},
        "journey change": {j.name: NO_EARLIER if j.change.then is None else j.change.change for j in journeys},
        "stage coverage": {s.name: s.coverage.percent for s in figures.stages},
        "stage open": {s.name: s.gaps.total for s in figures.stages},
        "function gaps": {row.name: row.total for row in figures.by_function},
        "change": {
            NO_EARLIER if f.then is None else "some earlier figure"
            for f in (figures.change.coverage, figures.change.open_gaps, figures.change.errors)
        },
    }


@pytest.fixture(scope="module")
def readings(django_db_setup, django_db_blocker) -> dict:
    """Build the organization and read every surface once, then roll it all back."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build()
        client = Client()
        client.force_login(world["admin"])
        found = {
            "read model": read_model(world),
            **page_readings(client, world),
            "report pdf": pdf_readings(world),
            **mail_readings(world),
            **api_readings(world),
            **scenario_readings(client, world),
        }
        transaction.set_rollback(True)
    return found


# The organization's coverage and gap counts, which the gaps page and a scenario's page both show.
SCOREBOARD = ["coverage", "open", "error", "warning", "info", "accepted"]
# The figures the report's page and its PDF both show.
REPORT_SUMMARY = ["coverage", "covered", "in_scope", "open", "error", "warning", "info", "accepted", "change", "order"]

# (surface, figure) for every figure each surface shows.
SHOWN = [
    (surface, figure)
    for surface, figures in {
        "read model": [key for key in EXPECTED if key != "change"] + ["change"],
        "dashboard": [
            "coverage",
            "in_scope",
            "open",
            "error",
            "warning",
            "info",
            "accepted",
            "change",
            "order",
            "journey coverage",
            "journey errors",
            "journey open",
            "journey change",
            "function gaps",
        ],
        "dashboard heatmap": ["journey open", "stage open"],
        "journeys page": ["order", "journey coverage", "journey errors", "journey warnings", "journey handoffs"],
        "matrix header": [
            "journey coverage",
            "journey errors",
            "journey open",
            "journey warnings",
            "journey handoffs",
            "journey accepted",
        ],
        "gaps page": [
            *SCOREBOARD,
            "journey coverage",
            "journey errors",
            "journey open",
            "journey accepted",
            "stage coverage",
            "stage open",
        ],
        "report page": [
            *REPORT_SUMMARY,
            "journey coverage",
            "journey open",
            "journey errors",
            "function gaps",
        ],
        "report pdf": REPORT_SUMMARY,
        "report mail": ["coverage", "in_scope", "open", "accepted", "change"],
        "digest": ["coverage", "in_scope", "open", "accepted"],
        "api": [key for key in EXPECTED if key not in ("covered",)] + ["covered"],
        "api, one journey": ["stage coverage", "stage open"],
        "matrix api": ["journey coverage"],
        "scenario page": SCOREBOARD,
        "scenario api": ["coverage", "open", "accepted"],
    }.items()
    for figure in figures
]


def expected(figure: str):
    value = EXPECTED[figure]
    return {value} if figure == "change" else value


@pytest.mark.parametrize(("surface", "figure"), SHOWN, ids=[f"{figure} on the {surface}" for surface, figure in SHOWN])
def test_every_surface_shows_the_figure_as_defined(readings, surface, figure):
    assert readings[surface][figure] == expected(figure)
