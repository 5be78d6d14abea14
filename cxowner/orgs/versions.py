"""Writing under a version: the one way every versioned object refuses a write that lost a race.

A versioned row (journey, stage, touchpoint, function, role, assignment, gap, webhook, report
schedule, review campaign, scenario) carries a `version` that every write moves on. A writer
names the version it read, and the write happens only if the row is still at it; otherwise it
is refused with StaleVersion (cxowner.orgs.errors), which carries the current version and who
changed the row last and when, read from the history of changes (cxowner.orgs.history).

`versioned_update` compares and sets in ONE statement, `UPDATE … SET …, version = version + 1
WHERE id = %s AND version = %s`, rather than reading the row under a lock and then writing it:
no other writer can come between the check and the write on any database (SQLite takes no row
locks at all), a write that wins costs one round trip, and no lock is held while the caller
thinks. The UPDATE also holds the row until commit, so a service that writes more than the
row's own columns (a scenario's steps, a campaign's outcomes) claims the version first and
writes the rest after it: a second writer waits, then finds the version moved on.

Two kinds of write must hold the row before they start, and lock it, then check the version of
what they hold (`version_check`; `versioned_lock` does both for one row): a delete, which must
take the strongest lock before an audit's KEY SHARE locks can slip in (cxowner/orgs/locks.py),
and a change that locks many rows in a fixed order (a column moved among all the columns).

What has no counter of its own — the organization's rule settings, the audit schedule (a row of
django-celery-beat), a journey's matrix — has a fingerprint of its content as its version
(`version_fingerprint`): a whole number like every other version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from .errors import Cell, CellChanged, StaleVersion
from .history import MADE_WITH_CELLS, ChangeItem, ChangeSet
from .locks import rows_locked

M = TypeVar("M", bound=models.Model)

# The largest version a client may send back: every JSON reader keeps integers up to 2**53 exact.
MAX_VERSION = 2**53 - 1


def versioned_update(
    instance: M,
    *,
    version: int | None,
    where: Mapping[str, Any] | None = None,
    refuse: Callable[[M], None] | None = None,
    **changes: Any,
) -> M:
    """Write `changes` to the row of `instance` if it is still at `version` (None: at whatever
    version it is), and move its version on; `instance` is refreshed from the row and returned.

    `where` narrows the rows that may change (a campaign still open, a gap not resolved). When
    nothing was written, `refuse` is called with the row as it is now, to raise the refusal that
    explains it, before the versions are compared. Raises StaleVersion if the row is at another
    version, ValidationError if it no longer exists. Validating `changes` is the caller's.
    """
    model = type(instance)
    rows = model._base_manager.filter(pk=instance.pk, **(where or {}))
    if version is not None:
        rows = rows.filter(version=version)
    if not rows.update(**changes, version=F("version") + 1):
        current = model._base_manager.filter(pk=instance.pk).first()
        if current is None:
            raise gone(model)
        if refuse is not None:
            refuse(current)
        if version is None or current.version == version:
            raise ValidationError(f"This {model._meta.verbose_name} cannot be changed now.")
        raise stale_version(current)
    instance.refresh_from_db()
    return instance


def versioned_lock(instance: M, *, version: int | None) -> M:
    """The row of `instance`, locked FOR UPDATE until commit, if it is still at `version` (None: any).

    What a delete starts with; where cxowner/orgs/locks.py says so, the caller has taken the
    organization's lock first. ValidationError if the row no longer exists.
    """
    model = type(instance)
    current = rows_locked(model._base_manager.filter(pk=instance.pk)).first()
    if current is None:
        raise gone(model)
    return version_check(current, version=version)


def version_check(
    current: M,
    *,
    version: int | None,
    current_version: int | None = None,
    subject: str = "",
    recorded_as: tuple[str, int] | None = None,
) -> M:
    """`current`, just read, if it is at `version` (None: any); else StaleVersion. A caller that
    writes after the check holds the row locked, so the version cannot move in between.

    For an object whose version is a fingerprint, `current_version` is that fingerprint,
    `subject` names the object in the refusal and `recorded_as` is how the history knows it.
    """
    at = current.version if current_version is None else current_version
    if version is not None and at != version:
        raise stale_version(current, version=at, subject=subject, recorded_as=recorded_as)
    return current


def gone(model: type[models.Model]) -> ValidationError:
    return ValidationError(f"This {model._meta.verbose_name} no longer exists.")


def stale_version(
    current: models.Model,
    *,
    version: int | None = None,
    subject: str = "",
    recorded_as: tuple[str, int] | None = None,
) -> StaleVersion:
    """The refusal of a write to `current`, with who changed it last and when."""
    change = last_change(current, recorded_as=recorded_as)
    return StaleVersion(
        current,
        version=version,
        subject=subject,
        changed_by=change.actor_label if change else "",
        changed_at=change.created_at if change else None,
    )


def last_change(obj: models.Model, *, recorded_as: tuple[str, int] | None = None) -> ChangeSet | None:
    """The last change set recorded for `obj`; None where the history records none (gaps and
    scenarios are not recorded there: their refusals say "someone else").

    `recorded_as` is the (object type, id) the history knows the object by, where that is not
    its model's name and id. A touchpoint's cells count as changes to it, since a cell write
    moves the touchpoint's version. Both reads have an index of their own (ChangeItem.Meta).
    """
    object_type, object_id = recorded_as or (obj._meta.model_name, obj.pk)
    wanted = Q(object_type=object_type, object_id=object_id)
    if recorded_as is None and object_type == "touchpoint":
        wanted |= Q(object_type="cell", touchpoint_id=obj.pk)
    item = ChangeItem.objects.filter(wanted).select_related("change_set").order_by("-id").first()
    return item.change_set if item else None


# A refused batch names the writers of its first few cells: a lookup each, on the touchpoint's index.
CELLS_NAMED = 10


def cells_last_changed(cells: Iterable[Cell], *, limit: int = CELLS_NAMED) -> dict[Cell, CellChanged]:
    """Who last wrote each cell's letters, when, and what (the first `limit` cells, in order).

    A cell's letters are recorded as a "cell" item, or, for a touchpoint an operation made with
    its letters (an import), in the touchpoint's own item (cxowner.orgs.history.MADE_WITH_CELLS).
    A cell the history knows nothing of is left out.
    """
    found: dict[Cell, CellChanged] = {}
    for touchpoint_id, function_id in sorted(set(cells))[:limit]:
        wanted = Q(object_type="cell", function_id=function_id) | Q(object_type="touchpoint", field="")
        items = ChangeItem.objects.filter(wanted, touchpoint_id=touchpoint_id).select_related("change_set")
        for item in items.order_by("-id")[:20]:
            if item.object_type == "cell":
                letters = item.after or ""
            elif isinstance(item.after, dict) and str(function_id) in item.after.get(MADE_WITH_CELLS, {}):
                letters = item.after[MADE_WITH_CELLS][str(function_id)]
            else:
                continue
            change = item.change_set
            found[(touchpoint_id, function_id)] = CellChanged(change.actor_label, change.created_at, letters)
            break
    return found


def version_fingerprint(text: str) -> int:
    """The version of something with no counter of its own: 48 bits of its content's SHA-256, from 1."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big") + 1
