"""Write operations on journeys, stages and touchpoints.

Updates are optimistic: the writer names the version it read and the row changes only if it
still has it (UPDATE … WHERE version = n), so two editors can never overwrite each other.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F

from .models import Touchpoint


class StaleVersion(Exception):
    """The row changed since the writer read it; nothing was written."""

    def __init__(self, obj: models.Model):
        self.obj = obj
        super().__init__(f"{obj._meta.verbose_name} “{obj}” was changed by someone else (now version {obj.version})")


def versioned_update(*, obj: models.Model, version: int | None, **changes: Any) -> models.Model:
    """Apply `changes` to `obj` if it is still at `version` (None: unconditionally).

    Validates the result first (model and database constraints), then writes in one UPDATE
    that also checks the version, so a concurrent writer cannot slip in between.
    """
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean(validate_unique=True, validate_constraints=True)
    model = type(obj)
    with transaction.atomic():
        rows = model.objects.filter(pk=obj.pk)
        if version is not None:
            rows = rows.filter(version=version)
        updated = rows.update(**changes, version=F("version") + 1)
        if not updated:
            current = model.objects.filter(pk=obj.pk).first()
            if current is None:
                raise ValidationError(f"{model._meta.verbose_name} no longer exists.")
            raise StaleVersion(current)
    obj.refresh_from_db()
    return obj


def touchpoint_update(*, touchpoint: Touchpoint, version: int | None, **changes: Any) -> Touchpoint:
    if changes.get("out_of_scope") is False:
        changes.setdefault("out_of_scope_reason", "")
    return versioned_update(obj=touchpoint, version=version, **changes)
