"""An inbox item by e-mail, for the members who chose it (their inbox in the app is the record).

The message is plain text built with the product's mail helpers (cxowner.orgs.mail): the subject
is one header line, and every name in it and in the body — people's, the organization's, a
campaign's — loses its control characters, so no stored value can add a header or hide text.
"""

from __future__ import annotations

from cxowner.orgs.mail import mail_send, organization_subject
from cxowner.orgs.names import one_line
from ownership.engine.vocabulary import rule_text
from ownership.inbox.mentions import display_name
from ownership.models import InboxItem, InboxPreference

Kind = InboxItem.Kind

# A comment quoted in a mail is cut at this many characters; the gap's page has it whole.
QUOTE_MAX_CHARS = 1000


def _name(text: object) -> str:
    return one_line(str(text)).strip()


def mail_wanted(*, item: InboxItem) -> bool:
    """The recipient has an address and did not choose their inbox in the app only."""
    if not item.recipient.is_active or not item.recipient.email:
        return False
    in_app_only = InboxPreference.objects.filter(
        membership__organization_id=item.organization_id, membership__user_id=item.recipient_id, email=False
    )
    return not in_app_only.exists()


def _gap_lines(item: InboxItem) -> list[str]:
    gap = item.gap
    text = rule_text(gap.rule)
    where = f"{_name(gap.journey.name)}: " if gap.journey_id and gap.journey else ""
    return [f"[{text.severity_text.label}] {text.title} — {where}{_name(gap.finding.get('message', text.meaning))}"]


def _what(item: InboxItem) -> tuple[str, list[str]]:
    """The subject's words and the body's lines for the item."""
    actor = _name(display_name(item.actor)) if item.actor_id and item.actor else "Someone"
    if item.kind == Kind.VACATED:
        role = f"“{_name(item.role.title)}” of {_name(item.role.function.name)}"
        return f"{actor} left; the role {role} is vacant", [
            f"{actor} no longer belongs to the organization, and the role {role} they held is vacant.",
            "The touchpoints it carries letters on have no holder until someone is named.",
        ]
    if item.kind in (Kind.MENTION, Kind.REPLY):
        quote = item.comment.body if item.comment_id and item.comment else ""
        quote = quote if len(quote) <= QUOTE_MAX_CHARS else quote[: QUOTE_MAX_CHARS - 1] + "…"
        verb = "mentioned you in a comment" if item.kind == Kind.MENTION else "replied on a gap you commented on"
        return f"{actor} {verb}", [f"{actor} {verb}:", "", *_gap_lines(item), "", quote]
    due = f"{item.due_on:%d %B %Y}" if item.due_on else ""
    if item.kind == Kind.OVERDUE:
        return "a gap of yours is overdue", [f"A gap assigned to you was due on {due}:", "", *_gap_lines(item)]
    return f"a gap of yours is due {due}", [f"A gap assigned to you is due on {due}:", "", *_gap_lines(item)]


def inbox_item_mail(*, item_id: int) -> bool:
    """E-mail one item to its recipient if they want it; False when nothing was sent.
    MAIL_ERRORS propagate for the task to retry."""
    rows = InboxItem.objects.select_related(
        "organization", "recipient", "actor", "gap__journey", "comment", "campaign", "role__function"
    )
    item = rows.filter(pk=item_id).first()
    if item is None or item.kind in (Kind.ASSIGNED, Kind.REVIEW) or not mail_wanted(item=item):
        return False
    what, lines = _what(item)
    organization = _name(item.organization.name)
    footer = [
        "",
        f"It waits in your inbox of {organization} in cxowner (the bell at the top of every page).",
        "You get this e-mail because you chose to receive your inbox by e-mail; the inbox page changes that.",
    ]
    mail_send(
        subject=organization_subject(organization, what),
        body="\n".join([*lines, *footer]) + "\n",
        to=item.recipient.email,
    )
    return True
