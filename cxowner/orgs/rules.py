"""The database's rules of a named row (journey, stage, touchpoint, function), built in one place.

Every named model states the same two rules about its name; building them here keeps them
alike. Each constraint keeps the name, fields, condition and message the migrations know.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .names import DUPLICATE_NAME, duplicate_name_message


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
