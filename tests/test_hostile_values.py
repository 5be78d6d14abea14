"""No stored value breaks a page, the PDF or a mail (issue 18): a property test.

Hypothesis builds an organization whose every text field holds hostile strings: line breaks,
NUL and other controls, U+2028, a right-to-left override, template syntax, a script tag, very
long text, emoji. The objects are made through the services and factories; the one-line fields
are then written again past every check (as rows stored before names were cleaned would be), so
the pages and mails are tried on what cleaning would have removed too. Lone surrogates cannot
be stored by any database: they go through the factories' saves, which clean them.

Then every page of the organization is read by a viewer and an admin, the report PDF is
rendered and its text extracted, and every mail is sent to the local outbox.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from cxowner.orgs.history import ChangeSet
from cxowner.orgs.invitations import invitation_create
from cxowner.orgs.models import ApiToken, Organization
from cxowner.orgs.names import one_line_fields
from cxowner.sso.models import SingleSignOn
from journeys.models import Journey, Stage, Touchpoint
from ownership.automation.notifications import notice_send
from ownership.engine.whatif import SetCells
from ownership.gaps.audits import audit_organization
from ownership.gaps.workflow import gap_accept_risk, gap_assign, gap_assignee_notify, gap_comment_add
from ownership.models import Function, Gap, GapComment, ImportJob, ReviewCampaign, Role, Scenario, Webhook
from ownership.reports.jobs import report_job_ask
from ownership.reports.mail import report_mail_send, report_schedule_set
from ownership.reports.render import report_pdf
from ownership.reports.selectors import report_build
from ownership.reviews.reminders import campaign_remind
from ownership.reviews.services import campaign_start
from ownership.scenarios.services import scenario_create
from tests.factories import (
    ApiTokenFactory,
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleFactory,
    SingleSignOnFactory,
    StageFactory,
    TouchpointFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
FRAGMENTS = [
    "\r",
    "\n",
    "\r\nBcc: victim@example.test",
    "\x00",
    "\x07\x1b[31m\x7f\x9b",
    "\u2028",
    "\u202eevil",
    "{{ 7|add:7 }}",
    "{% now 'Y' %}",
    SCRIPT,
    "🙂👩‍👩‍👧",
    "x" * 300,
    "'\"&<>",
    "\t",
]
# What each text holds after its marker; the marker (letters) survives every cleaning and cut.
HOSTILE = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join)
TODAY = date.today()


def storable(text: str) -> str:
    """What a database keeps: no lone surrogate anywhere, no NUL on PostgreSQL."""
    text = text.encode("utf-8", "ignore").decode()
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


def write_raw(obj: models.Model, **values: str) -> None:
    """Store values past save() and the one-line query set, cut to their columns' length."""
    fields = {name: storable(value)[: obj._meta.get_field(name).max_length or None] for name, value in values.items()}
    models.QuerySet.update(type(obj)._base_manager.filter(pk=obj.pk), **fields)


def build(text) -> dict:
    """An organization whose every text is hostile; the ids every page needs."""
    # Made through save() (which cleans it), then overwritten raw: cut to fit the column, as
    # PostgreSQL refuses a longer value where SQLite keeps it.
    organization = OrganizationFactory(name=("Org" + text("org"))[:150] + "\ud800")
    write_raw(organization, name="Org" + text("org"))
    admin = MembershipFactory(organization=organization, role="admin").user
    write_raw(admin, first_name="Ann" + text("first"), last_name=text("last"))
    function = FunctionFactory(organization=organization, name="Fn\ud800")
    write_raw(function, name="Fn" + text("function"))
    role = RoleFactory(function=function, title="Head", holder_name="Holder", holder_email="holder@example.test")
    write_raw(role, title="Title" + text("title"), holder_name="Holder" + text("holder"))
    journey = JourneyFactory(organization=organization, description="Desc" + storable(text("description")))
    write_raw(journey, name="Jrn" + text("journey"), persona="Persona" + text("persona"))
    stage = StageFactory(journey=journey)
    write_raw(stage, name="Stg" + text("stage"))
    covered = TouchpointFactory(stage=stage, description=storable(text("touchpoint description")))
    write_raw(covered, name="Tp" + text("touchpoint"), channel="Ch" + text("channel"))
    unowned = TouchpointFactory(stage=stage, out_of_scope_reason="")
    write_raw(unowned, name="Tp2" + text("touchpoint 2"), out_of_scope_reason="Why" + text("reason"))
    AssignmentFactory(touchpoint=covered, function=function, letter="A", role=role)
    run = audit_organization(organization=organization, trigger="manual").run
    return {"organization": organization, "admin": admin, "function": function, "role": role, "journey": journey,
            "stage": stage, "touchpoint": covered, "run": run}  # fmt: skip


def decide(world: dict, text) -> None:
    """The workflow's texts: comments, an accepted risk, a scenario, a review, a token, a webhook, an import."""
    organization, admin = world["organization"], world["admin"]
    gaps = list(Gap.objects.filter(organization=organization, resolved_at__isnull=True).order_by("id"))
    world["gap"] = gaps[0]
    gap_comment_add(gap=gaps[0], author=admin, body="Note" + storable(text("comment")))
    gap_comment_add(gap=gaps[0], author=None, body="By sync" + storable(text("token comment")), integration="Sync")
    comment = gaps[0].comments.filter(author=None).get()
    write_raw(comment, integration="Int" + text("integration"))
    gap_accept_risk(gap=gaps[-1], reason="Risk" + storable(text("risk")), expires_on=TODAY + timedelta(days=9),
                    version=gaps[-1].version, today=TODAY)  # fmt: skip
    cells = SetCells(((world["touchpoint"].pk, world["function"].pk, "C"),))
    scenario = scenario_create(organization=organization, name="Scn", operations=[cells])
    write_raw(scenario, name="Scn" + text("scenario"))
    campaign = campaign_start(organization=organization, name="Review", ends_on=TODAY + timedelta(days=7), today=TODAY)
    write_raw(campaign, name="Rev" + text("campaign"))
    write_raw(ApiTokenFactory(organization=organization), name="Tok" + text("token"))
    write_raw(WebhookFactory(organization=organization), description="Hook" + text("webhook"))
    write_raw(SingleSignOnFactory(organization=organization), name="IdP" + text("single sign-on"))
    job = ImportJob.objects.create(organization=organization, filename="f.csv", data=b"", status="done")
    write_raw(job, filename="File" + text("filename"))
    world |= {"scenario": scenario, "campaign": campaign, "job": job}
    world["change_set"] = ChangeSet.objects.filter(organization=organization).latest("id")


