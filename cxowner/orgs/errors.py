"""The refusals every layer shares: a write that lost a race with another writer.

They live in the lowest layer so that the API's shared base (cxowner.orgs.api) can turn them
into 412/409 answers without importing the apps built on top of it (journeys, ownership).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

Cell = tuple[int, int]  # (touchpoint id, function id)


class StaleVersion(Exception):
    """The row changed since the writer read it; nothing was written."""

    def __init__(self, obj: models.Model):
        self.obj = obj
        super().__init__(f"{obj._meta.verbose_name} “{obj}” was changed by someone else (now version {obj.version})")


@dataclass
class StaleCells(Exception):
    """Some cells changed since the writer read them; nothing was written."""

    current: dict[Cell, frozenset[str]]

    def __str__(self) -> str:
        return f"{len(self.current)} cell(s) were changed by someone else; reload and try again"
