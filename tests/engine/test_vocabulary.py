"""One vocabulary: each rule's words and each severity's word and shape, read by every surface."""

from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.models import Membership
from ownership.automation.notifications import notice_send
from ownership.engine.constants import RULE_SEVERITY, Rule, Severity
from ownership.engine.vocabulary import RULE_TEXT, SEVERITY_TEXT, rule_text
from ownership.gaps.audits import audit_organization
from tests.factories import AssignmentFactory, FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory


def test_every_rule_has_a_title_a_badge_and_three_sentences():
    assert set(RULE_TEXT) == set(Rule)
    for text in RULE_TEXT.values():
        assert text.title and text.badge
        assert all(sentence.endswith(".") for sentence in (text.meaning, text.why, text.fix)), text.code


def test_no_two_rules_share_a_title_or_a_badge():
    assert len({text.title for text in RULE_TEXT.values()}) == len(Rule)
    assert len({text.badge for text in RULE_TEXT.values()}) == len(Rule)


def test_unassigned_and_no_accountable_read_differently():
    assert RULE_TEXT[Rule.UNASSIGNED].badge != RULE_TEXT[Rule.NO_ACCOUNTABLE].badge
    assert "owner" not in RULE_TEXT[Rule.UNASSIGNED].badge + RULE_TEXT[Rule.NO_ACCOUNTABLE].badge


def test_a_rules_severity_is_the_rule_tables():
    assert all(RULE_TEXT[rule].severity == RULE_SEVERITY[rule] for rule in Rule)
    assert rule_text("multiple_accountable").severity_text.label == "Error"


def test_each_severity_has_its_own_word_and_shape():
    assert [SEVERITY_TEXT[s].label for s in Severity] == ["Error", "Warning", "Info"]
    assert len({SEVERITY_TEXT[s].shape for s in Severity}) == 3


def test_the_stylesheet_draws_each_severitys_shape():
    css = (Path(__file__).resolve().parents[2] / "static/css/app.css").read_text(encoding="utf-8")
    for severity in Severity:
        assert f'.sev-label.sev-{severity.value}::before {{ content: "{SEVERITY_TEXT[severity].shape}"' in css


@pytest.mark.django_db
def test_the_rules_endpoint_lists_every_rule_in_words_without_a_login():
    response = APIClient().get("/api/v1/rules/")

    assert response.status_code == 200
    rules = response.json()
    assert [rule["code"] for rule in rules] == [rule.value for rule in Rule]
    contested = next(rule for rule in rules if rule["code"] == "multiple_accountable")
    text = RULE_TEXT[Rule.MULTIPLE_ACCOUNTABLE]
    assert contested == {
        "code": "multiple_accountable",
        "severity": "error",
        "severity_label": "Error",
        "title": text.title,
        "badge": text.badge,
        "meaning": text.meaning,
        "why": text.why,
        "fix": text.fix,
    }


@pytest.mark.django_db
def test_the_rules_endpoint_is_in_the_schema():
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/rules/" in schema["paths"]


@pytest.fixture
def contested(organization):
    """A journey whose only touchpoint has two accountable functions, and a viewer's client."""
    journey = JourneyFactory(organization=organization)
    touchpoint = TouchpointFactory(stage=StageFactory(journey=journey), name="Flagship till")
    for name in ("Sales", "Marketing"):
        AssignmentFactory(
            touchpoint=touchpoint, function=FunctionFactory(organization=organization, name=name), letter="A"
        )
    audit_organization(organization=organization, trigger="manual")
    return journey


@pytest.mark.django_db
def test_a_contested_row_in_the_matrix_is_an_error_in_words(organization, contested, viewer):
    html = viewer.get(reverse("journeys:matrix", args=[organization.slug, contested.id])).content.decode()

    assert 'class="badge sev-error" data-rule="multiple_accountable"' in html
    assert '<span class="visually-hidden">Error: </span>contested</span>' in html
    assert "sev-contested" not in html


@pytest.mark.django_db
def test_the_journey_map_shows_contested_as_an_error_and_explains_its_legend(organization, contested, viewer):
    html = viewer.get(reverse("journeys:map", args=[organization.slug, contested.id])).content.decode()

    assert 'class="badge sev-error" data-rule="multiple_accountable"' in html
    assert f'title="{RULE_TEXT[Rule.NO_ACCOUNTABLE].meaning}"' in html
    assert "sev-warning" not in html.split('<div class="journey-map"')[1].split("Flagship till")[1][:600]


@pytest.mark.django_db
def test_the_gaps_page_and_the_dashboard_use_the_rules_words(organization, contested, viewer):
    text = RULE_TEXT[Rule.MULTIPLE_ACCOUNTABLE]
    gaps = viewer.get(reverse("ownership:gaps", args=[organization.slug])).content.decode()
    dashboard = viewer.get(reverse("dashboard", args=[organization.slug])).content.decode()

    assert f'title="{text.meaning}">{text.title}</span>' in gaps
    # The dashboard's top ten is compact: the rule's badge, its title and meaning on hover.
    assert f'title="{text.title}: {text.meaning}"><span class="visually-hidden">Error: </span>{text.badge}</span>' in (
        dashboard
    )


@pytest.mark.django_db
def test_the_digest_says_why_each_new_rule_matters_and_how_to_fix_it(organization, member, contested):
    member(Membership.Role.ADMIN)
    run = audit_organization(organization=organization, trigger="manual").run
    TouchpointFactory(stage=contested.stages.get(), name="Fitting room")  # a new unassigned gap
    run = audit_organization(organization=organization, trigger="manual").run

    notice_send(run=run)

    body = mail.outbox[0].body
    text = RULE_TEXT[Rule.UNASSIGNED]
    assert f"[Error] {text.title}: Nobody owns Fitting room" in body
    assert f"Why it matters: {text.why}" in body
    assert f"How to fix: {text.fix}" in body


def test_the_gap_rules_document_lists_each_rules_title_and_badge():
    doc = (Path(__file__).resolve().parents[2] / "docs/gap-rules.md").read_text(encoding="utf-8")
    for text in RULE_TEXT.values():
        assert f"| `{text.code.value}` | {text.title} | {text.badge} |" in doc
