"""What-if scenarios and their operations."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from cxowner.orgs.names import (
    NAME_MAX_CHARS,
    OneLine,
    OneLineQuerySet,
    one_line_validator,
)
from journeys.models import Versioned


class Scenario(OneLine, Versioned):
    """A named what-if draft of the organization's matrix, kept apart from the live one.

    It stores operations, not a copy: its matrix is the live matrix with them replayed
    (ownership/scenarios/services.py). `base` is the state, when each step was drawn, of what the
    steps touch (ownership/engine/footprint.py): applying is refused once one of those rows has
    changed, until the scenario is rebased; changes elsewhere never block it.
    `base_matrix_version` is the live matrix it was drawn (or last rebased) on.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPLIED = "applied", "Applied"
        DISCARDED = "discarded", "Discarded"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=NAME_MAX_CHARS, validators=[one_line_validator])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    base_matrix_version = models.BigIntegerField()
    base = models.JSONField(
        default=dict, blank=True, help_text="The state of the cells, functions and roles its steps touch, as drawn."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was applied or discarded.")
    change_set = models.ForeignKey(
        "orgs.ChangeSet",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The change that applied it to the live matrix.",
    )

    objects = OneLineQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "-updated_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="scenario_name_not_empty")]
        indexes = [models.Index(fields=["organization", "status"], name="scenario_org_status")]

    def __str__(self) -> str:
        return self.name


class ScenarioOperationKind(models.TextChoices):
    """The operations of ownership.engine.whatif, by the `kind` each one carries."""

    MERGE_FUNCTIONS = "merge_functions", "Merge functions"
    REMOVE_FUNCTION = "remove_function", "Remove a function"
    SET_ROLE_HOLDER = "set_role_holder", "Change a role's holder"
    MOVE_LETTERS = "move_letters", "Move all letters"
    SET_CELLS = "set_cells", "Edit cells"


class ScenarioOperation(models.Model):
    """One step of a scenario, in order: its kind and its arguments (ownership.engine.whatif's operations)."""

    Kind = ScenarioOperationKind

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="operations")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=ScenarioOperationKind.choices)
    arguments = models.JSONField()
    # In words, with the names it had when it was added: after the scenario is applied, the
    # functions it names may be gone from the live matrix.
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["scenario", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "position"], name="scenariooperation_unique_position"),
            models.CheckConstraint(
                condition=Q(kind__in=ScenarioOperationKind.values), name="scenariooperation_known_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.arguments}"
