"""The refusals every layer shares: a write that lost a race with another writer.

They live in the lowest layer so that the API's shared base (cxowner.orgs.api) can turn them
into 412/409 answers without importing the apps built on top of it (journeys, ownership).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.text import capfirst
from django.utils.timezone import localtime

Cell = tuple[int, int]  # (touchpoint id, function id)


class StaleVersion(Exception):
    """The object changed since the writer read it; nothing was written.

    `obj` is the object as it is now, `version` its current version. `changed_by` and
    `changed_at` say who changed it last and when, as the history of changes recorded it
    (cxowner.orgs.versions reads them there): empty where the history does not say.
    Every versioned object refuses a stale write with this one error, which the API answers
    with 412 and the pages with `message()`.
    """

    def __init__(
        self,
        obj: models.Model,
        *,
        version: int | None = None,
        subject: str = "",
        changed_by: str = "",
        changed_at: datetime | None = None,
    ):
        self.obj = obj
        self.version = obj.version if version is None else version
        self.subject = subject or f"{capfirst(obj._meta.verbose_name)} “{obj}”"
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(f"{self.message()} (now version {self.version}); reload it and try again.")

    def message(self, subject: str = "") -> str:
        """“This gap was changed by alice at 2026-05-04 14:02 UTC”, or “… by someone else meanwhile”."""
        who = self.changed_by or "someone else"
        when = f"at {localtime(self.changed_at):%Y-%m-%d %H:%M %Z}" if self.changed_at else "meanwhile"
        return f"{subject or self.subject} was changed by {who} {when}"


@dataclass
class StaleCells(Exception):
    """Some cells changed since the writer read them; nothing was written."""

    current: dict[Cell, frozenset[str]]

    def __str__(self) -> str:
        return f"{len(self.current)} cell(s) were changed by someone else; reload and try again"
