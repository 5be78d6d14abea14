"""What a scenario's apply names when what it touched changed: each changed row in words.

The footprint (ownership.engine.footprint) finds which touched rows differ from the base the
scenario recorded; this names them for the refusal, with today's names where the row still
exists and the base's where it does not. No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ownership.engine.snapshot import OrgSnapshot

if TYPE_CHECKING:
    from ownership.engine.footprint import Base

UNKNOWN = object()  # what a base recorded before it knew a row answers this


@dataclass(frozen=True)
class Changed:
    """One touched row whose state differs from the base: what to name and how it changed.

    `key` is how the history knows it: ("cell", touchpoint id, function id) or ("function" |
    "role", id). In words: "{subject} {verb} by … at … ({detail})"."""

    key: tuple
    subject: str
    verb: str = "was changed"
    detail: str = ""


class ChangeWords:
    """Names for the refusal: today's where the row still exists, else the base's."""

    def __init__(self, base: Base, snapshot: OrgSnapshot):
        self.base, self.snapshot = base, snapshot
        self.touchpoints = {t.id: t for t in snapshot.touchpoints}

    def function_name(self, function_id: int) -> str:
        row = self.snapshot.function_by_id.get(function_id)
        if row:
            return row.name
        was = self.base.functions.get(function_id)
        return was if isinstance(was, str) else f"a deleted function (#{function_id})"

    def function(self, f: int, was, now) -> Changed:
        key = ("function", f)
        if was is UNKNOWN:
            return Changed(key, f"the function {self.function_name(f)}")
        if now is None:
            return Changed(key, f"the function {was}", "was deleted")
        if was is None:
            return Changed(key, f"the function {now}", "was created")
        return Changed(key, f"the function {was}", f"was renamed to {now}")

    def role(self, r: int, was, now) -> Changed:
        key = ("role", r)
        if now is None:
            title = f"{was[1]} ({self.function_name(was[0])})" if isinstance(was, tuple) else f"#{r}"
            return Changed(key, f"the role {title}", "was deleted")
        function_id, title, holder = now
        subject = f"the role {title} ({self.function_name(function_id)})"
        if not isinstance(was, tuple):
            return Changed(key, subject)
        details = []
        if was[0] != function_id:
            details.append(f"moved from {self.function_name(was[0])}")
        if was[1] != title:
            details.append(f"title {was[1]} → {title}")
        if was[2] != holder:
            details.append(f"holder {was[2] or 'vacant'} → {holder or 'vacant'}")
        return Changed(key, subject, detail="; ".join(details))

    def role_set(self, f: int, was, now: dict[int, str], *, skip: set[int]) -> list[Changed]:
        function = self.function_name(f)
        if not isinstance(was, dict):
            return [Changed(("function", f), f"the roles of {function}")]
        found = []
        for r in sorted(was.keys() | now.keys()):
            if r in skip or was.get(r) == now.get(r):
                continue  # a role recorded on its own is reported on its own
            if r not in was:
                found.append(Changed(("role", r), f"a role {now[r]}", f"was added to {function}"))
            elif r not in now:
                found.append(Changed(("role", r), f"the role {was[r]}", f"left {function}"))
            else:
                found.append(Changed(("role", r), f"the role {was[r]} ({function})", f"was renamed to {now[r]}"))
        return found

    def cell(self, t: int, f: int, was, now: str) -> Changed:
        touchpoint = self.touchpoints.get(t)
        if touchpoint is None:
            place = f"a deleted touchpoint (#{t})"
        else:
            journey = self.snapshot.journey_by_id.get(touchpoint.journey_id)
            place = f"{journey.name} › {touchpoint.name}" if journey else touchpoint.name
        detail = "" if was is UNKNOWN else f"{was or '—'} → {now or '—'}"
        return Changed(("cell", t, f), f"the cell {place} × {self.function_name(f)}", detail=detail)
