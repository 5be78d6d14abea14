"""A named row (journey, stage, touchpoint, function): its key kept in step, its rules built once.

Every named model declares `name` and `name_key` itself (the fields keep their order) and
states the same two rules about its name; building them here keeps them alike. Each constraint
keeps the name, fields, condition and message the migrations know.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .names import DUPLICATE_NAME, NamedQuerySet, NameKeyed, duplicate_name_message


class NamedRow(NameKeyed, models.Model):
    """A row people know by its name: the key follows the name on save and on bulk writes alike."""

    objects = NamedQuerySet.as_manager()

    class Meta:
        abstract = True


def name_rules(noun: str, *, parent: str, scope: str = "") -> list[models.BaseConstraint]:
    """A named row's name: not empty, and its key (cxowner.orgs.names) unique within `parent`.

    `noun` is the model's name in lower case: it names the constraints and the error message.
    """
    return [
        models.UniqueConstraint(
            fields=[parent, "name_key"],
            name=f"{noun}_unique_name_key",
            violation_error_message=duplicate_name_message(noun, scope),
            violation_error_code=DUPLICATE_NAME,
        ),
        models.CheckConstraint(condition=~Q(name=""), name=f"{noun}_name_not_empty"),
    ]
