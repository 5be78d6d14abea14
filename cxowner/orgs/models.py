"""Organizations, the unit of isolation, and the members who work in them."""

from django.conf import settings
from django.db import models

from .names import OneLine, OneLineQuerySet, one_line_validator


class Organization(OneLine, models.Model):
    """A company modelled in cxowner. Every other object belongs to exactly one.

    The gap-rule thresholds live here because each organization tunes its own (docs/gap-rules.md).
    """

    name = models.CharField(max_length=200, validators=[one_line_validator])
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    responsible_limit = models.PositiveSmallIntegerField(
        default=3, help_text="More functions holding R than this is too_many_responsible."
    )
    consult_limit = models.PositiveSmallIntegerField(
        default=3, help_text="More functions holding C than this is consult_overload."
    )
    inform_limit = models.PositiveSmallIntegerField(
        default=5, help_text="More functions holding I than this is inform_overload."
    )
    bottleneck_min_touchpoints = models.PositiveIntegerField(
        default=10, help_text="accountability_bottleneck applies from this many touchpoints."
    )
    bottleneck_share = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=0.5,
        help_text="A function holding A on more than this share of touchpoints is a bottleneck.",
    )
    review_period_days = models.PositiveIntegerField(
        default=180, help_text="An A not confirmed for longer than this is stale_ownership."
    )
    # Bumped by every write to the matrix, with its open gaps (ownership.gaps.live): the ETag and
    # Last-Modified of the API's reads, and the moment the live gap state was last brought up to date.
    matrix_version = models.PositiveBigIntegerField(default=0, editable=False)
    matrix_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # How many touchpoints are in scope, kept by the same refresh: a cell edit's bottleneck check
    # reads it instead of counting 100k rows. Empty until first counted.
    in_scope_touchpoints = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = OneLineQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bottleneck_share__gt=0, bottleneck_share__lte=1),
                name="organization_bottleneck_share_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(review_period_days__gt=0), name="organization_review_period_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    """What a member may do in an organization; an API token and an invitation carry one too."""

    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


def role_rule(noun: str) -> models.CheckConstraint:
    """The database's check that a `role` field holds one of the MemberRole values."""
    return models.CheckConstraint(condition=models.Q(role__in=MemberRole.values), name=f"{noun}_role_valid")


class Membership(models.Model):
    """A user's role in one organization; a user may belong to several."""

    Role = MemberRole

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org"),
            role_rule("membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.organization}"

    @property
    def history_name(self) -> str:
        """How the history's summaries name the member (cxowner.orgs.history.object_record)."""
        return self.user.get_username()

    @property
    def can_edit(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.EDITOR}

    @property
    def can_manage(self) -> bool:
        return self.role == self.Role.ADMIN


class ApiToken(OneLine, models.Model):
    """An integration's key to one organization's API, with one role.

    Only a SHA-256 hash of the key is stored: the key is 32 random bytes, so a plain hash is
    as strong as a slow one and lets every request be checked in microseconds. The prefix is
    stored in clear to find the row; the key itself is shown once, when it is created.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=100, help_text="What the token is for (the HR sync, the BI tool …).", validators=[one_line_validator]
    )
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.VIEWER)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = OneLineQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "-created_at", "-id"]
        constraints = [
            role_rule("apitoken"),
            models.CheckConstraint(condition=~models.Q(name=""), name="apitoken_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.role} of {self.organization})"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Invitation(models.Model):
    """An admin's invitation to join an organization with a role, sent to an e-mail address.

    Members join only this way: the invitee follows the one-time link, then signs in or creates
    an account, and accepts. Only a SHA-256 hash of the link's token is stored.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "-created_at", "-id"]
        constraints = [
            role_rule("invitation"),
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} of {self.organization}"

    def is_open(self, now) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


# The record of changes lives in its own module; importing it here registers its models.
from .history import ChangeItem, ChangeSet  # noqa: E402
from .live import LiveEvent  # noqa: E402

__all__ = ["ApiToken", "ChangeItem", "ChangeSet", "Invitation", "LiveEvent", "Membership", "Organization"]
