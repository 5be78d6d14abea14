"""The refusals every layer shares: a write that lost a race with another writer.

They live in the lowest layer so that the API's shared base (cxowner.orgs.api) can turn them
into 412/409 answers without importing the apps built on top of it (journeys, ownership).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class CellChanged:
    """Who wrote a cell's letters last, when, and what they wrote, as the history records it."""

    by: str  # the actor's label: a username, a token's name; empty for the system
    at: datetime | None
    letters: str

    def words(self) -> str:
        """“by alice at 2026-05-04 14:02 UTC”."""
        who = self.by or "someone else"
        return f"by {who} at {localtime(self.at):%Y-%m-%d %H:%M %Z}" if self.at else f"by {who}"


@dataclass
class StaleCells(Exception):
    """Some cells changed since the writer read them; nothing was written.

    `current` holds their letters now; `changed` who wrote each last and when, where the history
    says (cxowner.orgs.versions.cells_last_changed fills it).
    """

    current: dict[Cell, frozenset[str]]
    changed: dict[Cell, CellChanged] = field(default_factory=dict)

    def __str__(self) -> str:
        latest = max((change for change in self.changed.values() if change.at), key=lambda c: c.at, default=None)
        if len(self.current) == 1 and latest:
            return f"The cell was changed {latest.words()} (now {latest.letters or 'empty'}); reload and try again"
        if latest:
            return f"{len(self.current)} cell(s) were changed since, last {latest.words()}; reload and try again"
        return f"{len(self.current)} cell(s) were changed by someone else; reload and try again"
