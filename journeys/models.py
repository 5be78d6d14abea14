"""The customer's side: journeys, their ordered stages and the touchpoints inside them.

Each row carries its organization even where a parent implies it: the database then checks
that parent and child agree (see cxowner/orgs/sameorg.py), and one organization's matrix is
read without joins.
"""

from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from cxowner.orgs.named import NamedRow, name_rules
from cxowner.orgs.names import NAME_MAX_CHARS, name_key_field, one_line_validator


class Versioned(models.Model):
    """A row that writers update with UPDATE … WHERE version = n (optimistic concurrency)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Journey(NamedRow, Versioned):
    """A customer journey (acquisition, onboarding, service …), optionally for a persona."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="journeys")
    name = models.CharField(max_length=NAME_MAX_CHARS, validators=[one_line_validator])
    name_key = name_key_field()
    persona = models.CharField(max_length=200, blank=True, validators=[one_line_validator])
    description = models.TextField(blank=True)
    # Its manager (the role that answers for the whole journey) is ownership's JourneyOwner:
    # nothing here points up at the apps built on journeys.
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["organization", "position", "id"]
        constraints = [
            *name_rules("journey", parent="organization"),
            models.UniqueConstraint(fields=["id", "organization"], name="journey_id_organization"),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(NamedRow, Versioned):
    """An ordered step of a journey (Discover, Compare, Buy …)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=NAME_MAX_CHARS, validators=[one_line_validator])
    name_key = name_key_field()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["journey", "position", "id"]
        constraints = [
            *name_rules("stage", parent="journey", scope="in this journey"),
            models.UniqueConstraint(fields=["id", "journey"], name="stage_id_journey"),
        ]

    def __str__(self) -> str:
        return f"{self.journey} › {self.name}"


# A touchpoint's own details besides its name and place: what the API shows and edits, and what
# an import writes over (and its history compares).
TOUCHPOINT_DETAILS = ("channel", "description", "importance", "out_of_scope", "out_of_scope_reason")


class Touchpoint(NamedRow, Versioned):
    """An interaction inside a stage: the row of the RACI matrix."""

    # The database checks these three through the same-organization keys (ownership 0002,
    # cxowner/orgs/sameorg.py): (journey, organization) must be a journey's and (stage, journey) a
    # stage's. On PostgreSQL their single-column keys only repeated those checks for every
    # touchpoint written, as the organization's and journey's indexes repeated the first column of
    # touchpoint_org_id and touchpoint_unique_name_key (issue 23); they are gone there (journeys
    # 0007). SQLite keeps them.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="touchpoints", db_constraint=False, db_index=False
    )
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="touchpoints", db_constraint=False)
    name = models.CharField(max_length=NAME_MAX_CHARS, validators=[one_line_validator])
    name_key = name_key_field()
    position = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=100, blank=True, validators=[one_line_validator])
    description = models.TextField(blank=True)
    importance = models.PositiveSmallIntegerField(default=3)
    out_of_scope = models.BooleanField(default=False)
    out_of_scope_reason = models.CharField(max_length=500, blank=True, validators=[one_line_validator])

    class Meta:
        ordering = ["journey", "stage__position", "position", "id"]
        constraints = [
            *name_rules("touchpoint", parent="journey", scope="in this journey"),
            models.UniqueConstraint(fields=["id", "organization"], name="touchpoint_id_organization"),
            models.CheckConstraint(
                condition=Q(importance__gte=1, importance__lte=5), name="touchpoint_importance_1_to_5"
            ),
        ]
        # Keyset pages of one organization's touchpoints (the API's list) without scanning others'.
        indexes = [models.Index(fields=["organization", "id"], name="touchpoint_org_id")]

    def __str__(self) -> str:
        return self.name
