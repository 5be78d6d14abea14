"""Columns before the activity that are not functions: the ones grouping rows into stages, and the
ones describing each activity (priority, status …), which stay out of the functions even empty."""

from __future__ import annotations

from ownership.imports.tables.cells import header_key
from ownership.imports.tables.layout import ColumnValues, Role

# Columns that describe each activity: never its stage, never a function, even when empty.
DESCRIPTOR_WORDS = frozenset(
    {"priority", "importance", "status", "due", "date", "deadline", "frequency", "effort", "severity",
     "comment", "comments", "notes", "note", "remarks", "duration", "estimate"}
)  # fmt: skip


_GROUP_WORDS = frozenset(
    {"level", "phase", "stage", "area", "category", "group", "section", "domain", "workstream", "theme", "module",
     "epic", "capability", "step group", "track", "pillar", "process area", "lifecycle"}
)  # fmt: skip


def grouping_stage(
    headers: list[str], roles: dict[int, Role], activity: int, values: list[ColumnValues], notes: list[str]
) -> None:
    """A text column before the activity that groups its rows ("Level / Phase" repeating Business,
    System; "Key Management Area" written once per group, blank below) is the stage."""
    for index in range(activity - 1, -1, -1):
        if roles.get(index) != Role.NOTE:
            continue
        words = set(header_key(headers[index]).replace("/", " ").split())
        if words & DESCRIPTOR_WORDS:
            continue
        if values[index].groups() or (words & _GROUP_WORDS and values[index].filled):
            roles[index] = Role.STAGE
            notes.append(
                f"Column '{headers[index] or f'column {index + 1}'}' groups the activities: read as their stage"
            )
            return


def describes(header: str) -> bool:
    """'Priority', 'PRIORITY', 'Due date': a column describing each activity."""
    return bool(set(header_key(header).replace("/", " ").split()) & DESCRIPTOR_WORDS)
