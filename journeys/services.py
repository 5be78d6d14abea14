"""Write operations on journeys, stages and touchpoints.

Updates are optimistic: the writer names the version it read and the row changes only if it
still has it (UPDATE … WHERE version = n), so two editors can never overwrite each other.
Every change announces, inside its transaction, what it touched (`matrix_changed` with a
MatrixScope): the live gaps of that part are brought up to date before it commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Max

from cxowner.orgs.history import (
    Change,
    cell_emptied,
    history_ids,
    object_changes,
    object_created,
    object_deleted,
    object_record,
)
from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from cxowner.orgs.versions import versioned_update

from .models import Journey, Stage, Touchpoint


def _changed(organization_id: int, scope: MatrixScope) -> None:
    matrix_change_announce(organization_id=organization_id, scope=scope)


def change_scope(obj: models.Model, changes: dict[str, Any]) -> MatrixScope:
    """What a change to a journey, stage or touchpoint can affect among the gaps."""
    if isinstance(obj, Touchpoint):
        if "stage" in changes or "position" in changes:
            return MatrixScope.of("touchpoint", journeys=[obj.journey_id])
        # Names, importance and scope show in the touchpoint's own gaps and its two handoffs;
        # scope also changes how many touchpoints every function's share counts.
        return MatrixScope.of("touchpoint", touchpoints=[obj.pk], all_functions="out_of_scope" in changes)
    if isinstance(obj, Journey):
        return MatrixScope.of("journey", journeys=[obj.pk])
    if isinstance(obj, Stage) and "position" in changes:
        return MatrixScope.of("stage", journeys=[obj.journey_id])
    # A stage's name is in no finding; other models say for themselves (ownership.editor.services).
    return MatrixScope.of(obj._meta.model_name)


def matrix_object_update(
    *,
    obj: models.Model,
    version: int | None,
    scope: MatrixScope | None = None,
    write_related: Callable[[], list[Change]] | None = None,
    **changes: Any,
) -> models.Model:
    """Apply `changes` to a journey, stage, touchpoint, function, role or assignment if it is still
    at `version` (None: unconditionally); the live gaps hear of it and the history records it.

    Validates the result first (model and database constraints), then writes under the version
    (cxowner.orgs.versions: one UPDATE that also checks it, so no writer can slip in between).

    `write_related` writes what an app built on this one keeps about the object in rows of its
    own (a journey's manager is ownership's JourneyOwner). It runs after the UPDATE, so past
    the version check and under the row's lock, and before the change is announced; the
    changes it returns are recorded in the same change set. The object's version counts them.
    """
    before = {name: getattr(obj, name) for name in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean(validate_unique=True, validate_constraints=True)
    with transaction.atomic():
        versioned_update(obj, version=version, **changes)
        related = write_related() if write_related is not None else []
        _changed(obj.organization_id, scope or change_scope(obj, changes))
        object_record(obj=obj, action="update", changes=[*_field_changes(obj, before), *related])
    return obj


def _next_position(rows: models.QuerySet) -> int:
    return (rows.aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def _created(obj: models.Model) -> models.Model:
    obj.full_clean()
    obj.save()
    if isinstance(obj, Journey):
        scope = MatrixScope.of("journey", journeys=[obj.pk])
    elif isinstance(obj, Touchpoint):
        scope = MatrixScope.of("touchpoint", touchpoints=[obj.pk], all_functions=not obj.out_of_scope)
    else:
        scope = MatrixScope.of("stage")  # an empty stage changes no finding
    _changed(obj.organization_id, scope)
    object_record(obj=obj, action="create", changes=[object_created(obj)])
    return obj


@transaction.atomic
def _deleted(obj: models.Model, touchpoints: models.QuerySet[Touchpoint], scope: MatrixScope) -> None:
    """Delete a journey, stage or touchpoint, recorded before it goes with the touchpoints it
    takes along and their letters: each touchpoint's history shows its cells emptied."""
    organization_locked(obj.organization_id)
    changes = [object_deleted(obj)]
    cells: dict[tuple[int, int], list[str]] = {}
    gone: dict[int, tuple[int, str]] = {}
    rows = touchpoints.values_list("pk", "journey_id", "name", "assignments__function_id", "assignments__letter")
    for touchpoint_id, journey_id, name, function_id, letter in rows:
        gone[touchpoint_id] = (journey_id, name)
        if function_id is not None:
            cells.setdefault((touchpoint_id, function_id), []).append(letter)
    if not isinstance(obj, Touchpoint):
        changes += [
            Change("touchpoint", pk, "", {"name": name}, None, journey_id=journey_id, touchpoint_id=pk)
            for pk, (journey_id, name) in sorted(gone.items())
        ]
    changes += [
        cell_emptied(letters, journey_id=gone[t][0], touchpoint_id=t, function_id=f)
        for (t, f), letters in sorted(cells.items())
    ]
    object_record(obj=obj, action="delete", changes=changes)
    obj.delete()
    _changed(obj.organization_id, scope)


