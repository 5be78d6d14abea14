"""Members an "SSO only" organization's provider no longer accepts: they leave, as SCIM's leavers do.

In an organization whose members may only sign in through its provider, a person the provider
refuses (cxowner/sso/recheck.py: their account disabled, deleted or their sessions revoked) can
never come back in: they have left, whether or not the provider also speaks SCIM. So they go
through member_left with the provider as actor — roles vacant in the same transaction, tokens
revoked, admins told — and an account that belongs to no organization any more is deactivated,
which ends its sessions.

One guard: an answer that refuses most members at once looks like a change of the provider's
configuration (a new refresh-token policy, a re-created client), not a wave of departures, so
nobody is removed and the settings page says why (SSO_RECHECK_HOLD_AT).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cxowner.orgs.models import Membership
from cxowner.sso.errors import SsoRefused
from cxowner.sso.models import SingleSignOn, SsoIdentity
from cxowner.sso.recheck import ProviderAsker, Verdict
from cxowner.sso.selectors import identities_to_recheck, sso_to_recheck
from ownership.provisioning.leavers import account_closed_if_member_of_nothing, member_left

logger = logging.getLogger(__name__)


@dataclass
class Recheck:
    """What one check of a provider found."""

    accepted: int = 0
    left: list[str] = field(default_factory=list)  # who the provider refused, and who therefore left
    refused_held: list[str] = field(default_factory=list)  # refused, but too many at once to act on
    unreachable: int = 0
    uncheckable: int = 0
    failure: str = ""  # the provider could not be asked at all

    def summary(self) -> str:
        if self.failure:
            return f"The provider could not be asked: {self.failure}"
        parts = [f"{self.accepted} still accepted"]
        if self.left:
            parts.append(f"{len(self.left)} refused and removed ({', '.join(self.left[:5])})")
        if self.refused_held:
            parts.append(
                f"{len(self.refused_held)} refused at once, so nobody was removed: if they have left, "
                "remove them on the members page"
            )
        if self.unreachable:
            parts.append(f"{self.unreachable} without an answer (asked again next time)")
        if self.uncheckable:
            parts.append(f"{self.uncheckable} cannot be asked (no refresh token: they must sign in again)")
        return "; ".join(parts) + "."


def sso_recheck_all(*, surface: str, organization_slug: str | None = None) -> dict[str, Recheck]:
    """Every "SSO only" organization's provider asked about its members (or one organization's),
    by organization slug."""
    providers = [p for p in sso_to_recheck() if organization_slug in (None, p.organization.slug)]
    return {p.organization.slug: sso_members_recheck(single_sign_on=p, surface=surface) for p in providers}


def _too_many(refused: int, answered: int) -> bool:
    return refused >= settings.SSO_RECHECK_HOLD_AT and refused * 2 > answered


def sso_members_recheck(*, single_sign_on: SingleSignOn, surface: str) -> Recheck:
    """Ask the provider about every member it signed in; those it refuses leave (see the module)."""
    recheck = Recheck()
    try:
        asker = ProviderAsker(single_sign_on)
    except SsoRefused as refused:
        recheck.failure = refused.message
    else:
        refused: list[SsoIdentity] = []
        for identity in identities_to_recheck(single_sign_on):
            answer = asker.ask(identity)
            if answer.verdict is Verdict.ACCEPTED:
                recheck.accepted += 1
            elif answer.verdict is Verdict.REFUSED:
                refused.append(identity)
            elif answer.verdict is Verdict.UNREACHABLE:
                recheck.unreachable += 1
            else:
                recheck.uncheckable += 1
        if _too_many(len(refused), recheck.accepted + len(refused)):
            recheck.refused_held = [identity.user.get_username() for identity in refused]
            logger.warning("%s refused %d members at once; none removed", single_sign_on, len(refused))
        else:
            for identity in refused:
                if _refused_member_left(single_sign_on, identity, surface=surface):
                    recheck.left.append(identity.user.get_username())
    single_sign_on.rechecked_at = timezone.now()
    single_sign_on.recheck_summary = recheck.summary()[:500]
    single_sign_on.save(update_fields=["rechecked_at", "recheck_summary"])
    return recheck


@transaction.atomic
def _refused_member_left(single_sign_on: SingleSignOn, identity: SsoIdentity, *, surface: str) -> bool:
    membership = (
        Membership.objects.select_related("user")
        .filter(organization_id=single_sign_on.organization_id, user_id=identity.user_id)
        .first()
    )
    if membership is None:  # removed by someone else since the list was read
        return False
    actor = f"{single_sign_on.name} (SSO)"
    member_left(membership=membership, actor_label=actor, surface=surface, even_last_admin=True)
    # Their token is spent: a later sign-in, if the provider lets them in again, brings a new one.
    SsoIdentity.objects.filter(pk=identity.pk).update(refresh_token_encrypted="")
    account_closed_if_member_of_nothing(membership.user)
    return True
