"""The company's side: functions, roles, RACI assignments, and the audits that check them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from cxowner.orgs.named import NamedRow, name_rules
from cxowner.orgs.names import NAME_MAX_CHARS, OneLine, OneLineQuerySet, name_key_field, one_line_validator
from journeys.models import Journey, Touchpoint, Versioned
from ownership.engine.constants import LETTERS


class Function(NamedRow, Versioned):
    """A department (Marketing, Customer Service …): a column of the matrix."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="functions")
    name = models.CharField(max_length=NAME_MAX_CHARS, validators=[one_line_validator])
    # Also the function's column header in the matrix file, read by the same normal form.
    name_key = name_key_field()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["organization", "position", "id"]
        constraints = [
            *name_rules("function", parent="organization"),
            models.UniqueConstraint(fields=["id", "organization"], name="function_id_organization"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(OneLine, Versioned):
    """A position inside a function (CMO, Journey manager – Service); vacant without a holder."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200, validators=[one_line_validator])
    holder_name = models.CharField(max_length=200, blank=True, validators=[one_line_validator])
    holder_email = models.EmailField(blank=True)
    # The holder as a member of the organization, when they are one: the name and e-mail stay
    # the record of who holds the role (they outlive a member who leaves).
    holder_member = models.ForeignKey(
        "orgs.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_roles",
        help_text="The member of the organization who holds the role, if the holder is one.",
    )

    objects = OneLineQuerySet.as_manager()

    class Meta:
        ordering = ["function__position", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["function", "title"], name="role_unique_title"),
            models.UniqueConstraint(fields=["id", "organization"], name="role_id_organization"),
            models.UniqueConstraint(fields=["id", "function"], name="role_id_function"),
            models.CheckConstraint(condition=~Q(title=""), name="role_title_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.holder_name or 'vacant'})"

    @property
    def is_vacant(self) -> bool:
        return not self.holder_name

    def clean(self) -> None:
        if self.holder_member_id is not None and self.holder_member.organization_id != self.organization_id:
            raise ValidationError({"holder_member": "The holder must be a member of this organization."})


class JourneyOwner(models.Model):
    """The journey manager: the role that answers for a whole journey (at most one per journey).

    A row on the ownership side rather than a field of the journey, so that the foreign keys run
    one way (cxowner.orgs ← journeys ← ownership). The journey's version still counts its owner:
    ownership.structure.services.journey_owner_set bumps it, so a stale write is refused the same way.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    journey = models.OneToOneField(Journey, on_delete=models.CASCADE, related_name="owner_link")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="journey_owners")

    def __str__(self) -> str:
        return f"{self.role} manages {self.journey}"


class Assignment(Versioned):
    """One RACI letter held by one function on one touchpoint.

    Two Accountables on a touchpoint is a finding the product must report, so nothing forbids
    it; the same letter twice for one function is meaningless, so the database refuses it.
    """

    # The database checks these three through the same-organization keys (ownership 0002,
    # cxowner/orgs/sameorg.py): (touchpoint, organization) must be a touchpoint's and (function,
    # organization) a function's, so neither can name a missing row or another organization's.
    # On PostgreSQL their single-column keys only repeated those checks for every letter written,
    # and their indexes the first column of the composite ones below (issue 23: seconds of a
    # 100k-row import); they are gone there (ownership 0023). SQLite keeps them.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="assignments", db_constraint=False, db_index=False
    )
    function = models.ForeignKey(
        Function, on_delete=models.CASCADE, related_name="assignments", db_constraint=False, db_index=False
    )
    letter = models.CharField(max_length=1, choices=[(letter, letter) for letter in LETTERS])
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        help_text="The role of this function that carries the letter.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the owner last confirmed this assignment still holds."
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["touchpoint", "function", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint", "function", "letter"], name="assignment_one_letter_per_function"
            ),
            models.CheckConstraint(condition=Q(letter__in=LETTERS), name="assignment_letter_raci"),
        ]
        indexes = [
            models.Index(fields=["organization", "letter"], name="assignment_org_letter"),
            models.Index(fields=["organization", "id"], name="assignment_org_id"),
            # How many A a function holds, by index only: the live bottleneck check of a cell edit.
            models.Index(fields=["function", "letter"], name="assignment_function_letter"),
        ]

    def __str__(self) -> str:
        return f"{self.function} {self.letter} on {self.touchpoint}"

    @property
    def history_name(self) -> str:
        """How the history's summaries name the letter: "A of Finance on Cashier"."""
        return f"{self.letter} of {self.function} on {self.touchpoint}"