def journey_create(*, organization: Organization, name: str, persona: str = "", description: str = "") -> Journey:
    journey = Journey(
        organization=organization,
        name=name.strip(),
        persona=persona.strip(),
        description=description,
        position=_next_position(Journey.objects.filter(organization=organization)),
    )
    return _created(journey)


def journey_update(*, journey: Journey, version: int | None, **changes: Any) -> Journey:
    return matrix_object_update(obj=journey, version=version, **changes)


def journey_delete(*, journey: Journey) -> None:
    # Its gaps lose their journey and are resolved as orphans; the functions' shares change.
    _deleted(journey, Touchpoint.objects.filter(journey=journey), MatrixScope.of("journey", all_functions=True))


def stage_create(*, journey: Journey, name: str) -> Stage:
    stage = Stage(
        organization_id=journey.organization_id,
        journey=journey,
        name=name.strip(),
        position=_next_position(journey.stages.all()),
    )
    return _created(stage)


def stage_update(*, stage: Stage, version: int | None, **changes: Any) -> Stage:
    return matrix_object_update(obj=stage, version=version, **changes)


@transaction.atomic
def stage_move(*, stage: Stage, position: int) -> Stage:
    """Put the stage at `position` (1-based) among its journey's stages, renumbering the rest."""
    before = {"position": stage.position}
    _placed(stage, Stage.objects.filter(journey_id=stage.journey_id), position)
    return _moved(stage, before, MatrixScope.of("stage", journeys=[stage.journey_id]))


def stage_delete(*, stage: Stage) -> None:
    """Delete the stage with its touchpoints and their letters."""
    scope = MatrixScope.of("stage", journeys=[stage.journey_id], all_functions=True)
    _deleted(stage, Touchpoint.objects.filter(stage=stage), scope)


def touchpoint_create(
    *,
    stage: Stage,
    name: str,
    channel: str = "",
    description: str = "",
    importance: int = 3,
    out_of_scope: bool = False,
    out_of_scope_reason: str = "",
) -> Touchpoint:
    touchpoint = Touchpoint(
        organization_id=stage.organization_id,
        journey_id=stage.journey_id,
        stage=stage,
        name=name.strip(),
        channel=channel,
        description=description,
        importance=importance,
        out_of_scope=out_of_scope,
        out_of_scope_reason=out_of_scope_reason if out_of_scope else "",
        position=_next_position(stage.touchpoints.all()),
    )
    return _created(touchpoint)


def touchpoint_update(*, touchpoint: Touchpoint, version: int | None, **changes: Any) -> Touchpoint:
    if changes.get("out_of_scope") is False:
        changes.setdefault("out_of_scope_reason", "")
    if "stage" in changes and changes["stage"].journey_id != touchpoint.journey_id:
        raise ValidationError({"stage": "A touchpoint can only move to a stage of its own journey."})
    return matrix_object_update(obj=touchpoint, version=version, **changes)


@transaction.atomic
def touchpoint_move(*, touchpoint: Touchpoint, stage: Stage | None = None, position: int) -> Touchpoint:
    """Put the touchpoint at `position` (1-based) in `stage` (default: its own), renumbering."""
    stage = stage or touchpoint.stage
    if stage.journey_id != touchpoint.journey_id:
        raise ValidationError({"stage": "A touchpoint can only move to a stage of its own journey."})
    before = {"stage_id": touchpoint.stage_id, "position": touchpoint.position}
    touchpoint.stage = stage
    _placed(touchpoint, Touchpoint.objects.filter(stage=stage), position)
    Touchpoint.objects.filter(pk=touchpoint.pk).update(stage=stage, version=F("version") + 1)
    return _moved(touchpoint, before, MatrixScope.of("touchpoint", journeys=[touchpoint.journey_id]))


def touchpoint_delete(*, touchpoint: Touchpoint) -> None:
    scope = MatrixScope.of("touchpoint", journeys=[touchpoint.journey_id], all_functions=True)
    _deleted(touchpoint, Touchpoint.objects.filter(pk=touchpoint.pk), scope)


def _moved(obj: models.Model, before: dict[str, Any], scope: MatrixScope) -> models.Model:
    """Announce a stage or touchpoint placed anew and record where it was and where it is."""
    _changed(obj.organization_id, scope)
    obj.refresh_from_db()
    object_record(obj=obj, action="move", changes=_field_changes(obj, before))
    return obj


def _field_changes(obj: models.Model, before: dict[str, Any]) -> list[Change]:
    """The fields named in `before` whose values the object no longer has, for its history."""
    after = {name: getattr(obj, name) for name in before}
    return object_changes(
        object_type=obj._meta.model_name, object_id=obj.pk, before=before, after=after, **history_ids(obj)
    )


def _placed(obj: models.Model, siblings: models.QuerySet, position: int) -> None:
    """Put `obj` at `position` (1-based, kept within bounds) among `siblings`, locked, and renumber them all."""
    rows = list(rows_locked(siblings.exclude(pk=obj.pk), no_key=True))
    rows.sort(key=lambda row: (row.position, row.id))
    rows.insert(min(max(position, 1), len(rows) + 1) - 1, obj)
    for number, row in enumerate(rows, start=1):
        row.position = number
    type(obj).objects.bulk_update(rows, ["position"])
