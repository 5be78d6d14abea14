"""Reads about organizations and who may do what in them."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from .models import Membership, Organization

ROLE_RANK = {Membership.Role.VIEWER: 0, Membership.Role.EDITOR: 1, Membership.Role.ADMIN: 2}


def organizations_for(*, user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")


def membership_get(*, user, organization_slug: str) -> Membership:
    """The user's membership of the organization; 404 for outsiders, who may not learn it exists."""
    if not user.is_authenticated:
        raise Http404("No such organization")
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=organization_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organization")
    return membership


def members_of(*, organization_id: int) -> QuerySet[Membership]:
    """The organization's members with their users, by username: what pages list and offer."""
    return Membership.objects.filter(organization_id=organization_id).select_related("user").order_by("user__username")


def role_at_least(role: str, minimum: str) -> bool:
    return ROLE_RANK[Membership.Role(role)] >= ROLE_RANK[Membership.Role(minimum)]


def owner_user_get(*, username: str):
    """The user named to own a new organization (the commands' --owner); a clear error if none."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError(
            f"No user {username!r}: create one first (manage.py createsuperuser), or name an existing user."
        )
    return user
