"""A scenario's steps as they are stored and posted: a kind and its arguments as JSON, checked
into the engine's operations (ownership.engine.whatif) with a reason for every wrong value."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError

from ownership.engine.constants import parse_letters
from ownership.engine.whatif import (
    OPERATION_TYPES,
    MergeFunctions,
    MoveLetters,
    Operation,
    RemoveFunction,
    SetCells,
    SetRoleHolder,
)

MAX_CELLS_PER_OPERATION = 5000


def operation_from_data(kind: str, arguments: Mapping) -> Operation:
    """An operation from its stored (or posted) form; ValidationError naming what is wrong."""
    if kind not in OPERATION_TYPES:
        raise ValidationError({"kind": f"Unknown operation “{kind}”; use one of {', '.join(OPERATION_TYPES)}."})
    if not isinstance(arguments, Mapping):
        raise ValidationError({"arguments": "The arguments of an operation are an object."})

    def whole(name: str) -> int:
        value = arguments.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError({name: f"“{name}” is the id of a row (a whole number)."})
        return value

    match kind:
        case MergeFunctions.kind | MoveLetters.kind:
            return OPERATION_TYPES[kind](source_id=whole("source_id"), target_id=whole("target_id"))
        case RemoveFunction.kind:
            return RemoveFunction(function_id=whole("function_id"))
        case SetRoleHolder.kind:
            holder = arguments.get("holder_name", "")
            if not isinstance(holder, str) or len(holder) > 200:
                raise ValidationError({"holder_name": "A holder's name is text of at most 200 characters."})
            return SetRoleHolder(role_id=whole("role_id"), holder_name=holder.strip())
    return SetCells(cells=_cells_from_data(arguments.get("cells")))


def _cells_from_data(cells: object) -> tuple[tuple[int, int, str], ...]:
    if not isinstance(cells, list) or not cells:
        raise ValidationError({"cells": "Give the cells as a list of {touchpoint, function, letters}."})
    if len(cells) > MAX_CELLS_PER_OPERATION:
        raise ValidationError({"cells": f"At most {MAX_CELLS_PER_OPERATION} cells in one operation."})
    parsed: dict[tuple[int, int], str] = {}
    for index, cell in enumerate(cells, start=1):
        ids = [cell.get(name) if isinstance(cell, Mapping) else None for name in ("touchpoint", "function")]
        letters = cell.get("letters") if isinstance(cell, Mapping) else None
        if any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in ids) or not isinstance(letters, str):
            raise ValidationError({"cells": f"Cell {index}: give touchpoint and function ids and letters (text)."})
        try:
            wanted = parse_letters(letters)
        except ValueError as error:
            raise ValidationError({"cells": f"Cell {index}: {error}."}) from None
        parsed[(ids[0], ids[1])] = "".join(letter for letter in "RACI" if letter in wanted)
    return tuple((t, f, letters) for (t, f), letters in parsed.items())


def operation_data(operation: Operation) -> tuple[str, dict]:
    """The stored form: the operation's kind and its arguments as JSON."""
    if isinstance(operation, SetCells):
        cells = [{"touchpoint": t, "function": f, "letters": letters} for t, f, letters in operation.cells]
        return operation.kind, {"cells": cells}
    return operation.kind, {name: getattr(operation, name) for name in operation.__dataclass_fields__}