def _walk(patterns, namespace: str, params: set[str]):
    for pattern in patterns:
        found = params | set(pattern.pattern.converters)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, found)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", found


def organization_urls(world: dict) -> list[str]:
    """Every URL of the organization's pages (ownership.urls with the journeys and scenarios)."""
    [pages] = [p for p in get_resolver().url_patterns if str(p.pattern) == "o/<slug:org>/"]
    item = world["campaign"].items.first()
    ids = {"org": world["organization"].slug, "gap_id": world["gap"].pk, "journey_id": world["journey"].pk,
           "stage_id": world["stage"].pk, "touchpoint_id": world["touchpoint"].pk, "function_id": world["function"].pk,
           "role_id": world["role"].pk, "campaign_id": world["campaign"].pk, "item_id": item.pk,
           "change_set_id": world["change_set"].pk, "job_id": world["job"].pk, "scenario_id": world["scenario"].pk,
           "position": 1, "assignment_id": 1, "comment_id": world["gap"].comments.first().pk,
           "member_id": world["organization"].memberships.first().pk, "webhook_id": 1, "token_id": 1,
           "invitation_id": 1}  # fmt: skip
    # A report job's pages take a report job's id under the same parameter name as an import job's.
    report_job = report_job_ask(organization=world["organization"], journey=None, today=TODAY)
    reports = {**ids, "job_id": report_job.pk}
    return sorted(
        [
            *(
                reverse(name, kwargs={param: (reports if "report_job" in name else ids)[param] for param in params})
                for name, params in _walk(pages.url_patterns, "", {"org"})
            ),
            reverse("sso_settings", kwargs={"org": ids["org"]}),
        ]
    )


def pages_read(world: dict) -> None:
    viewer = MembershipFactory(organization=world["organization"], role="viewer").user
    for user in (viewer, world["admin"]):
        client = Client()
        client.force_login(user)
        for url in organization_urls(world):
            answer = client.get(url)
            # 302: a form's page that sends a browser back to its list; 403: a page for a stronger
            # role; 405: an address that only takes POST.
            assert answer.status_code in {200, 302, 403, 405}, (url, answer.status_code)
            if "html" in answer.get("Content-Type", "") and answer.status_code == 200:
                assert SCRIPT not in answer.content.decode(), url
        assert (
            client.get(reverse("ownership:gap", args=[world["organization"].slug, world["gap"].pk])).status_code == 200
        )


def pdf_read(world: dict) -> None:
    pdf = report_pdf(report=report_build(organization=world["organization"], today=TODAY))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # An emoji has no glyph in the server's fonts (DejaVu): the fallback font makes pypdf read the
    # words back with a NUL between letters. The words are there; the glyphs are an install's fonts.
    text = text.replace("\x00", "")
    assert "Org" in text and "Fn" in text


def mails_sent(world: dict, django_capture_on_commit_callbacks) -> None:
    organization = world["organization"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(organization=organization, email="new@example.test", role="viewer", accept_url="/i/{token}")
    notice_send(run=world["run"])
    gap = world["gap"]
    gap_assign(gap=gap, assignee=world["admin"], due_on=None, version=Gap.objects.get(pk=gap.pk).version)
    assert gap_assignee_notify(gap_id=gap.pk)
    report_schedule_set(organization=organization, monthly=True, recipients=["boss@example.test"], version=None)
    assert report_mail_send(organization=organization, today=TODAY) is not None
    assert campaign_remind(campaign_id=world["campaign"].pk, today=TODAY) >= 1
    kinds = {"invited", "gap(s) opened", "assigned to you", "ownership report", "please confirm"}
    assert all(any(kind in message.subject for message in mail.outbox) for kind in kinds), [
        m.subject for m in mail.outbox
    ]
    for message in mail.outbox:
        assert not set(message.subject) & {"\r", "\n", "\x00", "\u2028"}, message.subject
        assert message.message().as_bytes()  # builds every header: no BadHeaderError
        assert "Org" in message.body


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_texts_break_no_page_pdf_or_mail(data, django_capture_on_commit_callbacks):
    world = build(lambda label: data.draw(HOSTILE, label=label))
    decide(world, lambda label: data.draw(HOSTILE, label=label))
    pages_read(world)
    pdf_read(world)
    mails_sent(world, django_capture_on_commit_callbacks)


def test_every_one_line_model_is_exercised():
    """A model that gains a one-line field gets hostile values above too (this list says which)."""
    exercised = {Organization, ApiToken, Journey, Stage, Touchpoint, Function, Role, Scenario, ReviewCampaign, Webhook}
    exercised.add(SingleSignOn)

    with_one_line = {model for model in apps.get_models() if one_line_fields(model)}
    assert with_one_line - {GapComment} <= exercised  # its one-line field, the integration, is written above
