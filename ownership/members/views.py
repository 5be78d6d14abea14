"""The members and API tokens pages (under Settings): invite, withdraw, change a member's role,
remove; add and revoke tokens."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.timezone import now

from cxowner.orgs import services as org_services
from cxowner.orgs.invitations import invitation_create, invitation_revoke
from cxowner.orgs.models import ApiToken, Invitation, Membership
from cxowner.orgs.selectors import members_of
from cxowner.orgs.views import accept_url_pattern
from cxowner.shown_once import shown_once_keep, shown_once_take
from cxowner.views import form_write, org_object, org_view, render_org, write_and_say
from ownership.members.forms import InvitationForm, MemberRoleForm, ScimGroupForm, TokenForm
from ownership.models import Role, ScimGroup
from ownership.provisioning.groups import scim_group_update
from ownership.provisioning.leavers import Leave, member_left

ADMIN = Membership.Role.ADMIN


# Members and tokens (admins) -----------------------------------------------------------------
def _members_page(request, membership, invite_form=None, token_form=None, new_key=None, status=200) -> HttpResponse:
    organization = membership.organization
    members = list(members_of(organization_id=organization.pk))
    return render_org(
        request,
        membership,
        "ownership/members.html",
        {
            "nav": "members",
            "members": members,
            # The last admin can be neither demoted nor removed: the page says so beside them.
            "admin_count": sum(1 for member in members if member.role == Membership.Role.ADMIN),
            "tokens": organization.api_tokens.order_by("-created_at", "-id"),
            "invite_form": invite_form or InvitationForm(),
            "invitations": Invitation.objects.filter(
                organization=organization, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now()
            ).order_by("-id"),
            "token_form": token_form or TokenForm(),
            "role_choices": Membership.Role.choices,
            "new_key": new_key,
            "scim_root": request.build_absolute_uri(f"/scim/v2/o/{organization.slug}"),
            "scim_groups": ScimGroup.objects.filter(organization=organization).annotate(
                member_count=Count("memberships")
            ),
            "roles": Role.objects.filter(organization=organization).select_related("function"),
        },
        status,
    )


@org_view(ADMIN)
def members(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    return _members_page(request, membership, new_key=_new_key(request, membership))


def _new_key(request, membership) -> dict | None:
    """The key token_add kept for this page, with its token: shown on this one answer only."""
    kept = shown_once_take(request, organization=membership.organization, kind="api-key")
    token = kept and ApiToken.objects.filter(organization=membership.organization, pk=kept["token_id"]).first()
    return {"token": token, "key": kept["key"]} if token else None


@org_view(ADMIN, "POST")
def member_invite(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = InvitationForm(request.POST)
    invited = form_write(
        form,
        lambda data: invitation_create(
            organization=membership.organization,
            invited_by=request.user,
            accept_url=accept_url_pattern(request),
            **data,
        ),
    )
    if invited is None:
        return _members_page(request, membership, invite_form=form, status=400)
    invitation, token = invited
    if invitation.mail_sent is False:
        # The invitation stands: the admin passes its link on, since the e-mail did not go out.
        link = accept_url_pattern(request).replace("{token}", token)
        messages.warning(
            request,
            f"Invitation made, but the e-mail to {invitation.email} could not be sent. "
            f"Pass this one-time link on yourself: {link}",
        )
        return redirect("ownership:members", org=org)
    # The same words whether or not the address belongs to someone: nothing to probe.
    messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return redirect("ownership:members", org=org)


@org_view(ADMIN, "POST")
def invitation_withdraw(request: HttpRequest, membership: Membership, org: str, invitation_id: int) -> HttpResponse:
    invitation = org_object(membership, Invitation, invitation_id)
    invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("ownership:members", org=org)


@org_view(ADMIN, "POST")
def member_role(request: HttpRequest, membership: Membership, org: str, member_id: int) -> HttpResponse:
    target = org_object(membership, Membership, member_id)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        role = form.cleaned_data["role"]
        write_and_say(
            request,
            partial(org_services.membership_set_role, membership=target, role=role),
            done=lambda _: f"{target.user.username} is now {role}.",
        )
    return redirect("ownership:members", org=org)


@org_view(ADMIN, "POST")
def member_remove(request: HttpRequest, membership: Membership, org: str, member_id: int) -> HttpResponse:
    target = org_object(membership, Membership.objects.select_related("user"), member_id)
    # The same way out as a leaver the identity provider removes: their roles fall vacant.
    leave = partial(
        member_left, membership=target, actor_label=request.user.get_username(), surface="browser", user=request.user
    )
    write_and_say(request, leave, done=lambda left: _left_words(target, membership, left))
    return redirect("ownership:members", org=org)


def _left_words(target: Membership, membership: Membership, left: Leave) -> str:
    words = f"{target.user.username} no longer belongs to {membership.organization}."
    if left.vacated:
        titles = ", ".join(f"“{document['role']['title']}”" for document in left.vacated)
        words += f" Vacant now: {titles}; the admins are told."
    return words


@org_view(ADMIN, "POST")
def token_add(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = TokenForm(request.POST)
    made = form_write(
        form,
        lambda data: org_services.token_create(organization=membership.organization, created_by=request.user, **data),
    )
    if made is None:
        return _members_page(request, membership, token_form=form, status=400)
    token, key = made
    # The key is never stored with the token: the page after the redirect shows it once.
    kept = {"token_id": token.pk, "key": key}
    shown_once_keep(request, organization=membership.organization, kind="api-key", value=kept)
    return redirect("ownership:members", org=org)


@org_view(ADMIN, "POST")
def token_revoke(request: HttpRequest, membership: Membership, org: str, token_id: int) -> HttpResponse:
    token = org_object(membership, ApiToken, token_id)
    org_services.token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("ownership:members", org=org)


@org_view(ADMIN, "POST")
def scim_group_map(request: HttpRequest, membership: Membership, org: str, group_id: int) -> HttpResponse:
    """An identity provider's group: the membership role it gives and the role its member holds."""
    group = org_object(membership, ScimGroup, group_id)
    form = ScimGroupForm(request.POST, organization=membership.organization)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("ownership:members", org=org)
    write_and_say(
        request,
        partial(scim_group_update, group=group, **form.cleaned_data),
        done=f"The group “{group.display_name}” is mapped.",
    )
    return redirect("ownership:members", org=org)
