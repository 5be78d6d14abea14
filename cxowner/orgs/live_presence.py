"""Who is where: a person as the pages show them, and a place a page announces, checked."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Colours readable as a 2 px outline on white and as an avatar's background under white text.
COLOURS = ["#1f6feb", "#b3261e", "#0b7a3b", "#8a3ffc", "#b35900", "#007d8a", "#c0257a", "#5c6b00"]
PAGE = re.compile(r"^(journey|gap|page):[A-Za-z0-9_-]{1,40}$")


class PresenceRefused(ValueError):
    """An announcement the socket does not pass on."""


def person_of(user) -> dict:
    """The user as the avatars show them: name, initials and a colour of their own."""
    name = (user.get_full_name() or user.get_username()).strip()
    words = [word for word in re.split(r"[\s._-]+", name) if word]
    initials = "".join(word[0] for word in words[:2]).upper() or "?"
    return {"id": user.pk, "name": name, "initials": initials, "colour": COLOURS[user.pk % len(COLOURS)]}


@dataclass(frozen=True)
class Place:
    page: str
    cell: tuple[int, int] | None = None
    typing: bool = False

    def as_dict(self) -> dict:
        place: dict = {"page": self.page, "typing": self.typing}
        if self.cell is not None:
            place["cell"] = {"touchpoint_id": self.cell[0], "function_id": self.cell[1]}
        return place


def place_read(content: dict, *, can_type: bool) -> Place:
    """The place a page announced: {"page": "journey:12", "cell": {...}?, "typing": bool?}.

    A reader's page cannot say it types: only who may edit can."""
    page = content.get("page")
    if not isinstance(page, str) or not PAGE.match(page):
        raise PresenceRefused('Say the page as "journey:<id>", "gap:<id>" or "page:<name>".')
    cell = content.get("cell")
    if cell is not None:
        if not isinstance(cell, dict):
            raise PresenceRefused("A cell is {touchpoint_id, function_id}.")
        ids = (cell.get("touchpoint_id"), cell.get("function_id"))
        if not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids):
            raise PresenceRefused("A cell's touchpoint_id and function_id are whole numbers.")
        cell = ids
    typing = content.get("typing", False)
    if not isinstance(typing, bool):
        raise PresenceRefused("typing is true or false.")
    return Place(page=page, cell=cell, typing=typing and can_type)
