"""A member who leaves: access gone at once, every role they held vacant, the admins told.

member_left is the one way out of an organization, whoever says so: the identity provider
(SCIM deactivating or deleting the user) or an admin on the members page. In one transaction
the roles the member held are made vacant through the structure's service, so the live gap state
shows the vacant-owner gaps before the leave commits (no audit in between); the API tokens they
made in the organization are revoked; the membership goes, so every page and API call of this
organization refuses them from their next request (their other organizations keep them). The
history names the actor as given ("Okta (SCIM)" for a provider's token). Once committed, the
admins find an inbox item per vacated role (mailed to those who want it) and each active
webhook gets `role.vacated` with the touchpoints the role carries letters on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from cxowner.orgs.change_context import change_context
from cxowner.orgs.locks import organization_locked
from cxowner.orgs.models import ApiToken, Membership
from cxowner.orgs.services import membership_remove, token_revoke
from ownership.automation.notifications import webhooks_of
from ownership.automation.tasks import webhook_event_task
from ownership.inbox.services import inbox_role_vacated_add
from ownership.models import Assignment, JourneyOwner, Role
from ownership.structure.services import role_update

ROLE_VACATED = "role.vacated"


@dataclass
class Leave:
    """What a leave did: the roles it made vacant (each as role.vacated describes it) and the
    number of tokens it revoked."""

    vacated: list[dict] = field(default_factory=list)
    tokens_revoked: int = 0


def roles_held(membership: Membership) -> list[Role]:
    """The roles the member holds: linked to their membership, or written by hand with their e-mail."""
    email = membership.user.email.strip()
    by_email = Q(holder_member__isnull=True, holder_email__iexact=email) if email else Q(pk__in=[])
    held = Role.objects.filter(Q(holder_member=membership) | by_email, organization_id=membership.organization_id)
    return list(held.select_related("function").order_by("pk"))


def role_vacated_document(role: Role, *, holder: str, actor: str) -> dict:
    """The role, who left it, who said so, and the touchpoints and journeys it now leaves without a holder."""
    letters = Assignment.objects.filter(role=role).select_related("touchpoint__journey").order_by("touchpoint_id")
    touchpoints: dict[int, dict] = {}
    for assignment in letters:
        touchpoint = assignment.touchpoint
        entry = touchpoints.setdefault(
            touchpoint.pk,
            {"touchpoint": touchpoint.pk, "name": touchpoint.name, "journey": touchpoint.journey.name, "letters": ""},
        )
        entry["letters"] += assignment.letter
    journeys = JourneyOwner.objects.filter(role=role).select_related("journey").order_by("journey_id")
    return {
        "role": {"id": role.pk, "title": role.title, "function": role.function.name},
        "former_holder": holder,
        "actor": actor,
        "touchpoints": list(touchpoints.values()),
        "journeys": [{"journey": owner.journey_id, "name": owner.journey.name} for owner in journeys],
    }


@transaction.atomic
def member_left(
    *,
    membership: Membership,
    actor_label: str,
    surface: str,
    user=None,
    token: ApiToken | None = None,
    even_last_admin: bool = False,
) -> Leave:
    """The member leaves the organization now (see the module). `actor_label` names who says so in
    the history; `even_last_admin` lets the identity provider remove the last admin too (an admin
    refusing it keeps the organization manageable)."""
    leave = Leave()
    organization_id = membership.organization_id
    with change_context(surface=surface, user=user, token=token, actor=actor_label):
        organization_locked(organization_id)
        holder = membership.user.get_full_name() or membership.user.get_username()
        for role in roles_held(membership):
            leave.vacated.append(role_vacated_document(role, holder=holder, actor=actor_label))
            role_update(role=role, version=None, holder_name="")
        tokens = ApiToken.objects.filter(
            organization_id=organization_id, created_by_id=membership.user_id, revoked_at__isnull=True
        )
        for made in tokens:
            token_revoke(token=made)
            leave.tokens_revoked += 1
        membership_remove(membership=membership, even_last_admin=even_last_admin)
    if leave.vacated:
        role_ids = [document["role"]["id"] for document in leave.vacated]
        inbox_role_vacated_add(organization_id=organization_id, role_ids=role_ids, leaver_id=membership.user_id)
        transaction.on_commit(lambda: _webhooks_told(organization_id, leave.vacated))
    return leave


def account_closed_if_member_of_nothing(user) -> None:
    """A leaver who belongs to no organization any more is deactivated, which ends their sessions
    (the authentication backends refuse inactive users); a member elsewhere keeps their account."""
    if user.is_active and not Membership.objects.filter(user=user).exists():
        user.is_active = False
        user.save(update_fields=["is_active"])


def _webhooks_told(organization_id: int, documents: list[dict]) -> None:
    for webhook_id in webhooks_of(organization_id=organization_id):
        for document in documents:
            webhook_event_task.delay(webhook_id, ROLE_VACATED, document, document["role"]["id"])
